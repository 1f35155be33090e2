"""Folding Chinese text to one comparable form, shared by ingest (item text) and grading
(lexicon words), so a word an admin types matches the text it was meant for."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), Traditional to Simplified, whitespace runs to one."""
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()
