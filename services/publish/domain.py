"""Statements (通稿): templates, approval chains by level, versions and their diffs. No I/O.

A statement has versions. A version is drafted (edited in place while a draft), submitted for
approval, approved step by step or rejected with a reason, then published by the event's
spokesperson — at once or at a set time. Editing anything after submission makes a new
version that needs approval again, so what is published is exactly what was approved (the
approved text's SHA-256 is checked at publishing). A correction (更正) of a published statement
is a new version; once published, the old one is shown as superseded.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from yuqing.core.identity import Caller

KINDS = {"response": "首次回应", "release": "权威发布"}
OFFLINE_KINDS = {"press_conference": "召开新闻发布会", "thread_reply": "跟帖回复", "interview": "接受媒体采访",
                 "other": "其他线下发布"}
STATE_NAMES = {"draft": "草稿", "in_review": "审核中", "approved": "已审核", "rejected": "已退回", "scheduled": "待发布",
               "published": "已发布", "superseded": "已更正"}
DRAFTERS = frozenset({"office", "spokesperson", "admin"})
MAX_TITLE, MAX_BODY = 200, 50_000


@dataclass(frozen=True)
class ChainStep:
    key: str
    label: str
    roles: frozenset[str]
    count: int           # distinct approvers needed


_LEADER = ChainStep("leader", "分管领导审核", frozenset({"leader"}), 1)
_GROUP = ChainStep("group", "领导小组审核", frozenset({"leader"}), 2)
_SUPERIOR = ChainStep("superior", "上级审核", frozenset({"superior_reader"}), 1)
# 一般 (and 较大, 关注): the leader in charge; 重大: the leadership group; 特别重大: also the superior.
CHAINS = {"I": (_GROUP, _SUPERIOR), "II": (_GROUP,), "III": (_LEADER,), "IV": (_LEADER,), "V": (_LEADER,)}


def chain_for(level: str) -> tuple[ChainStep, ...]:
    return CHAINS.get(level, (_LEADER,))


def chain_json(chain: tuple[ChainStep, ...]) -> list[dict]:
    return [{"key": s.key, "label": s.label, "roles": sorted(s.roles), "count": s.count} for s in chain]


def digest(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def check_text(title: str, body: str) -> None:
    problems = []
    if not title.strip() or len(title) > MAX_TITLE:
        problems.append(FieldProblem("title", f"标题须为 1–{MAX_TITLE} 字"))
    if not body.strip() or len(body) > MAX_BODY:
        problems.append(FieldProblem("body", f"正文须为 1–{MAX_BODY} 字"))
    if "\x00" in title or "\x00" in body:
        problems.append(FieldProblem("body", "包含不允许的控制字符（NUL）"))
    if problems:
        raise InvalidInput("通稿内容不符合要求", problems)


def next_approval(chain: list[dict], approvals: list[dict], caller: Caller) -> dict:
    """The chain step this caller's approval counts toward, or why it cannot."""
    done_by = {a["approver"] for a in approvals}
    if caller.username in done_by:
        raise Conflict("您已审核过此版本")
    for step in chain:
        given = sum(1 for a in approvals if a["step"] == step["key"])
        if given < step["count"]:
            if not caller.roles & set(step["roles"]):
                raise PermissionDenied(f"当前环节「{step['label']}」须由{'、'.join(_role_names(step['roles']))}审核")
            return step
    raise Conflict("审核已完成")


def chain_complete(chain: list[dict], approvals: list[dict]) -> bool:
    return all(sum(1 for a in approvals if a["step"] == s["key"]) >= s["count"] for s in chain)


def _role_names(roles) -> list[str]:
    names = {"leader": "县领导", "superior_reader": "上级网信部门", "office": "舆情办"}
    return [names.get(r, r) for r in sorted(roles)]


def require_drafter(caller: Caller) -> None:
    if not caller.roles & DRAFTERS:
        raise PermissionDenied("通稿由舆情办或新闻发言人起草")


# "快报事实，慎报原因": say what happened and what is being done; causes only once verified.
TEMPLATES = {
    "inquiry": ("关于{title}有关情况的回应",
                "近日，有网民反映{title}。我们高度重视，已第一时间交由{unit}核实处理。\n\n"
                "经初步了解，{facts}\n\n"
                "目前，相关工作正在进行中，处理结果将及时向社会公布。感谢广大网民的关注和监督。"),
    "hype": ("关于{title}的情况说明",
             "近日，网上出现关于{title}的相关信息。经核实，现将有关情况通报如下：\n\n{facts}\n\n"
             "请广大网民以官方发布信息为准，不信谣、不传谣。对恶意炒作、扰乱公共秩序的行为，将依法依规处理。"),
    "fabrication": ("关于{title}的澄清说明",
                    "近日，网上流传关于{title}的信息。经核查，该信息与事实不符。现将核查情况说明如下：\n\n{facts}\n\n"
                    "对捏造、歪曲事实、造谣传谣的行为，公安机关将依法调查处理。请广大网民理性看待，共同维护清朗网络空间。"),
    "suggestion": ("关于{title}的回复",
                   "感谢网民朋友对{title}提出的意见建议。{unit}已认真研究，现回复如下：\n\n{facts}\n\n"
                   "我们将认真吸纳合理建议，持续改进工作，欢迎继续监督。"),
}


def draft_text(disposition: str, title: str, unit: str, points: list[str]) -> tuple[str, str]:
    """A draft from the template of the event's disposition class, citing the talking points."""
    heading, body = TEMPLATES.get(disposition, TEMPLATES["inquiry"])
    facts = "\n".join(f"{n}. {p}" for n, p in enumerate(points, start=1)) or "（请依据核实情况填写已查明的事实和正在采取的措施。）"
    values = {"title": title, "unit": unit or "相关部门", "facts": facts}
    return heading.format(**values)[:MAX_TITLE], body.format(**values)


def diff(old_title: str, old_body: str, new_title: str, new_body: str) -> list[dict]:
    """Line by line: kept, added and removed lines, for the console's diff view."""
    lines = []
    for line in difflib.ndiff(f"{old_title}\n{old_body}".splitlines(), f"{new_title}\n{new_body}".splitlines()):
        tag, text = line[:1], line[2:]
        if tag in "+-":
            lines.append({"change": "added" if tag == "+" else "removed", "text": text})
        elif tag == " ":
            lines.append({"change": "kept", "text": text})
    return lines

