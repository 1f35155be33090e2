"""Disposition class (分类处置, DESIGN.md §2.2) and the harmful-information flag, from
lexicons an admin tunes. No I/O.

Each lexicon word carries a weight; a text's score for a class is the sum of the weights of
the words it contains (Aho-Corasick, once per word occurrence). The class is the best score;
the confidence is its softmax share among the four. Texts with no cue fall back to 询问/质疑/
诉求, the everyday case, with the confidence of a four-way guess. A person can always
correct the result. bench/disposition measures the default lexicon's accuracy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from yuqing.core.categories import DISPOSITIONS, HARMFUL_CATEGORIES
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.text import fold

FALLBACK = "inquiry"
MAX_WORDS = 5_000
MAX_WORD_CHARS = 20


@dataclass(frozen=True)
class Lexicon:
    version: int
    classes: dict[str, dict[str, float]]      # disposition → word → weight
    harmful: dict[str, dict[str, float]]      # harmful category → word → weight
    harmful_threshold: float = 1.0            # a category's score at or above this flags the event

    def to_json(self) -> dict:
        return {"classes": self.classes, "harmful": self.harmful, "harmful_threshold": self.harmful_threshold}

    @classmethod
    def from_json(cls, version: int, body: dict) -> Lexicon:
        return cls(version, body["classes"], body["harmful"], body.get("harmful_threshold", 1.0))


@dataclass(frozen=True)
class Classification:
    disposition: str
    confidence: float
    scores: dict[str, float]
    harmful_categories: tuple[str, ...] = ()
    harmful_scores: dict[str, float] = field(default_factory=dict)
    cues: tuple[str, ...] = ()

    @property
    def harmful(self) -> bool:
        return bool(self.harmful_categories)


class Classifier:
    """One automaton over every lexicon word; built once per lexicon version."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for kind, table in (("class", lexicon.classes), ("harmful", lexicon.harmful)):
            for name, words in table.items():
                for word, weight in words.items():
                    entries[fold(word).lower()].append((kind, name, weight))
        for word, targets in entries.items():
            self.automaton.add_word(word, (word, tuple(targets)))
        if entries:
            self.automaton.make_automaton()

    def evidence(self, text: str) -> tuple[dict[str, float], dict[str, float], list[str]]:
        """Raw class and harmful scores of one text, and the words found."""
        classes: dict[str, float] = dict.fromkeys(DISPOSITIONS, 0.0)
        harmful: dict[str, float] = dict.fromkeys(HARMFUL_CATEGORIES, 0.0)
        cues: list[str] = []
        if self.automaton.kind != ahocorasick.AHOCORASICK:
            return classes, harmful, cues
        for _end, (word, targets) in self.automaton.iter(fold(text).lower()):
            cues.append(word)
            for kind, name, weight in targets:
                (classes if kind == "class" else harmful)[name] += weight
        return classes, harmful, cues

    def decide(self, classes: dict[str, float], harmful: dict[str, float], cues=()) -> Classification:
        """Class and flag from (possibly accumulated) scores."""
        if not any(classes.values()):
            disposition = FALLBACK
        else:
            disposition = max(DISPOSITIONS, key=lambda name: (classes.get(name, 0.0), name == FALLBACK))
        exponents = {name: math.exp(min(classes.get(name, 0.0), 50.0)) for name in DISPOSITIONS}
        confidence = round(exponents[disposition] / sum(exponents.values()), 3)
        flagged = tuple(sorted(name for name, score in harmful.items() if score >= self.lexicon.harmful_threshold))
        return Classification(disposition, confidence, {k: round(v, 3) for k, v in classes.items()}, flagged,
                              {k: round(v, 3) for k, v in harmful.items() if v}, tuple(dict.fromkeys(cues)))

    def classify(self, text: str) -> Classification:
        return self.decide(*self.evidence(text))


