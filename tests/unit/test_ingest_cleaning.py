import pytest

from services.ingest.cleaning import clean_text, html_to_text, match_form, strip_pinyin_annotations
from services.ingest.matching import Matcher, Place, Topic, WordList, validate_topic
from yuqing import demo
from yuqing.core.errors import InvalidInput


@pytest.mark.parametrize(("raw", "cleaned"), [
    ("網(wǎng)絡(luò)輿情", "网络舆情"),
    ("網（wang3）絡", "网络"),
    ("县一中(yizhong)", "县一中(yizhong)"),        # not one syllable: kept
    ("报告(CCTV)", "报告(CCTV)"),
    ("ＡＢＣ１２３　全角", "ABC123 全角"),
    ("發佈  乾淨\n\n\n裡面", "发布 干净\n里面"),
])
def test_clean_text_folds_script_width_pinyin_and_space(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_html_keeps_visible_text_only():
    raw = ('<html><head><title>t</title><style>p{color:red}</style></head><body><p>第一段<script>alert(1)'
           '</script></p><p>第二段 <img src=x onerror="alert(2)"> &amp; 完</p><noscript>no</noscript></body></html>')
    text = html_to_text(raw)
    assert "第一段" in text and "第二段" in text and "&" in text
    for hostile in ("alert", "onerror", "color:red", "no\n"):
        assert hostile not in text
    assert clean_text(raw) == "第一段\n第二段 & 完"


def test_plain_text_with_angle_brackets_is_not_html():
    assert html_to_text("a < b and c > d") == "a < b and c > d"


def test_pinyin_only_after_chinese_characters():
    assert strip_pinyin_annotations("see (ma) there") == "see (ma) there"


def test_match_form_ignores_punctuation_case_and_space():
    assert match_form(clean_text("Hello，世界！  3 人")) == "hello世界3人"


def _matcher(**kwargs) -> Matcher:
    return Matcher(places=[Place(*p) for p in demo.PLACES], **kwargs)


def test_topic_rules_and_or_not_and_title_scope():
    food = Topic("t1", "校园食品安全", (("学校", "食堂", "学生"), ("变质", "吃出虫子", "腹泻")), ("招聘",))
    title_only = Topic("t2", "标题含煤矿", (("煤矿",),), scope="title")
    matcher = _matcher(topics=[food, title_only])
    assert matcher.scan("", "县一中食堂饭菜吃出虫子").topics == ["校园食品安全"]
    assert matcher.scan("", "县一中食堂招聘厨师，饭菜不会变质").topics == []        # NOT
    assert matcher.scan("", "学校举办运动会").topics == []                          # one group only
    assert matcher.scan("龙潭煤矿透水", "").topics == ["标题含煤矿"]
    assert matcher.scan("一则消息", "龙潭煤矿透水").topics == []                     # title-only
    # Traditional and full-width spellings match the same keywords.
    assert matcher.scan("", clean_text("學校食堂飯菜變質")).topics == ["校园食品安全"]


def test_sensitive_words_and_places_are_recorded_with_locality():
    matcher = _matcher(word_lists=[WordList("w1", "安全生产", "安全生产", ("透水", "瓦斯爆炸"))])
    result = matcher.scan("龙潭煤矿发生透水", "", region_hint="")
    assert result.sensitive_categories == ["安全生产"]
    assert result.locality == "longtan"
    kinds = {(m.kind, m.ref) for m in result.matches}
    assert ("sensitive", "w1") in kinds and ("place", "龙潭煤矿") in kinds


def test_locality_prefers_region_hint_then_longest_name_and_aliases_share_a_place():
    matcher = _matcher()
    assert matcher.scan("河西镇", "", region_hint="城关").locality == "chengguan"
    assert matcher.scan("", "龙潭煤矿透水").locality == "longtan"
    assert matcher.scan("", "外省消息").locality == ""
    assert matcher.scan("", "县一中").places == matcher.scan("", "县第一中学").places == frozenset({"school:县第一中学"})


def test_thousands_of_keywords_build_one_automaton():
    words = tuple(f"关键词{i}" for i in range(5_000))
    matcher = _matcher(word_lists=[WordList("big", "大词表", "测试", words)])
    assert matcher.scan("", "这里提到关键词4321和关键词7").sensitive_categories == ["测试"]


def test_topic_validation_names_the_problem():
    with pytest.raises(InvalidInput) as caught:
        validate_topic(Topic("", " ", ((),), ("！！",), "body"))
    fields = {p.field for p in caught.value.problems}
    assert fields == {"name", "scope", "all_of", "none_of"}
