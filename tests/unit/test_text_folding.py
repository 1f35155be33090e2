"""yuqing.core.text folds faster than the plain library calls; these show it folds the same."""

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from yuqing.core.text import _converter, fold, fold_space, nfkc

# Characters where NFKC and whitespace folding are interesting: ASCII and its full-width twins,
# CJK and its punctuation, combining marks, Hangul jamo, half-width katakana and its voicing
# marks, ligatures, circled numbers, every kind of space and line break, and beyond the BMP.
_INTERESTING = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFFEE),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.characters(min_codepoint=0x3000, max_codepoint=0x303F),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
    st.characters(min_codepoint=0xFB00, max_codepoint=0xFB06),
    st.characters(min_codepoint=0x2460, max_codepoint=0x24FF),
    st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u2028\u2029\u3000，：；！？（）～％"),
    st.characters(min_codepoint=0x1D400, max_codepoint=0x1D7FF),
)
_TEXTS = st.text(_INTERESTING, max_size=40)


def _reference_fold(text: str) -> str:
    text = _converter().convert(unicodedata.normalize("NFKC", text))
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
@example("ｶﾞ，ｷﾞ")                 # half-width katakana and voicing mark compose
@example("e\u0301，a\u0308\u0323")   # combining marks compose and reorder
@example("\u1100\u1161\u11a8，")     # Hangul jamo compose
@example("ＡＢＣ１２３　全角，")
def test_nfkc_equals_unicodedata(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
@example(" a \u2028 b\n \n\u3000\nc\r\n")
def test_fold_equals_normalize_convert_and_regular_expressions(text):
    assert fold(text) == _reference_fold(text)


def test_fold_space_keeps_one_break_between_lines():
    assert fold_space("  发布 \t 干净 \n\n \n  里面 ") == "发布 干净\n里面"