def _check_table(table, known: dict[str, str], where: str, problems: list[FieldProblem]) -> dict[str, dict[str, float]]:
    cleaned: dict[str, dict[str, float]] = {}
    if not isinstance(table, dict):
        problems.append(FieldProblem(where, "必须是 类别 → {词: 权重} 的对象"))
        return cleaned
    for name, words in table.items():
        if name not in known:
            problems.append(FieldProblem(f"{where}.{name}", f"未知类别「{name}」，可选："
                                         + "、".join(f"{k}（{v}）" for k, v in known.items())))
            continue
        if not isinstance(words, dict):
            problems.append(FieldProblem(f"{where}.{name}", "必须是 {词: 权重} 的对象"))
            continue
        cleaned[name] = {}
        for word, weight in words.items():
            text = word.strip() if isinstance(word, str) else ""
            if not text or len(text) > MAX_WORD_CHARS:
                problems.append(FieldProblem(f"{where}.{name}", f"词「{word}」无效：须为 1–{MAX_WORD_CHARS} 个字"))
            elif isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
                problems.append(FieldProblem(f"{where}.{name}.{text}", f"权重必须大于 0、不超过 10，现为 {weight}"))
            else:
                cleaned[name][text] = float(weight)
    return cleaned


def validate_lexicon(lexicon: Lexicon) -> Lexicon:
    problems: list[FieldProblem] = []
    classes = _check_table(lexicon.classes, DISPOSITIONS, "classes", problems)
    harmful = _check_table(lexicon.harmful, HARMFUL_CATEGORIES, "harmful", problems)
    total = sum(len(w) for w in classes.values()) + sum(len(w) for w in harmful.values())
    if total > MAX_WORDS:
        problems.append(FieldProblem("classes", f"词库最多 {MAX_WORDS} 个词，现有 {total} 个"))
    threshold = lexicon.harmful_threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 100:
        problems.append(FieldProblem("harmful_threshold", "有害信息阈值必须大于 0、不超过 100"))
    if problems:
        raise InvalidInput("处置分类词库校验未通过", problems)
    return Lexicon(lexicon.version, classes, harmful, float(threshold))


def _weighted(words: str, weight: float) -> dict[str, float]:
    return dict.fromkeys(words.split(), weight)


# Cue words and phrases seen in county complaints, hype and rumours. Weights: 2 for phrases
# that nearly decide the class, 1 for ordinary cues, 0.5 for weak hints.
DEFAULT_LEXICON = Lexicon(
    version=1,
    classes={
        "inquiry": {
            **_weighted("请问 为什么 怎么回事 何时 什么时候 能否 是否 有没有人管 有人管吗 谁来管 求助 投诉 反映 "
                        "诉求 讨说法 要求 质疑 合理吗 凭什么 拖欠 欠薪 退费 赔偿 解决 答复 回应 维权", 1.0),
            **_weighted("希望尽快 请相关部门 请有关部门 一直没有 迟迟 没人理 到底", 1.0),
            **_weighted("吗？ 吗?", 0.5),
        },
        "hype": {
            **_weighted("转发扩散 扩散周知 求扩散 求转发 大家转起来 转起来 让更多人看到 顶上去 刷屏 带节奏 "
                        "炒作 水军 蹭热度 营销号 不转不是", 2.0),
            **_weighted("震惊 惊呆 速看 快看 太可怕了 细思极恐 必须曝光 曝光 再不看就删了 马上删", 1.0),
        },
        "fabrication": {
            **_weighted("造谣 谣言 不实 捏造 编造 虚构 诽谤 污蔑 歪曲 移花接木 张冠李戴 合成 ps的 P图 "
                        "假视频 旧闻 旧图 煽动 闹事 聚集 围堵 打砸 上街 集体去", 2.0),
            **_weighted("据内部人士 内部消息 听说 据说 有消息称 网传 小道消息", 1.0),
        },
        "suggestion": {
            **_weighted("建议 提议 倡议 意见建议 合理化建议 献计 出谋划策", 2.0),
            **_weighted("希望能 可以考虑 不如 能不能增加 增设 改进 完善 优化 便民", 1.0),
        },
    },
    harmful={
        "rumour": {**_weighted("网传 据说 内部消息 有消息称 小道消息 不转不是", 0.5),
                   **_weighted("死了好多人 死亡人数被隐瞒 隐瞒死亡 封城了 官方隐瞒", 1.0)},
        "obscenity": _weighted("色情 裸聊 约炮 黄色视频 招嫖", 1.0),
        "incitement": _weighted("煽动 集体去 上街 围堵 打砸 游行 罢课 罢工 推翻", 1.0),
        "violence": _weighted("炸掉 砍人 报复社会 同归于尽 爆炸物 恐袭", 1.0),
        "fraud": _weighted("刷单 返利 兼职日结 中奖 加我微信领取 验证码给我", 1.0),
    },
)
