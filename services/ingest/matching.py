"""Monitoring topics, sensitive words and the gazetteer, matched in one Aho-Corasick pass.

Keywords and text are compared in `match_form` (Simplified, half-width, lower-case, no
punctuation or spaces), so `食品 安全`, `食品安全` and `食品安全` are one keyword. Thousands of
keywords cost one automaton walk per text; only topics that saw one of their words are
evaluated."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from services.ingest.cleaning import clean_text, match_form
from yuqing.core.categories import SENSITIVE_CATEGORIES
from yuqing.core.errors import FieldProblem, InvalidInput

SCOPES = ("title", "full")
MAX_WORDS_PER_LIST = 20_000
MAX_WORD_CHARS = 50


@dataclass(frozen=True)
class Topic:
    topic_id: str
    name: str
    all_of: tuple[tuple[str, ...], ...]  # AND of OR-groups
    none_of: tuple[str, ...] = ()
    scope: str = "full"
    enabled: bool = True


@dataclass(frozen=True)
class WordList:
    list_id: str
    name: str
    category: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    name: str
    locality: str
    kind: str
    alias_of: str = ""  # a short form (县一中) names the same place as its full name

    @property
    def canonical(self) -> str:
        return self.alias_of or self.name


def place_key(kind: str, canonical_name: str) -> str:
    """How clustering compares places: by kind, so sharing the county hospital does not make
    fires in two townships one matter."""
    return f"{kind}:{canonical_name}"


@dataclass(frozen=True)
class MatchRecord:
    kind: str  # topic, sensitive, place
    ref: str
    name: str
    words: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "name": self.name, "words": list(self.words)}


@dataclass(frozen=True)
class ScanResult:
    matches: tuple[MatchRecord, ...] = ()
    locality: str = ""
    places: frozenset[str] = frozenset()  # place_key of each place mentioned

    @property
    def topics(self) -> list[str]:
        return [m.name for m in self.matches if m.kind == "topic"]

    @property
    def sensitive_categories(self) -> list[str]:
        return sorted({m.name for m in self.matches if m.kind == "sensitive"})


# What most items' scans find: one shared result (immutable), so a batch's thousand of them are
# built once and, from the preparation worker, pickled once.
NOTHING_FOUND = ScanResult()


def _clean_words(words, field_name: str, problems: list[FieldProblem]) -> tuple[str, ...]:
    cleaned = []
    for word in words:
        form = match_form(clean_text(word))
        if not form:
            problems.append(FieldProblem(field_name, f"关键词「{word}」去除标点和空格后为空"))
        elif len(form) > MAX_WORD_CHARS:
            problems.append(FieldProblem(field_name, f"关键词「{word[:20]}…」超过 {MAX_WORD_CHARS} 个字"))
        else:
            cleaned.append(word.strip())
    return tuple(dict.fromkeys(cleaned))


def validate_topic(topic: Topic) -> Topic:
    problems: list[FieldProblem] = []
    if not topic.name.strip():
        problems.append(FieldProblem("name", "请填写专题名称"))
    if topic.scope not in SCOPES:
        problems.append(FieldProblem("scope", "匹配范围只能是 title（仅标题）或 full（标题和正文）"))
    groups = tuple(g for g in (_clean_words(g, "all_of", problems) for g in topic.all_of) if g)
    if not groups:
        problems.append(FieldProblem("all_of", "至少需要一组关键词"))
    none_of = _clean_words(topic.none_of, "none_of", problems)
    if problems:
        raise InvalidInput(f"专题「{topic.name}」的关键词规则有误", problems)
    return Topic(topic.topic_id, topic.name.strip(), groups, none_of, topic.scope, topic.enabled)


def validate_word_list(word_list: WordList) -> WordList:
    problems: list[FieldProblem] = []
    if not word_list.name.strip():
        problems.append(FieldProblem("name", "请填写词表名称"))
    if word_list.category.strip() not in SENSITIVE_CATEGORIES:
        problems.append(FieldProblem("category", f"敏感类别必须是以下之一：{'、'.join(SENSITIVE_CATEGORIES)}"))
    words = _clean_words(word_list.words, "words", problems)
    if not words:
        problems.append(FieldProblem("words", "词表不能为空"))
    if len(words) > MAX_WORDS_PER_LIST:
        problems.append(FieldProblem("words", f"一个词表最多 {MAX_WORDS_PER_LIST} 个词"))
    if problems:
        raise InvalidInput(f"词表「{word_list.name}」有误", problems)
    return WordList(word_list.list_id, word_list.name.strip(), word_list.category.strip(), words)


def validate_place(place: Place) -> Place:
    problems = []
    if not match_form(clean_text(place.name)):
        problems.append(FieldProblem("name", "请填写地名或机构名"))
    if not place.locality.strip():
        problems.append(FieldProblem("locality", "请填写负责的乡镇（属地）代码"))
    if problems:
        raise InvalidInput("地名有误", problems)
    return Place(place.name.strip(), place.locality.strip(), place.kind.strip() or "place", place.alias_of.strip())


@dataclass
class Matcher:
    """Built once per configuration version; `scan` is pure and cheap."""

    topics: list[Topic] = field(default_factory=list)
    word_lists: list[WordList] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Each keyword form → the original spellings an admin typed (for display).
        self._topics_by_word: dict[str, set[int]] = defaultdict(set)
        self._lists_by_word: dict[str, set[int]] = defaultdict(set)
        self._place_by_form: dict[str, Place] = {}
        self._place_by_name = {p.name: p for p in self.places}
        self._topics = [t for t in self.topics if t.enabled]
        self._topic_forms = [
            (tuple(frozenset(match_form(clean_text(w)) for w in g) for g in t.all_of),
             frozenset(match_form(clean_text(w)) for w in t.none_of))
            for t in self._topics
        ]
        forms: set[str] = set()
        for index, (groups, _) in enumerate(self._topic_forms):
            for group in groups:
                for form in group:
                    self._topics_by_word[form].add(index)
                    forms.add(form)
        for _, none_of in self._topic_forms:
            forms |= none_of
        for index, word_list in enumerate(self.word_lists):
            for word in word_list.words:
                form = match_form(clean_text(word))
                self._lists_by_word[form].add(index)
                forms.add(form)
        for place in self.places:
            form = match_form(clean_text(place.name))
            self._place_by_form[form] = place
            forms.add(form)
        self._automaton = ahocorasick.Automaton() if forms else None
        if self._automaton is not None:
            for form in forms:
                self._automaton.add_word(form, form)
            self._automaton.make_automaton()

    def _found(self, form: str) -> list[tuple[int, str]]:
        """(start, word) of every keyword occurrence."""
        if self._automaton is None or not form:
            return []
        return [(end - len(word) + 1, word) for end, word in self._automaton.iter(form)]

    def scan(self, title: str, content: str, region_hint: str = "") -> ScanResult:
        """title/content are cleaned texts (`clean_text`)."""
        title_form, content_form = match_form(title), match_form(content)
        in_title = self._found(title_form)
        in_content = self._found(content_form)
        title_words = {w for _, w in in_title}
        full_words = title_words | {w for _, w in in_content}
        matches: list[MatchRecord] = []

        candidate_topics = sorted({i for w in full_words for i in self._topics_by_word.get(w, ())})
        for index in candidate_topics:
            topic = self._topics[index]
            groups, none_of = self._topic_forms[index]
            words = title_words if topic.scope == "title" else full_words
            if all(group & words for group in groups) and not (none_of & words):
                hit = sorted({w for group in groups for w in group & words})
                matches.append(MatchRecord("topic", topic.topic_id, topic.name, tuple(hit)))

        hits_by_list: dict[int, set[str]] = defaultdict(set)
        for word in full_words:
            for index in self._lists_by_word.get(word, ()):
                hits_by_list[index].add(word)
        for index, words in sorted(hits_by_list.items()):
            word_list = self.word_lists[index]
            matches.append(MatchRecord("sensitive", word_list.list_id, word_list.category, tuple(sorted(words))))

        place_names: set[str] = set()
        locality = ""
        # Region hint first, then title, then content; within one text the longest name wins.
        for found in (self._found(match_form(region_hint)), in_title, in_content):
            places_here = [self._place_by_form[w] for _, w in found if w in self._place_by_form]
            place_names |= {p.name for p in places_here}
            if places_here and not locality:
                locality = max(places_here, key=lambda p: len(p.name)).locality
        for name in sorted(place_names):
            place = self._place_by_name[name]
            matches.append(MatchRecord("place", place.canonical, place.kind, (name,)))
        if not matches and not locality:
            return NOTHING_FOUND
        canonical = frozenset(place_key(self._place_by_name[name].kind, self._place_by_name[name].canonical)
                              for name in place_names)
        return ScanResult(tuple(matches), locality, canonical)
