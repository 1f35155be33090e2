"""Near-duplicate detection: which event does a new item belong to?

Candidates come from an index of keys: 16 MinHash LSH bands of 3 values (datasketch, 48
permutations over character 3-grams: two texts with Jaccard 0.4 share a band with
probability 0.64, at 0.6 with 0.98, so reposts with a few words changed find each other) and
one key for each of up to 8 long sentences (so an excerpt finds the post it was cut from).
The sentences keyed are those whose keys are smallest, not the first ones: a sentence keyed
for a long post is keyed for every excerpt that contains it, wherever it was cut. Keys live
in an indexed table, so a lookup costs the same at 1,000 or 1,000,000 events; at ≤ 24 keys
an item writes few rows. Each candidate is then verified on the exact 3-gram sets:

- Jaccard ≥ 0.4 → near-duplicate (repost, light edit, Traditional/Simplified twin);
- the shorter text ≥ 60 % contained in the longer → excerpt;
- same author on the same platform: a looser Jaccard ≥ 0.2 or containment ≥ 0.4 (the same
  person posting again on the same matter).

Different matters that share a template or boilerplate are kept apart: sentences with
boilerplate markers (来源, 免责声明, 转发扩散 …) are left out of the fingerprint; two
texts that name different county places (or different places of one kind) or mostly
different numbers never match; and an item never joins an event one of whose similar items
it contradicts.
docs/ingest.md explains the choices; bench/clustering measures them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from services.ingest.cleaning import match_form

NUM_PERM = 48
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_CHARS = 3
MIN_FORM_CHARS = 10          # shorter texts cluster only by exact URL or source id
MIN_SENTENCE_CHARS = 14
MAX_SENTENCE_KEYS = 8
JACCARD_SAME = 0.4
CONTAINMENT_SAME = 0.6
MIN_EXCERPT_SHINGLES = 16
AUTHOR_JACCARD = 0.2
AUTHOR_CONTAINMENT = 0.4
NUMBER_OVERLAP_MIN = 0.5
VETO_JACCARD = 0.3
VETO_CONTAINMENT = 0.5
MAX_CANDIDATES = 12
MAX_AUTHOR_CANDIDATES = 20

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
BOILERPLATE_MARKERS = (
    "本文来源", "来源于网络", "免责声明", "如有侵权", "联系删除", "侵删", "点击关注", "欢迎关注", "关注我们",
    "长按识别", "二维码", "转发扩散", "扩散周知", "阅读原文", "版权归", "责任编辑", "原标题", "点击上方",
    "求转发", "求扩散", "更多资讯", "下载app", "打开app",
)
_BOILERPLATE = re.compile("|".join(map(re.escape, BOILERPLATE_MARKERS)))
# Fixed permutations: keys written today must equal keys computed next year (a change of
# any of these constants needs a migration that recomputes event_keys, like ingest 0006).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=20261122, scheme="affine32").permutations
# Shingle ids are 63-bit packings of three code points; these odd multipliers fold them to the
# 32-bit values MinHash permutes, and fold a band's values into its 64-bit key.
_SHINGLE_MIX = np.uint64(0x9E3779B97F4A7C15)
_BAND_MIX = np.array([0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F],
                     dtype=np.uint64)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xE7037ED1A0B428DB)


def _key(tag: bytes, payload: bytes) -> int:
    """Signed 64-bit key (fits a BIGINT column)."""
    return int.from_bytes(hashlib.blake2b(tag + payload, digest_size=8).digest(), "little", signed=True)


def _shingle_ids(form: str) -> np.ndarray:
    """The character 3-grams of `form`, each as one integer (three 21-bit code points)."""
    points = np.frombuffer(form.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (points[:-2] << np.uint64(42)) | (points[1:-1] << np.uint64(21)) | points[2:]


def _band_keys(hashvalues: np.ndarray) -> np.ndarray:
    """Per row of MinHash values (items × NUM_PERM): one signed 64-bit key per band of ROWS values."""
    rows = hashvalues.astype(np.uint64).reshape(len(hashvalues), BANDS, ROWS)
    mixed = (rows * _BAND_MIX[:ROWS]).sum(axis=2, dtype=np.uint64) + _BAND_SALT
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(29)
    return mixed.view(np.int64)


def _minhash_values(ids: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """datasketch's affine32 MinHash (its permutations and pre-mix) of many items at once:
    `ids` holds every item's shingle ids one item after another, item k from starts[k]. Equal,
    value for value, to MinHash(...).update_batch per item (tests/unit/test_clustering.py)."""
    a, b = _PERMUTATIONS
    hashed = _fmix(((ids * _SHINGLE_MIX) >> np.uint64(32)).astype(np.uint32), 32)
    # Permutations × shingles, so each item's minimum runs along contiguous memory: ≈ 7 times
    # faster than the transposed layout. Returned items × NUM_PERM (a view).
    permuted = np.multiply.outer(a.astype(np.uint32), hashed)
    permuted += b.astype(np.uint32)[:, None]
    return np.minimum.reduceat(permuted, starts, axis=1).T


# Shingles per MinHash step: bounds the (shingles × NUM_PERM) working array to ~50 MB.
_SHINGLES_PER_STEP = 250_000


@dataclass(frozen=True, eq=False)
class Fingerprint:
    # Character 3-grams as `_shingle_ids` packs them. Kept as the array: most items are never
    # compared with another, and the set costs more to build than the MinHash.
    shingle_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    numbers: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    keys: tuple[int, ...] = ()

    @functools.cached_property
    def shingles(self) -> frozenset[int]:
        return frozenset(self.shingle_ids.tolist())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return (self.shingles, self.numbers, self.places, self.keys) == (
            other.shingles, other.numbers, other.places, other.keys)

    __hash__ = None   # type: ignore[assignment]   (equal by content, and not hashed anywhere)


def fingerprint(cleaned: str, places: frozenset[str] = frozenset()) -> Fingerprint:
    """cleaned: `clean_text` of title and content; places: `place_key`s of the places it names."""
    return fingerprints([cleaned], [places])[0]


def fingerprints(texts: list[str], places: list[frozenset[str]]) -> list[Fingerprint]:
    """The fingerprints of many cleaned texts; the MinHash of all of them in a few numpy steps."""
    parts = []
    for cleaned in texts:
        sentences = [s for s in (match_form(part) for part in _SENTENCE_END.split(cleaned))
                     if s and not _BOILERPLATE.search(s)]
        parts.append(("".join(sentences), sentences))
    hashed = [k for k, (form, _) in enumerate(parts) if len(form) >= MIN_FORM_CHARS]
    shingles: dict[int, np.ndarray] = {k: _shingle_ids(parts[k][0]) for k in hashed}
    band_keys: dict[int, list[int]] = {}
    step: list[int] = []
    in_step = 0
    for position, k in enumerate(hashed):
        step.append(k)
        in_step += len(shingles[k])
        if position == len(hashed) - 1 or in_step >= _SHINGLES_PER_STEP:
            sizes = np.array([len(shingles[j]) for j in step])
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            keys = _band_keys(_minhash_values(np.concatenate([shingles[j] for j in step]), starts)).tolist()
            band_keys.update(zip(step, keys))
            step, in_step = [], 0
    result = []
    for k, (form, sentences) in enumerate(parts):
        numbers = frozenset(_NUMBER.findall(form))
        if k not in band_keys:
            result.append(Fingerprint(numbers=numbers, places=places[k]))
            continue
        sentence_keys = {_key(b"s", s.encode()) for s in sentences if len(s) >= MIN_SENTENCE_CHARS}
        keys = band_keys[k] + sorted(sentence_keys)[:MAX_SENTENCE_KEYS]
        result.append(Fingerprint(shingles[k], numbers, places[k], tuple(dict.fromkeys(keys))))
    return result


@dataclass(frozen=True)
class Verdict:
    reason: str  # near_duplicate, excerpt, same_author
    score: float


def _by_kind(places: frozenset[str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for key in places:
        kind, _, name = key.partition(":")
        grouped[kind].add(name)
    return grouped


def conflicting(a: Fingerprint, b: Fingerprint) -> bool:
    """Different county places of one kind (two townships, two schools), or mostly different
    numbers: a different matter."""
    if a.places and b.places:
        if not (a.places & b.places):
            return True
        kinds_a, kinds_b = _by_kind(a.places), _by_kind(b.places)
        if any(kinds_a[k] and kinds_b.get(k) and not (kinds_a[k] & kinds_b[k]) for k in kinds_a):
            return True
    if a.numbers and b.numbers:
        overlap = len(a.numbers & b.numbers) / min(len(a.numbers), len(b.numbers))
        if overlap < NUMBER_OVERLAP_MIN:
            return True
    return False


def _overlap(a: Fingerprint, b: Fingerprint) -> tuple[float, float, int]:
    """(Jaccard, containment of the shorter in the longer, size of the shorter)."""
    common = len(a.shingles & b.shingles)
    smaller = min(len(a.shingles), len(b.shingles))
    return common / (len(a.shingles) + len(b.shingles) - common), common / smaller, smaller


def judge(a: Fingerprint, b: Fingerprint, same_author: bool = False) -> tuple[Verdict | None, bool]:
    """(the verdict, whether b contradicts a): one overlap computation serves both."""
    if not a.shingle_ids.size or not b.shingle_ids.size:
        return None, False
    jaccard, containment, smaller = _overlap(a, b)
    if conflicting(a, b):
        # Reads alike yet names other places or numbers: the same template, another matter.
        return None, jaccard >= VETO_JACCARD or containment >= VETO_CONTAINMENT
    if jaccard >= JACCARD_SAME:
        return Verdict("near_duplicate", jaccard), False
    if containment >= CONTAINMENT_SAME and smaller >= MIN_EXCERPT_SHINGLES:
        return Verdict("excerpt", containment), False
    if same_author and (jaccard >= AUTHOR_JACCARD or containment >= AUTHOR_CONTAINMENT):
        return Verdict("same_author", max(jaccard, containment)), False
    return None, False


def compare(a: Fingerprint, b: Fingerprint, same_author: bool = False) -> Verdict | None:
    return judge(a, b, same_author)[0]


@dataclass(frozen=True)
class Known:
    """An item already placed in an event."""

    item_id: str
    event_id: str
    fingerprint: Fingerprint
    platform: str = ""
    author: str = ""


@dataclass
class CandidateIndex:
    """Keys → known items. The service fills one per batch from the key table; the
    evaluation keeps one over the whole set. Same decisions either way."""

    items: dict[str, Known] = field(default_factory=dict)
    by_key: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_author: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, known: Known, keys: list[int] | tuple[int, ...] | None = None) -> None:
        if known.item_id in self.items:
            return
        self.items[known.item_id] = known
        by_key, item_id = self.by_key, known.item_id
        for key in known.fingerprint.keys if keys is None else keys:
            by_key[key].append(item_id)
        if known.author:
            self.by_author[(known.platform, known.author)].append(known.item_id)

    def assign(self, item_id: str, fp: Fingerprint, new_event_id: str, platform: str = "",
               author: str = "", index_keys: list[int] | None = None) -> tuple[str, Verdict | None]:
        """The event this item joins (or `new_event_id`), remembering it for later items under
        `index_keys` (default: all its keys)."""
        match = self.best_match(fp, platform, author)
        event_id = match[0].event_id if match else new_event_id
        self.add(Known(item_id, event_id, fp, platform, author), index_keys)
        return event_id, match[1] if match else None

    def best_match(self, fp: Fingerprint, platform: str = "", author: str = "") -> tuple[Known, Verdict] | None:
        by_key = self.by_key
        sharing = [item_id for key in fp.keys if key in by_key for item_id in by_key[key]]
        candidates = [item_id for item_id, _ in Counter(sharing).most_common(MAX_CANDIDATES)] if sharing else []
        if author:
            candidates += self.by_author.get((platform, author), [])[-MAX_AUTHOR_CANDIDATES:]
        if not candidates:
            return None
        best: tuple[Known, Verdict] | None = None
        vetoed: set[str] = set()
        for item_id in dict.fromkeys(candidates):
            known = self.items[item_id]
            same_author = bool(author) and known.author == author and known.platform == platform
            verdict, contradicted = judge(fp, known.fingerprint, same_author)
            if contradicted:
                vetoed.add(known.event_id)
            elif verdict and (best is None or verdict.score > best[1].score):
                best = (known, verdict)
        # An item joins an event only if it contradicts none of the event's items it resembles
        # (an excerpt naming only the county hospital must not bridge fires in two townships).
        if best is not None and best[0].event_id in vetoed:
            return None
        return best


def recompute_event_keys(connection) -> None:
    """Rebuild `event_keys` from every stored item's cleaned text with the fingerprint in use
    (a migration's synchronous connection). Chunked by item id, so memory stays flat."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    items = sa.table("items", sa.column("item_id"), sa.column("event_id"), sa.column("clean_text"))
    keys = sa.table("event_keys", sa.column("key", sa.BigInteger), sa.column("event_id"), sa.column("item_id"))
    connection.execute(sa.delete(keys))
    last = ""
    while True:
        rows = connection.execute(sa.select(items.c.item_id, items.c.event_id, items.c.clean_text)
                                  .where(items.c.item_id > last).order_by(items.c.item_id).limit(2_000)).all()
        if not rows:
            break
        # Keys do not depend on places; the chunk is fingerprinted in one batch, as the service does.
        prints = fingerprints([row.clean_text or "" for row in rows], [frozenset()] * len(rows))
        fresh = {(key, row.event_id): row.item_id for row, fp in zip(rows, prints) for key in fp.keys}
        if fresh:   # a key an earlier chunk gave the same event stays with that item, as in the service
            connection.execute(insert(keys).on_conflict_do_nothing(),
                               [{"key": k, "event_id": e, "item_id": i} for (k, e), i in fresh.items()])
        last = rows[-1].item_id
