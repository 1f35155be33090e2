"""Builds bench/clustering/eval_set.json from stories.py: labeled pairs of items.

Positives (same matter): reposts with swapped words, edits (a sentence dropped, a comment
added), Traditional script, scraped HTML with pinyin annotations, excerpts, a footer added,
and the same author posting again. Negatives (different matters that share much wording):
the same story moved to another place with other numbers, hand-written neighbours (same kind
of complaint elsewhere), and different stories carrying the same footer.

Deterministic: `python bench/clustering/make_eval_set.py` rewrites the same file."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import opencc
from stories import FOOTERS, NEIGHBOURS, STORIES, SYNONYMS

HERE = Path(__file__).resolve().parent
PLATFORMS = ("微博", "微信", "抖音", "今日头条", "百度贴吧", "小红书", "快手")
# Moving a story elsewhere: each county place → another one.
MOVES = {
    "城关镇": "河西镇", "河西镇": "青山乡", "青山乡": "白水乡", "白水乡": "龙潭镇", "龙潭镇": "城关镇",
    "桃源村": "青山村", "青山村": "桃源村", "白水河": "河西镇小河", "龙潭煤矿": "白水乡石料厂",
    "县第一中学": "县第二中学", "县人民医院": "县中医院", "锦绣家园": "阳光花园", "阳光花园": "滨江小区",
    "河西镇中心小学": "青山乡中心小学",
}
PINYIN = {"镇": "zhèn", "村": "cūn", "县": "xiàn", "民": "mín", "网": "wǎng", "络": "luò", "学": "xué", "医": "yī"}
SENTENCE = re.compile(r"[^。！？]+[。！？]")
COMMENTS = ("太过分了，必须严查！", "大家帮忙转一下。", "希望早日解决。", "这种事情怎么还有？")


def sentences(text: str) -> list[str]:
    return SENTENCE.findall(text) or [text]


def swap_words(text: str, rng: random.Random, count: int) -> str:
    present = [w for w in SYNONYMS if w in text]
    for word in rng.sample(present, min(count, len(present))):
        text = text.replace(word, SYNONYMS[word], 1)
    return text


def annotate_pinyin(text: str) -> str:
    for char, sound in PINYIN.items():
        text = text.replace(char, f"{char}({sound})", 1)
    return text


def move(text: str, rng: random.Random) -> str | None:
    """The same story at another place with other numbers; None if nothing tells them apart."""
    names = sorted((n for n in MOVES if n in text), key=len, reverse=True)
    numbers = re.findall(r"\d+", text)
    if not names and not numbers:
        return None
    for index, name in enumerate(names):
        text = text.replace(name, f"\0{index}\0")
    for index, name in enumerate(names):
        text = text.replace(f"\0{index}\0", MOVES[name])
    return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), text)


def build() -> dict:
    rng = random.Random(20261122)
    to_traditional = opencc.OpenCC("s2t")
    items: list[dict] = []
    pairs: list[dict] = []

    def add(text: str, story: str, kind: str, platform: str = "", author: str = "") -> str:
        item_id = f"i{len(items):04d}"
        items.append({"id": item_id, "story": story, "kind": kind, "text": text,
                      "platform": platform or rng.choice(PLATFORMS), "author": author or f"网友{rng.randint(1000, 99999)}"})
        return item_id

    footer_items: dict[int, list[str]] = {0: [], 1: []}
    for index, story in enumerate(STORIES):
        key = f"s{index:02d}"
        parts = sentences(story)
        original = add(story, key, "original")
        original_item = items[-1]
        variants = {
            "repost": add("转发：" + swap_words(story, rng, 3) + " #演示县#", key, "repost"),
            "repost_comment": add(rng.choice(COMMENTS) + swap_words(story, rng, 5).replace("，", " "), key, "repost"),
            "edit": add("".join(parts[:1] + parts[2:]) + "有知情人士透露，相关情况正在进一步核实中。"
                        if len(parts) > 2 else story + "有知情人士透露，相关情况正在进一步核实中。", key, "edit"),
            "traditional": add(to_traditional.convert(story), key, "script"),
            "html": add("<div class=\"post\"><p>" + "</p><p>".join(annotate_pinyin(p) for p in parts)
                        + "</p><script>window.track('x')</script><style>p{color:red}</style></div>", key, "html_pinyin"),
            "excerpt": add(max(("".join(parts[i:i + 2]) for i in range(max(len(parts) - 1, 1))), key=len)
                           if len(parts) > 2 else parts[0], key, "excerpt"),
        }
        footer = index % 2
        variants["footer"] = add(story + FOOTERS[footer], key, "footer")
        footer_items[footer].append(variants["footer"])
        variants["same_author"] = add(
            "更新：" + parts[0] + "今天又去看了，目前仍然没有任何进展，希望大家继续关注。", key, "same_author",
            platform=original_item["platform"], author=original_item["author"])
        members = [original, *variants.values()]
        for a, b in itertools.combinations(members, 2):
            kinds = sorted({items[int(a[1:])]["kind"], items[int(b[1:])]["kind"]} - {"original"}) or ["original"]
            pairs.append({"a": a, "b": b, "same": True, "kind": "+".join(kinds)})

        moved = move(story, rng)
        if moved is not None:
            sibling = add(moved, f"{key}-moved", "moved")
            for member in members:
                pairs.append({"a": member, "b": sibling, "same": False, "kind": "moved_place_or_numbers"})
    for story_index, text in NEIGHBOURS:
        neighbour = add(text, f"n{story_index:02d}", "neighbour")
        for member in [i["id"] for i in items if i["story"] == f"s{story_index:02d}"]:
            pairs.append({"a": member, "b": neighbour, "same": False, "kind": "neighbour"})
    for members in footer_items.values():
        for a, b in zip(members, members[1:]):
            pairs.append({"a": a, "b": b, "same": False, "kind": "shared_footer"})
    return {"items": items, "pairs": pairs}


def main() -> None:
    data = build()
    (HERE / "eval_set.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    positives = sum(p["same"] for p in data["pairs"])
    print(f"{len(data['items'])} items, {len(data['pairs'])} pairs ({positives} same, {len(data['pairs']) - positives} different)")


if __name__ == "__main__":
    main()
