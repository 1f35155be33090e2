"""Normalising scraped text for matching. The original stays on the item as evidence; these
functions make the copy that topics, gazetteer and near-duplicate matching read.

Order matters: HTML is reduced to text first (so markup never reaches the matchers), then
pinyin annotations go (`網(wǎng)絡`), then widths and script are folded (NFKC, OpenCC t2s)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from yuqing.core.text import fold

# Tags whose content is never text a reader sees.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_LOOKS_LIKE_HTML = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9-]*|!--|!doctype)[\s>/]", re.IGNORECASE)
_BLOCK_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/section|/article)\b[^>]*>", re.IGNORECASE)

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin syllable without tone marks: optional initial, then a final.
_PLAIN_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:[aeiouv]|ü){1,3}(?:ng|n|r)?[1-5]?")
_ANNOTATION = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*([a-zA-Z" + _TONE_MARKS + r"ü]{1,7}[1-5]?)\s*[)）]")
# What matching ignores: everything except letters, digits and CJK ideographs.
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def html_to_text(raw: str) -> str:
    """Visible text of an HTML fragment or page; plain text passes through unchanged."""
    if not _LOOKS_LIKE_HTML.search(raw):
        return raw
    # Block ends become line breaks so paragraphs do not run together.
    tree = LexborHTMLParser(_BLOCK_BREAK.sub(lambda m: m.group(0) + "\n", raw))
    tree.strip_tags(list(_INVISIBLE_TAGS))
    root = tree.body or tree.root
    return root.text(separator="", strip=False) if root is not None else ""


def _is_pinyin(annotation: str) -> bool:
    if any(mark in annotation for mark in _TONE_MARKS) or annotation[-1].isdigit():
        return True
    return annotation.islower() and _PLAIN_SYLLABLE.fullmatch(annotation) is not None


def strip_pinyin_annotations(text: str) -> str:
    """`網(wǎng)絡` → `網絡`; a parenthesis that is not one pinyin syllable (`县一中(yizhong)`) stays."""
    return _ANNOTATION.sub(lambda m: "" if _is_pinyin(m.group(1)) else m.group(0), text)


def clean_text(raw: str) -> str:
    """The readable cleaned copy of a title or content: what matching starts from."""
    return fold(strip_pinyin_annotations(html_to_text(raw)))


def match_form(cleaned: str) -> str:
    """Lower-case letters, digits and ideographs only: punctuation and spacing never decide a match."""
    return _NOT_WORD.sub("", cleaned.lower())
