"""Ingest use cases; each owns its transaction and announces its change through the outbox.

A batch is stored in one transaction: every valid item lands (as a new item or as a new
metrics snapshot of a known one) together with its event changes and its stream messages;
an invalid item is rejected with its reasons and changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import logging
import pickle
import time
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.ingest import models
from services.ingest.clustering import (
    MAX_AUTHOR_CANDIDATES,
    CandidateIndex,
    Fingerprint,
    Known,
    fingerprints,
)
from services.ingest.domain import MAINSTREAM_SITES, MAX_BATCH_ITEMS, NewItem, mainstream_site, validate_item
from services.ingest.matching import (
    Matcher,
    Place,
    ScanResult,
    Topic,
    WordList,
    place_key,
    validate_place,
    validate_topic,
    validate_word_list,
)
from services.ingest.preparing import Prepared, Preparer, new_item
from services.ingest.repository import PROBED_KEYS, IngestRepository
from yuqing.core import streams
from yuqing.core.bus import Outbox
from yuqing.core.db import StagedRows, driver_connection, is_write_conflict, new_id, utcnow
from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unavailable
from yuqing.core.files import Evidence, check_attachments
from yuqing.core.metrics import METRIC_FIELDS, Metrics
from yuqing.core.monitoring import INGEST_BATCH_RETRIES, ITEMS_INGESTED
from yuqing.core.protobuf import metrics_message, timestamp
from yuqing.core.telemetry import caller_trace_fields, inject_context
from yuqing.ingest.v1 import ingest_pb2

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
AUTHOR_WINDOW = dt.timedelta(days=30)
MAX_EVENTS_PER_KEY = 20
# A batch is stored after at most this many failures of its own (each a row another writer
# committed meanwhile, or a deadlock), and this many of the batch decided before it.
MAX_STORE_ATTEMPTS = 8
MAX_PREVIOUS_BATCH_FAILURES = 32
# Batches between their reads and their commit at once; more callers wait their turn. A batch
# writing ahead holds a pooled connection while it waits for the batch before it, which may
# still need one: with no bound, two dozen concurrent calls took every connection of the pool
# (10) that way and the first batch waited for one forever. Throughput gains nothing beyond
# three or four (bench/README.md: 3, 4 and 6 calls in flight measured alike).
MAX_BATCHES_STORING = 4
WATCHING, CLOSED = "watching", "closed"
# What a batch's items may change on an event stored before, besides its figures.
_JOINING_FIELDS = ("topics", "sensitive_categories", "mainstream_hosts", "mainstream_sites", "feedback_deadline",
                   "status", "closed_at", "reopen_count")

# Placing a thousand items in events is tens of milliseconds of CPU with nothing to wait on;
# it yields to the loop this often, so the batch written before it sends its next statement
# when the database answers instead of after the whole decision (batch ingest: faster in 16
# of 23 interleaved pairs, by 1-2 % at the median — small, on a machine whose noise is larger).
YIELD_EVERY = 200

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemOutcome:
    index: int
    status: str
    item_id: str = ""
    event_id: str = ""
    message: str = ""
    problems: tuple[FieldProblem, ...] = ()


@dataclass
class _Pending:
    """A valid item on its way into the database."""

    index: int
    item: NewItem
    evidence: list[Evidence]
    item_id: str = ""
    event_id: str = ""
    new_event: bool = False
    duplicate: bool = False
    reason: str = ""
    headline: str = ""
    cleaned: str = ""
    scan: ScanResult = field(default_factory=ScanResult)
    fp: Fingerprint | None = None
    trace: dict[str, str] = field(default_factory=dict)   # the submitting call's context, for its message


@dataclass
class _Decision:
    """What a batch writes, decided before it is written (see IngestService._store)."""

    pending: list[_Pending]
    new: list[_Pending]
    changes: dict[str, dict]                 # per event: increments (see _event_changes)
    joined: dict[str, dict]                  # per event: what its items bring (see _joined)
    new_events: dict[str, dict]
    stored_item_metrics: list[dict]          # newest figures of items stored before
    items: list[dict]
    item_snapshots: list[dict]
    attachments: list[dict]
    event_keys: tuple[list[int], list[str], list[str]]
    unsettled: Unsettled
    # The keys this decision knew each event to have (stored, being written, its own): another
    # replica's key found later on one of its new events' keys is one it did not see.
    key_events: dict[str, set[int]] = field(default_factory=dict)

    @functools.cached_property
    def stored_event_changes(self) -> list[dict]:
        """The increments of the events stored before this batch."""
        return [c for event_id, c in self.changes.items() if event_id not in self.new_events]


@dataclass
class _Staged:
    """What a decision alone fixes of its batch's writing, made ready before the batch before
    it is written: the batch's part of the write chain is then its statements alone."""

    ordered: list[_Pending]                  # the batch's items in request order
    free: list[StagedRows]                   # see IngestRepository.stage_batch
    bound: list[StagedRows]
    new_event_snapshots: list[dict]
    announcements: _Announcements


class GroupCommit:
    """Single items submitted concurrently share one transaction: the first goes at once, and
    whatever arrives while a transaction is in flight goes together in the next. Under load a
    transaction's fixed cost is paid once per group instead of once per item; alone, an item
    waits for nothing. Each item keeps its own outcome and its caller's trace context."""

    def __init__(self, submit_many, max_items: int) -> None:
        self.submit_many, self.max_items = submit_many, max_items
        self.waiting: list[tuple[NewItem, dict[str, str], asyncio.Future]] = []
        self.draining: asyncio.Task | None = None   # held: the loop keeps only weak references to tasks

    async def submit(self, item: NewItem) -> ItemOutcome:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((item, inject_context(), future))
        if self.draining is None:
            self.draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                group, self.waiting = self.waiting[:self.max_items], self.waiting[self.max_items:]
                await self._commit(group)
        finally:
            self.draining = None

    async def _commit(self, group) -> None:
        try:
            outcomes = await self.submit_many([item for item, _, _ in group], traces=[t for _, t, _ in group])
        except Exception as error:
            if len(group) > 1:   # one item's failure must not fail its neighbours: each alone
                for one in group:
                    await self._commit([one])
            elif not group[0][2].done():
                group[0][2].set_exception(error)
            return
        for (_, _, future), outcome in zip(group, outcomes):
            if not future.done():       # a caller that gave up (cancelled) is not answered
                future.set_result(outcome)


class MatcherCache:
    """The matcher for the current configuration version, rebuilt after an admin change. The
    version is read at most once a second (a query per submission cost a transaction of its
    own): this process's own changes apply to the next item, another replica's within a second."""

    def __init__(self, max_age_seconds: float = 1.0) -> None:
        self.version = -1
        self.matcher = Matcher()
        self.max_age_seconds = max_age_seconds
        self.checked_at = float("-inf")
        self.invalidations = 0
        self._pickled: tuple[Matcher, bytes] | None = None

    def pickled(self) -> bytes:
        """The current matcher pickled for the preparation worker (once per configuration)."""
        if self._pickled is None or self._pickled[0] is not self.matcher:
            self._pickled = (self.matcher, pickle.dumps(self.matcher))
        return self._pickled[1]

    def invalidate(self) -> None:
        self.checked_at = float("-inf")
        self.invalidations += 1

    async def current(self, sessions: async_sessionmaker) -> Matcher:
        now, invalidations = time.monotonic(), self.invalidations
        if now - self.checked_at >= self.max_age_seconds:
            async with sessions() as session:
                repo = IngestRepository(session)
                version = await repo.config_version()
                if version != self.version:
                    self.matcher = Matcher(await repo.topics(), await repo.word_lists(), await repo.places())
                    self.version = version
            # A change committed while this read ran may not be in it: the next item reads again.
            if self.invalidations == invalidations:
                self.checked_at = now
        return self.matcher


class RecentItems:
    """The fingerprints of recently stored items, by id. An item's text and event never change
    once stored, so a cached entry is always right; a candidate found here is neither fetched
    nor fingerprinted again. Bounded (least recently used out): reposts cluster around recent
    items, and memory stays small."""

    def __init__(self, size: int = 5_000) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[Known, str]] = OrderedDict()   # id → (known, drill id)

    def get(self, item_id: str) -> tuple[Known, str] | None:
        found = self.entries.get(item_id)
        if found is not None:
            self.entries.move_to_end(item_id)
        return found

    def put(self, known: Known, drill_id: str) -> None:
        self.entries[known.item_id] = (known, drill_id)
        self.entries.move_to_end(known.item_id)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


@dataclass(eq=False)   # a batch is itself: two batches with the same content are two
class Unsettled:
    """A batch decided and still being written, as the batches decided after it must see it:
    the items it stores or updates (with their newest figures), the event keys it adds, its
    new items by author and their fingerprints. The next batch is decided while this one is
    written, so the database alone does not show it yet."""

    event_keys: tuple[list[int], list[str], list[str]]                  # (key, event, item) columns
    items: dict[str, dict] = field(default_factory=dict)               # item id → known (see _split_known)
    by_url: dict[str, str] = field(default_factory=dict)               # canonical URL → item id
    by_source_id: dict[tuple[str, str], str] = field(default_factory=dict)
    by_author: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    fingerprints: dict[str, tuple[Known, str]] = field(default_factory=dict)   # item id → (known, drill id)
    decided_as: int = 0      # its place in this process's decide order (BatchesInFlight.decided)

    @classmethod
    def of(cls, known_items: dict[str, dict], new: list[_Pending], event_keys, author_since: dt.datetime):
        batch = cls(event_keys=event_keys)
        for item_id, known in known_items.items():
            batch.items[item_id] = {k: v for k, v in known.items() if k != "pending"}
            if known["pending"] is not None:
                batch.items[item_id]["event_id"] = known["pending"].event_id
            if known["canonical_url"]:
                batch.by_url[known["canonical_url"]] = item_id
            if known["source_item_id"]:
                batch.by_source_id[(known["source"], known["source_item_id"])] = item_id
        for p in new:
            if p.item.author and p.item.discovered_at >= author_since:
                batch.by_author[(p.item.platform, p.item.author)].append(p.item_id)
            if p.fp is not None:
                batch.fingerprints[p.item_id] = (Known(p.item_id, p.event_id, p.fp, p.item.platform, p.item.author),
                                                 p.item.drill_id)
        return batch


class BatchesInFlight:
    """The batches this process decided that a read of the database may not show: those still
    being written (unsettled), and those written since a read that is yet to be decided from
    began. A batch's reads run before its turn to decide, while the batch before it is decided
    (on PostgreSQL), so a batch written meanwhile is seen from here, not from those reads."""

    def __init__(self) -> None:
        self.unsettled: list[Unsettled] = []            # decide order
        self._decided = 0
        self._written: deque[tuple[int, Unsettled]] = deque()   # (write count when written, batch)
        self._write_count = 0
        self._reads: Counter[int] = Counter()           # write count when each open read began

    def begin_read(self) -> int:
        """Before a batch's reads: the mark to decide it from (see seen_since; end_read once decided)."""
        self._reads[self._write_count] += 1
        return self._write_count

    def end_read(self, mark: int) -> None:
        self._reads[mark] -= 1
        if not self._reads[mark]:
            del self._reads[mark]
        self._forget_written()

    def seen_since(self, mark: int) -> list[Unsettled]:
        """What reads begun at `mark` may have missed, oldest decided first: a later batch's
        figures are newer."""
        batches = [batch for count, batch in self._written if count > mark] + self.unsettled
        return sorted(batches, key=lambda batch: batch.decided_as)

    def decided(self, batch: Unsettled) -> None:
        self._decided += 1
        batch.decided_as = self._decided
        self.unsettled.append(batch)

    def settled(self, batch: Unsettled, written: bool) -> None:
        """The batch is committed (written) or failed: a failed one is seen no more."""
        self.unsettled.remove(batch)
        if written:
            self._write_count += 1
            self._written.append((self._write_count, batch))
        self._forget_written()

    def _forget_written(self) -> None:
        oldest_read = min(self._reads, default=self._write_count)
        while self._written and self._written[0][0] <= oldest_read:
            self._written.popleft()


@dataclass
class _Stored:
    """What the database holds about a batch's items, read before deciding it."""
    items: list       # stored items with the batch's canonical URLs or source ids
    key_rows: list    # (key, event id, item id) of the batch's event keys
    by_author: list   # (platform, author, item id) of the batch's authors' recent items


class PreviousBatchFailed(Exception):
    """The batch written before this one failed: what this one decided from it may not hold."""


class KeysStoredMeanwhile(Exception):
    """Another replica stored, after this batch's reads, a key of an event this batch starts
    (a post and its repost reaching two replicas at once): the batch is decided again, and its
    item joins that replica's event."""


def _gave_up(items: int, own_failures: int, previous_failures: int, error: Exception) -> Unavailable:
    """What a batch that failed too often answers (the sender resends it); the last error is
    logged, so a failure that is no race (a bug) shows as itself."""
    INGEST_BATCH_RETRIES.labels("gave_up").inc()
    logger.error("ingest batch not stored", extra={"items": items, "own_failures": own_failures,
                                                   "previous_batch_failures": previous_failures, "error": str(error)})
    return Unavailable("入库暂时失败，请稍后重试")


def _headline(title: str, content: str) -> str:
    return title or content[:60]


def _check_batch_size(count: int) -> None:
    if count > MAX_BATCH_ITEMS:
        raise InvalidInput(f"一批最多 {MAX_BATCH_ITEMS} 条，本批 {count} 条",
                           [FieldProblem("items", f"最多 {MAX_BATCH_ITEMS} 条")])


def _rejected(index: int, error: InvalidInput) -> ItemOutcome:
    return ItemOutcome(index, REJECTED, message=error.message, problems=tuple(error.problems))


class _Announcements:
    """A batch's ItemIngested messages, serialized in two parts: the event's fields once per
    event, then each item's own appended (a serialized message followed by another parses as
    the two merged, and no field is in both; built whole, a message cost ≈ 18 µs). The items'
    parts and new events' are built when the batch is decided; a stored event's only once
    its row is updated, in the batch's transaction."""

    def __init__(self, ordered: list[_Pending]) -> None:
        self.ordered = ordered
        self.event_parts: dict[str, bytes] = {}
        self._stamps: dict[dt.datetime | None, Timestamp | None] = {}
        stamp = self._stamp
        self.item_parts = [ingest_pb2.ItemIngested(
            item_id=p.item_id, new_event=p.new_event, duplicate=p.duplicate,
            text=(p.cleaned if not p.duplicate else "")[:4000],
            feedback_deadline=stamp(p.item.feedback_deadline), source=p.item.source, platform=p.item.platform,
            discovered_at=stamp(p.item.discovered_at)).SerializeToString() for p in ordered]

    def _stamp(self, value: dt.datetime | None) -> Timestamp | None:
        # Timestamps converted once per distinct time: a batch's items share discovery times.
        if value not in self._stamps:
            self._stamps[value] = timestamp(value)
        return self._stamps[value]

    def add_events(self, events: dict[str, dict]) -> None:
        """The event parts of these events (rows as written, with `reopened`)."""
        for event_id, event in events.items():
            self.event_parts[event_id] = ingest_pb2.ItemIngested(
                event_id=event_id, event_metrics=metrics_message(Metrics.of(event)),
                event_discovered_at=self._stamp(event["discovered_at"]), locality=event["locality"],
                title=event["title"], reopened=event["reopened"], topics=event["topics"],
                sensitive_categories=event["sensitive_categories"], event_item_count=event["item_count"],
                drill_id=event["drill_id"]).SerializeToString()

    def payloads(self, events: dict[str, dict]) -> list[bytes]:
        """Each item's message; events: each event's row. An item without text of its own (a
        snapshot of a stored item, or one whose cleaned text is empty) carries its event's title."""
        payloads = []
        for p, item_part in zip(self.ordered, self.item_parts, strict=True):
            payload = self.event_parts[p.event_id] + item_part
            if p.duplicate or not p.cleaned:
                payload += ingest_pb2.ItemIngested(text=events[p.event_id]["title"][:4000]).SerializeToString()
            payloads.append(payload)
        return payloads


def _set_prepared(p: _Pending, prepared: Prepared, scan: ScanResult) -> None:
    title, content, shingle_ids, numbers, keys = prepared
    p.cleaned = f"{title}\n{content}".strip()
    p.headline = _headline(title, content)[:1000]
    p.scan = scan
    p.fp = Fingerprint(shingle_ids, numbers, scan.places, keys)


class IngestService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow,
                 mainstream_sites: tuple[str, ...] = MAINSTREAM_SITES, preparer: Preparer | None = None,
                 driver_pool: asyncpg.Pool | None = None):
        """driver_pool: on PostgreSQL (required there), the connections items are decided and
        written on, without a session each (see db.open_driver_pool)."""
        self.sessions = sessions
        if sessions.kw["bind"].dialect.name == "postgresql" and driver_pool is None:
            raise ValueError("ingest on PostgreSQL needs the driver pool")
        self.driver_pool = driver_pool
        self.preparer = preparer or Preparer()
        self.outbox = outbox
        self.clock = clock
        self.mainstream_sites = mainstream_sites
        self.matchers = MatcherCache()
        self.recent = RecentItems()
        self.single_items = GroupCommit(self.submit_many, MAX_BATCH_ITEMS)
        # One batch at a time is decided in this process, and batches are written in the order
        # decided: batches decided together would race for the same URLs and event keys. The
        # next batch is decided while the one before it is written (it sees that one's
        # Unsettled), and prepared while both happen.
        self.deciding = asyncio.Lock()
        if driver_pool is not None and driver_pool.get_max_size() <= MAX_BATCHES_STORING:
            raise ValueError(f"ingest's driver pool needs more than {MAX_BATCHES_STORING} connections")
        self.storing = asyncio.Semaphore(MAX_BATCHES_STORING)
        self.in_flight = BatchesInFlight()
        self.last_written: asyncio.Future[bool] | None = None

    async def submit(self, item: NewItem) -> ItemOutcome:
        outcome = await self.single_items.submit(item)
        if outcome.status == REJECTED:
            raise InvalidInput(outcome.message, list(outcome.problems))
        return outcome

    async def submit_many(self, items: list[NewItem], traces: list[dict[str, str]] | None = None) -> list[ItemOutcome]:
        """traces: each item's trace context for its message (default: the current one)."""
        _check_batch_size(len(items))
        now = self.clock()
        outcomes: list[ItemOutcome | None] = [None] * len(items)
        pending: list[_Pending] = []
        for index, item in enumerate(items):
            try:
                validate_item(item, now)
            except InvalidInput as error:
                outcomes[index] = _rejected(index, error)
                continue
            self._admit(index, item, outcomes, pending, traces[index] if traces else {})
        if pending:
            await self._prepare(pending)
        return await self._submit_prepared(outcomes, pending, now)

    async def submit_messages(self, request: ingest_pb2.SubmitItemsRequest) -> list[ItemOutcome]:
        """A batch as it came over gRPC. A big one is turned into items, validated, cleaned,
        fingerprinted and matched in the preparation worker (see preparing.py)."""
        _check_batch_size(len(request.items))
        now = self.clock()
        admitted = None
        # Attachments (screenshots, up to megabytes each) would travel to the worker and back:
        # such a batch is admitted here, as items are.
        if self.preparer.in_worker(len(request.items)) and not any(m.attachments for m in request.items):
            await self.matchers.current(self.sessions)
            admitted = await self.preparer.admit(request, now, self.matchers.pickled())
        # Items grouped from several requests (the gateway's) each carry their request's trace.
        traces = [caller_trace_fields(m.trace_context) for m in request.items]
        if admitted is None:
            return await self.submit_many([new_item(message, now) for message in request.items], traces)
        outcomes: list[ItemOutcome | None] = [None] * len(request.items)
        for index, message, problems in admitted.rejected:
            outcomes[index] = ItemOutcome(index, REJECTED, message=message, problems=problems)
        pending: list[_Pending] = []
        for (index, item), prepared, scan in zip(admitted.items, admitted.prepared, admitted.scans, strict=True):
            p = self._admit(index, item, outcomes, pending, traces[index])
            if p is not None:
                _set_prepared(p, prepared, scan)
        return await self._submit_prepared(outcomes, pending, now)

    @staticmethod
    def _admit(index: int, item: NewItem, outcomes: list, pending: list[_Pending],
               trace: dict[str, str]) -> _Pending | None:
        """A valid item whose attachments pass joins the batch's pending items (and is returned)."""
        evidence, problems = check_attachments(list(item.attachments))
        if problems:
            outcomes[index] = _rejected(index, InvalidInput("附件不符合要求", problems))
            return None
        pending.append(_Pending(index, item, evidence, trace=trace))
        return pending[-1]

    async def _submit_prepared(self, outcomes: list[ItemOutcome | None], pending: list[_Pending],
                               now: dt.datetime) -> list[ItemOutcome]:
        if pending:
            async with self.storing:
                stored = await self._store_retrying(pending, now)
            self.outbox.notify()
            for outcome in stored:
                outcomes[outcome.index] = outcome
        done = [o for o in outcomes if o is not None]
        for status in (ACCEPTED, DUPLICATE, REJECTED):
            ITEMS_INGESTED.labels(status).inc(sum(1 for o in done if o.status == status))
        return done

    async def _store_retrying(self, pending: list[_Pending], now: dt.datetime) -> list[ItemOutcome]:
        """_store, decided and written again after a failure another writer caused: another
        replica's batch won a unique index (the same URL at the same moment; that row is
        committed by then, so the next decision makes the item a snapshot of it), PostgreSQL
        picked this batch as a deadlock victim, or the batch decided before this one failed.
        The last is counted apart: one failure makes every batch written ahead behind it fail
        too, and batches decided again in a new order may fail behind each other a few times
        before the one at fault is through."""
        own_failures = previous_failures = 0
        while True:
            if own_failures + previous_failures:
                await self._after_batches_decided_so_far()
            try:
                # Decided again, a batch reads in turn: reads made early, before the turns of
                # the batches decided again with it, would miss what the other replica has
                # committed meanwhile, and fail on it again.
                return await self._store(pending, now, read_early=not own_failures + previous_failures)
            except PreviousBatchFailed as error:
                previous_failures += 1
                if previous_failures == MAX_PREVIOUS_BATCH_FAILURES:
                    raise _gave_up(len(pending), own_failures, previous_failures, error) from error
                INGEST_BATCH_RETRIES.labels("previous_batch").inc()
            except (KeysStoredMeanwhile, DBAPIError) as error:   # IntegrityError, OperationalError among them
                if isinstance(error, DBAPIError) and not is_write_conflict(error):
                    raise
                own_failures += 1
                if own_failures == MAX_STORE_ATTEMPTS:
                    raise _gave_up(len(pending), own_failures, previous_failures, error) from error
                INGEST_BATCH_RETRIES.labels("conflict").inc()

    async def _after_batches_decided_so_far(self) -> None:
        """Before a failed batch is decided again: the batches decided before now are written or
        failed. Those written ahead behind a failed one fail one after another within moments;
        a batch decided again meanwhile would be written behind one of them and fail with it
        (two replicas racing for new events' keys: 4-6 failures of their own made 22-62 behind
        them, one batch decided 15 times)."""
        last = self.last_written
        if last is not None and not last.done():
            await asyncio.wait([last])   # its outcome is its writer's to handle

    async def _prepare(self, pending: list[_Pending]) -> None:
        """Cleaning, topic scan and fingerprint: no database, so it runs while another batch
        is being stored (cleaning and fingerprints of a big batch in the worker process)."""
        matcher = await self.matchers.current(self.sessions)
        prepared = await self.preparer.prepare([p.item.title for p in pending], [p.item.content for p in pending])
        for p, one in zip(pending, prepared, strict=True):
            _set_prepared(p, one, matcher.scan(one[0], one[1], p.item.region_hint))

    async def _store(self, pending: list[_Pending], now: dt.datetime, read_early: bool = True) -> list[ItemOutcome]:
        # On PostgreSQL the batch's reads run before its turn to decide, beside the deciding of
        # the batch before it; SQLite (one writer, one file) reads in turn.
        read_early = read_early and self.driver_pool is not None
        mark = self.in_flight.begin_read() if read_early else None
        try:
            stored = await self._look_up(pending, now) if read_early else None
            async with self.deciding:
                if not read_early:
                    mark = self.in_flight.begin_read()
                    stored = await self._look_up(pending, now)
                previous = self.last_written
                # A batch still being written, or written after the reads began, is seen
                # through its Unsettled; one done before, in the database.
                saw_previous = previous is not None and not previous.done()
                decision = await self._decide(pending, now, stored, self.in_flight.seen_since(mark))
                written = asyncio.get_running_loop().create_future()
                self.last_written = written
                self.in_flight.decided(decision.unsettled)
        finally:
            if mark is not None:
                self.in_flight.end_read(mark)
        try:
            staged = self._stage(decision)
            # Written only once the batch decided before it is done, and decided again if that
            # one failed after being seen. (shield: cancelling this call must not cancel that.)
            if previous is not None and not previous.done() and self.driver_pool is not None:
                await self._write_ahead(decision, staged, previous, now)
            else:
                if previous is not None and not await asyncio.shield(previous) and saw_previous:
                    raise PreviousBatchFailed()
                await self._write(decision, staged, now)
        except BaseException:
            written.set_result(False)
            self.in_flight.settled(decision.unsettled, written=False)
            raise
        written.set_result(True)
        try:
            # The batch after this one starts writing first: what is left here is bookkeeping.
            # (Two turns of the loop: the shielded wait of the next batch wakes on the second.)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        finally:
            # Only once the batch has committed may its items serve as candidates from memory
            # (until then, and until here, its Unsettled stands for them).
            for known, drill_id in decision.unsettled.fingerprints.values():
                self.recent.put(known, drill_id)
            self.in_flight.settled(decision.unsettled, written=True)
        return [ItemOutcome(p.index, DUPLICATE if p.duplicate else ACCEPTED, p.item_id, p.event_id)
                for p in staged.ordered]

    async def _decide(self, pending: list[_Pending], now: dt.datetime, stored: _Stored,
                      unsettled: list[Unsettled]) -> _Decision:
        """Which items are new and which event each joins, from the database's answers and the
        batches those may not show; and the rows that follow from it."""
        for p in pending:   # a batch decided again starts afresh
            p.item_id = p.event_id = p.reason = ""
            p.new_event = p.duplicate = False
        new, duplicates, known_items = self._split_known(stored.items, pending, unsettled)
        stored_keys, boilerplate = await self._cluster(stored, new, now, unsettled)
        await asyncio.sleep(0)
        changes = self._event_changes(new, duplicates)
        joined = self._joined(pending)
        # A new event is written once with its figures; only events stored before are updated.
        new_events = {p.event_id: self._new_event(p, changes[p.event_id], joined[p.event_id], now)
                      for p in new if p.new_event}
        later: dict[str, list[_Pending]] = defaultdict(list)   # snapshots of items new in this batch
        stored_item_metrics = []                                # snapshots of items stored before
        for p, known in duplicates:
            if known["pending"] is not None:
                later[p.item_id].append(p)
            else:
                stored_item_metrics.append({"item_id": p.item_id, **p.item.metrics.values()})
        event_keys = self._new_event_keys(new, stored_keys, boilerplate)
        snapshot_of = new + [d for d, _ in duplicates]
        return _Decision(
            pending=pending, new=new, changes=changes, joined=joined, new_events=new_events,
            stored_item_metrics=stored_item_metrics,
            # Sorted by unique keys: one insert order for every batch (see add_batch).
            items=sorted((self._item_row(p, now, later.get(p.item_id, [])) for p in new),
                         key=lambda r: (r["canonical_url"] or "", r["source"], r["source_item_id"] or "")),
            item_snapshots=[{"snapshot_id": new_id(), "item_id": p.item_id, "observed_at": now,
                             **p.item.metrics.values()} for p in snapshot_of],
            attachments=[{"attachment_id": new_id(), "item_id": p.item_id, "filename": e.filename,
                          "content_type": e.content_type, "size": e.size, "sha256": e.sha256, "data": e.data,
                          "created_at": now} for p in snapshot_of for e in p.evidence],
            event_keys=event_keys,
            unsettled=Unsettled.of(known_items, new, event_keys, now - AUTHOR_WINDOW),
            key_events=stored_keys,
        )

    def _stage(self, decision: _Decision) -> _Staged:
        ordered = sorted(decision.pending, key=lambda p: p.index)
        announcements = _Announcements(ordered)
        announcements.add_events({event_id: {**row, "reopened": False} for event_id, row in decision.new_events.items()})
        free, bound = IngestRepository.stage_batch(
            events=list(decision.new_events.values()), items=decision.items, item_snapshots=decision.item_snapshots,
            attachments=decision.attachments, event_keys=decision.event_keys,
            on_postgresql=self.driver_pool is not None)
        return _Staged(ordered, free, bound, IngestRepository.event_snapshot_rows(decision.new_events.values()),
                       announcements)

    async def _write(self, decision: _Decision, staged: _Staged, now: dt.datetime) -> None:
        if (self.driver_pool is not None and not decision.stored_item_metrics and not decision.stored_event_changes
                and not decision.event_keys[0]):
            # Nothing stored before changes and no event keys to claim: the batch is one
            # statement (PostgreSQL), atomic by itself, so it runs without BEGIN and COMMIT.
            async with self._statements() as repo:
                await self._add(repo, decision, staged, staged.free + staged.bound, {})
        else:
            async with self._transaction() as repo:
                await self._claim_event_keys(repo, decision)
                await self._update_and_add(repo, decision, staged, staged.free + staged.bound, now)

    async def _write_ahead(self, decision: _Decision, staged: _Staged, previous: asyncio.Future[bool],
                           now: dt.datetime) -> None:
        """PostgreSQL, the batch decided before this one still being written: this batch's
        transaction begins now with its free rows (event keys above all: half of the insert's
        time), and the rest follows once that batch is done — or the whole is rolled back, to
        be decided again, if that batch failed. Batch after batch, only the rest of each is
        written one after another."""
        async with self._transaction() as repo:
            await repo.insert_free(staged.free)
            if not await asyncio.shield(previous):
                raise PreviousBatchFailed()
            await self._claim_event_keys(repo, decision)
            await self._update_and_add(repo, decision, staged, staged.bound, now)

    async def _claim_event_keys(self, repo: IngestRepository, decision: _Decision) -> None:
        """PostgreSQL, in the batch's transaction once the batch before it is done and before it
        locks any stored row. A replica sees its own batches still being written but not another
        replica's: a post and its repost reaching two replicas at once would each start an event.
        So writers of event keys pass here one at a time (each holds the lock to its commit),
        and a key of an event this batch starts that is now stored for an event this decision
        did not know it on makes the batch be decided again (KeysStoredMeanwhile)."""
        keys, events, _ = decision.event_keys
        if self.driver_pool is None or not keys:
            return
        await repo.lock_event_key_writers()
        starting = list(dict.fromkeys(key for key, event_id in zip(keys, events) if event_id in decision.new_events))
        if not starting:
            return
        for key, event_id, _ in await repo.event_key_rows(starting, MAX_EVENTS_PER_KEY + 1, others_only=True):
            if event_id not in decision.new_events and key not in decision.key_events.get(event_id, ()):
                raise KeysStoredMeanwhile()

    async def _update_and_add(self, repo: IngestRepository, decision: _Decision, staged: _Staged,
                              rows: list[StagedRows], now: dt.datetime) -> None:
        """Rows stored before are updated first (snapshots' figures, events' increments and what
        joins them), then `rows` and the rest of what the batch adds, in one statement."""
        await repo.update_item_metrics(decision.stored_item_metrics)
        changed = await repo.apply_event_changes(decision.stored_event_changes, now)
        await self._add(repo, decision, staged, rows, await self._finish_stored_events(repo, changed, decision.joined))

    async def _add(self, repo: IngestRepository, decision: _Decision, staged: _Staged, rows: list[StagedRows],
                   stored_events: dict[str, dict]) -> None:
        """`rows` (staged), the event snapshots and the announcements, in one statement (on
        PostgreSQL); stored_events: the events stored before, as this batch left them."""
        staged.announcements.add_events(stored_events)
        current = inject_context()
        await repo.add_batch(
            rows, staged.new_event_snapshots + repo.event_snapshot_rows(stored_events.values()),
            (self.outbox.table, self.outbox.serialized_rows(
                streams.ITEMS, ingest_pb2.ItemIngested, staged.announcements.payloads({**decision.new_events, **stored_events}),
                [p.trace or current for p in staged.ordered])))

    async def _look_up(self, pending: list[_Pending], now: dt.datetime) -> _Stored:
        """The three reads a batch is decided from (keys and authors are read for every item;
        those of duplicates are ignored later). On PostgreSQL a few items' are one statement; a
        big batch's run at once, each on a connection of its own."""
        urls = [p.item.canonical_url for p in pending if p.item.canonical_url]
        source_ids = [(p.item.source, p.item.source_item_id) for p in pending if p.item.source_item_id]
        keys = list(dict.fromkeys(k for p in pending for k in p.fp.keys))
        authors = list(dict.fromkeys((p.item.platform, p.item.author) for p in pending if p.item.author))
        author_since = now - AUTHOR_WINDOW
        if self.driver_pool is not None and len(keys) <= PROBED_KEYS:
            async with self._statements() as repo:
                return _Stored(*await repo.look_up_few(urls, source_ids, keys, MAX_EVENTS_PER_KEY + 1, authors,
                                                       author_since, MAX_AUTHOR_CANDIDATES))

        async def items(repo: IngestRepository) -> list:
            return await repo.known_items(urls, source_ids) if urls or source_ids else []

        async def key_rows(repo: IngestRepository) -> list:
            return await repo.event_key_rows(keys, MAX_EVENTS_PER_KEY + 1) if keys else []

        async def by_author(repo: IngestRepository) -> list:
            return await repo.recent_items_by_authors(authors, author_since, MAX_AUTHOR_CANDIDATES) if authors else []

        reads = (items, key_rows, by_author)
        if self.driver_pool is not None:
            async def alone(read):
                async with self._statements() as repo:
                    return await read(repo)
            return _Stored(*await asyncio.gather(*map(alone, reads)))
        async with self._statements() as repo:
            return _Stored(*[await read(repo) for read in reads])

    def _split_known(self, stored_items: list, pending: list[_Pending], unsettled: list[Unsettled]):
        """Exact duplicates (same canonical URL or same source id) — stored, being written, or
        earlier in this batch — become snapshots of that item; the rest are new items. Returns
        also every item the batch touches, by id, with its newest figures."""
        urls = [p.item.canonical_url for p in pending if p.item.canonical_url]
        source_ids = [(p.item.source, p.item.source_item_id) for p in pending if p.item.source_item_id]
        found: dict[str, dict] = {}
        for row in stored_items:
            found[row["item_id"]] = {
                "item_id": row["item_id"], "event_id": row["event_id"], **Metrics.of(row).values(),
                "canonical_url": row["canonical_url"], "source": row["source"], "source_item_id": row["source_item_id"]}
        for batch in unsettled:   # oldest first: a later batch's figures are newer
            for item_id in {batch.by_url.get(url) for url in urls} | {batch.by_source_id.get(s) for s in source_ids}:
                if item_id is not None:
                    found[item_id] = dict(batch.items[item_id])
        by_url: dict[str, dict] = {}
        by_source_id: dict[tuple[str, str], dict] = {}
        for known in found.values():
            known["pending"] = None
            if known["canonical_url"]:
                by_url[known["canonical_url"]] = known
            if known["source_item_id"]:
                by_source_id[(known["source"], known["source_item_id"])] = known
        new: list[_Pending] = []
        duplicates: list[tuple[_Pending, dict]] = []
        for p in pending:
            url, source_id = p.item.canonical_url, (p.item.source, p.item.source_item_id)
            known = (by_url.get(url) if url else None) or (by_source_id.get(source_id) if p.item.source_item_id else None)
            if known is not None:
                p.item_id = known["item_id"]
                p.duplicate = True
                p.reason = "same_url" if url and by_url.get(url) is known else "same_source_id"
                duplicates.append((p, known))
                continue
            p.item_id = new_id()
            new.append(p)
            known = {"item_id": p.item_id, "event_id": "", **p.item.metrics.values(), "canonical_url": url,
                     "source": p.item.source, "source_item_id": p.item.source_item_id or None, "pending": p}
            found[p.item_id] = known
            if url:
                by_url[url] = known
            if p.item.source_item_id:
                by_source_id[source_id] = known
        return new, duplicates, found

    async def _cluster(self, stored: _Stored, new: list[_Pending], now: dt.datetime,
                       unsettled: list[Unsettled]) -> tuple[dict[str, set[int]], set[int]]:
        """Places each new item in an event; returns the keys each event has stored (or is
        storing), and the boilerplate keys (those that match nothing): neither is stored again."""
        batch_keys = Counter(k for p in new for k in p.fp.keys)
        # Each (key, event) once: a batch that committed meanwhile is both stored and unsettled,
        # and two replicas giving one event a key at the same moment both store it.
        seen: set[tuple[int, str]] = set()
        key_rows = []
        for key, event_id, item_id in itertools.chain(stored.key_rows, *(zip(*b.event_keys) for b in unsettled)):
            if key in batch_keys and (key, event_id) not in seen:
                seen.add((key, event_id))
                key_rows.append((key, event_id, item_id))
        by_key: dict[int, list[str]] = defaultdict(list)
        for key, _, item_id in key_rows:
            by_key[key].append(item_id)
        # A key shared by many events is boilerplate, not a sign of one matter: it is ignored
        # so it cannot flood the candidates.
        candidate_ids = [i for ids in by_key.values() if len(ids) <= MAX_EVENTS_PER_KEY for i in ids]
        authors = {(p.item.platform, p.item.author) for p in new if p.item.author}
        if authors:
            candidate_ids += [i for batch in unsettled for author in authors for i in batch.by_author.get(author, ())]
            candidate_ids += [item_id for platform, author, item_id in stored.by_author if (platform, author) in authors]
        # Only keys that can pair two items go into the indexes: stored ones, and those two or
        # more items of this batch carry. The decisions are the same; most keys are in neither.
        pairing = set(by_key) | {k for k, count in batch_keys.items() if count > 1}

        def pairing_keys(fp: Fingerprint) -> list[int]:
            return [k for k in fp.keys if k in pairing]

        # One index per drill (and one for real items): a drill never joins a real event.
        indexes: dict[str, CandidateIndex] = defaultdict(CandidateIndex)
        missing = []
        being_written = {i: f for batch in unsettled for i, f in batch.fingerprints.items()} if unsettled else {}
        for item_id in dict.fromkeys(candidate_ids):
            cached = self.recent.get(item_id) or being_written.get(item_id)
            if cached is None:
                missing.append(item_id)
            else:
                indexes[cached[1]].add(cached[0], pairing_keys(cached[0].fingerprint))
        rows = []
        if missing:
            async with self._statements() as repo:
                rows = await repo.items_for_matching(missing)
        places = [frozenset(place_key(m["name"], m["ref"]) for m in row["matches"] if m["kind"] == "place")
                  for row in rows]
        for row, fp in zip(rows, fingerprints([row["clean_text"] for row in rows], places)):
            known = Known(row["item_id"], row["event_id"], fp, row["platform"], row["author"])
            indexes[row["drill_id"]].add(known, pairing_keys(fp))
            self.recent.put(known, row["drill_id"])
        for n, p in enumerate(new, 1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            event_id, verdict = indexes[p.item.drill_id].assign(p.item_id, p.fp, new_id(), p.item.platform,
                                                                p.item.author, pairing_keys(p.fp))
            p.event_id = event_id
            p.new_event = verdict is None
            p.reason = verdict.reason if verdict else "new_event"
        stored: dict[str, set[int]] = defaultdict(set)
        for key, event_id, _ in key_rows:
            stored[event_id].add(key)
        boilerplate = {key for key, ids in by_key.items() if len(ids) > MAX_EVENTS_PER_KEY}
        return stored, boilerplate

    @staticmethod
    def _new_event_keys(new: list[_Pending], stored: dict[str, set[int]], boilerplate: set[int]):
        """The (key, event, item) columns to store: a key the event already has (stored, or from
        an earlier item of this batch) stays with the item that brought it first."""
        keys: list[int] = []
        event_ids: list[str] = []
        item_ids: list[str] = []
        for p in new:
            if p.fp is None or not p.fp.keys:
                continue
            taken = stored[p.event_id]
            fresh = [k for k in p.fp.keys if k not in taken and k not in boilerplate]
            taken.update(fresh)
            keys += fresh
            event_ids += [p.event_id] * len(fresh)
            item_ids += [p.item_id] * len(fresh)
        return keys, event_ids, item_ids

    @staticmethod
    def _item_row(p: _Pending, now: dt.datetime, later: Sequence[_Pending] = ()) -> dict:
        """later: snapshots of this item that came after it in the same batch (the newest figures win)."""
        item = p.item
        return {
            "item_id": p.item_id, "event_id": p.event_id, "source": item.source,
            "source_item_id": item.source_item_id or None, "platform": item.platform, "url": item.url,
            "canonical_url": item.canonical_url, "title": item.title, "content": item.content, "author": item.author,
            "published_at": item.published_at, "discovered_at": item.discovered_at, "region_hint": item.region_hint,
            "reporter": item.reporter, "snapshot_count": 1 + len(later), "created_at": now,
            **(later[-1] if later else p).item.metrics.values(),
            "clean_text": p.cleaned, "matches": [m.as_dict() for m in p.scan.matches], "attach_reason": p.reason,
            "reporter_contact": item.reporter_contact, "feedback_deadline": item.feedback_deadline,
            "issuing_agency": item.issuing_agency, "drill_id": item.drill_id,
        }

    @staticmethod
    def _event_changes(new: list[_Pending], duplicates: list[tuple[_Pending, dict]]) -> dict[str, dict]:
        """Per event: metric increments, new item count, earliest discovery, locality hint."""
        changes: dict[str, dict] = {}

        def change_of(event_id: str, discovered_at: dt.datetime) -> dict:
            change = changes.setdefault(event_id, {"event_id": event_id, **dict.fromkeys(METRIC_FIELDS, 0),
                                                   "item_count": 0, "discovered_at": discovered_at, "locality": ""})
            change["discovered_at"] = min(change["discovered_at"], discovered_at)
            return change

        for p in new:
            change = change_of(p.event_id, p.item.discovered_at)
            for name in METRIC_FIELDS[:4]:
                change[name] += getattr(p.item.metrics, name)
            change["mainstream_sites"] = max(change["mainstream_sites"], p.item.metrics.mainstream_sites)
            change["item_count"] += 1
            change["locality"] = change["locality"] or p.scan.locality
        for p, known in duplicates:
            if known["pending"] is not None:  # a snapshot of an item new in this very batch
                known["event_id"] = known["pending"].event_id
            p.event_id = known["event_id"]
            change = change_of(p.event_id, p.item.discovered_at)
            for name in METRIC_FIELDS[:4]:
                change[name] += getattr(p.item.metrics, name) - known[name]
                known[name] = getattr(p.item.metrics, name)
            change["mainstream_sites"] = max(change["mainstream_sites"], p.item.metrics.mainstream_sites)
        return changes

    def _joined(self, pending: list[_Pending]) -> dict[str, dict]:
        """Per event: the topics, sensitive categories, mainstream sites and superior deadlines
        this batch's items bring to it."""
        joined: dict[str, dict] = defaultdict(lambda: {"topics": set(), "sensitive": set(), "sites": set(),
                                                       "deadlines": []})
        for p in pending:
            extra = joined[p.event_id]
            if not p.duplicate:   # a snapshot brings figures only: its text was matched when stored
                extra["topics"].update(p.scan.topics)
                extra["sensitive"].update(p.scan.sensitive_categories)
            site = mainstream_site(p.item.host, self.mainstream_sites)
            if site:
                extra["sites"].add(site)
            if p.item.feedback_deadline:
                extra["deadlines"].append(p.item.feedback_deadline)
        return joined

    @staticmethod
    def _new_event(p: _Pending, change: dict, extra: dict, now: dt.datetime) -> dict:
        """The row of an event this batch creates, with everything its items bring."""
        sites = sorted(extra["sites"])
        return {
            "event_id": p.event_id, "title": p.headline, "discovered_at": change["discovered_at"],
            "locality": change["locality"], "item_count": change["item_count"],
            **{name: change[name] for name in METRIC_FIELDS},
            "mainstream_sites": max(change["mainstream_sites"], len(sites)),
            "created_at": now, "updated_at": now, "status": WATCHING, "closed_at": None, "reopen_count": 0,
            "topics": sorted(extra["topics"]), "sensitive_categories": sorted(extra["sensitive"]),
            "feedback_deadline": min(extra["deadlines"], default=None), "mainstream_hosts": sites,
            "drill_id": p.item.drill_id,
        }

    @staticmethod
    async def _finish_stored_events(repo: IngestRepository, rows: list[dict],
                                    joined: dict[str, dict]) -> dict[str, dict]:
        """Topics, sensitive categories, mainstream sites and superior deadlines join a stored
        event (rows: as the batch's increments left them); a closed event that receives
        anything is watched again. Every event changed so is written by one statement: its
        row is locked by the increments, so the fields it keeps are written back as they are."""
        events, changed = {}, []
        for row in rows:
            event_id, extra = row["event_id"], joined[row["event_id"]]
            values: dict = {}
            merged_topics = sorted(set(row["topics"]) | extra["topics"])
            if merged_topics != sorted(row["topics"]):
                values["topics"] = merged_topics
            merged_sensitive = sorted(set(row["sensitive_categories"]) | extra["sensitive"])
            if merged_sensitive != sorted(row["sensitive_categories"]):
                values["sensitive_categories"] = merged_sensitive
            merged_sites = sorted(set(row["mainstream_hosts"]) | extra["sites"])
            if merged_sites != sorted(row["mainstream_hosts"]):
                values["mainstream_hosts"] = merged_sites
                if len(merged_sites) > row["mainstream_sites"]:
                    values["mainstream_sites"] = len(merged_sites)
            if extra["deadlines"]:
                earliest = min(extra["deadlines"] + ([row["feedback_deadline"]] if row["feedback_deadline"] else []))
                if earliest != row["feedback_deadline"]:
                    values["feedback_deadline"] = earliest
            reopened = row["status"] == CLOSED
            if reopened:
                values.update(status=WATCHING, closed_at=None, reopen_count=row["reopen_count"] + 1)
            events[event_id] = {**row, **values, "reopened": reopened}
            if values:
                changed.append({"event_id": event_id, **{name: events[event_id][name] for name in _JOINING_FIELDS}})
        await repo.set_events_fields(changed)
        return events

    @asynccontextmanager
    async def _statements(self) -> AsyncIterator[IngestRepository]:
        """PostgreSQL: statements outside a transaction, each seeing what is committed when it
        runs and committing alone. (SQLite's session holds one transaction.)"""
        if self.driver_pool is not None:
            async with driver_connection(self.driver_pool) as connection:
                yield IngestRepository(connection)
        else:
            async with self.sessions() as session:
                yield IngestRepository(session)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[IngestRepository]:
        if self.driver_pool is not None:
            async with driver_connection(self.driver_pool) as connection, connection.transaction():
                yield IngestRepository(connection)
        else:
            async with self.sessions() as session, session.begin():
                yield IngestRepository(session)

    # --- reading ---------------------------------------------------------------------------

    async def event_with_items(self, event_id: str):
        async with self.sessions() as session:
            repo = IngestRepository(session)
            event = await repo.event(event_id)
            if event is None:
                raise NotFound(f"事件 {event_id} 不存在")
            items = await repo.items_of(event_id)
            attachments = await repo.attachments_of([i["item_id"] for i in items]) if items else []
            return event, items, attachments, await repo.trend(event_id)

    async def events(self, event_ids: list[str]):
        async with self.sessions() as session:
            return await IngestRepository(session).events(event_ids)

    async def page_of_events(self, limit: int, offset: int):
        async with self.sessions() as session:
            return await IngestRepository(session).page_of_events(limit, offset)

    async def attachment(self, item_id: str, attachment_id: str):
        async with self.sessions() as session:
            row = await IngestRepository(session).attachment(item_id, attachment_id)
        if row is None:
            raise NotFound("附件不存在")
        return row

    async def close_event(self, event_id: str, reason: str):
        if not reason.strip():
            raise InvalidInput("请说明结束跟踪的原因", [FieldProblem("reason", "必填")])
        async with self.sessions() as session, session.begin():
            repo = IngestRepository(session)
            event = await repo.event(event_id)
            if event is None:
                raise NotFound(f"事件 {event_id} 不存在")
            if event["status"] == CLOSED:
                raise Conflict("该事件已结束跟踪")
            await repo.set_event_fields(event_id, status=CLOSED, closed_at=self.clock())
            return await repo.event(event_id)

    # --- matching configuration -------------------------------------------------------------

    async def topics(self) -> list[Topic]:
        async with self.sessions() as session:
            return await IngestRepository(session).topics()

    async def save_topic(self, topic: Topic) -> Topic:
        topic = validate_topic(topic)
        async with self._changing_config() as repo:
            if any(t.name == topic.name and t.topic_id != topic.topic_id for t in await repo.topics()):
                raise Conflict(f"已有同名专题「{topic.name}」", [FieldProblem("name", "名称重复")])
            saved = await repo.save_topic(topic, self.clock())
        if saved.topic_id is None:
            raise NotFound(f"专题 {topic.topic_id} 不存在")
        return saved

    async def word_lists(self) -> list[WordList]:
        async with self.sessions() as session:
            return await IngestRepository(session).word_lists()

    async def save_word_list(self, word_list: WordList) -> WordList:
        word_list = validate_word_list(word_list)
        async with self._changing_config() as repo:
            if any(w.name == word_list.name and w.list_id != word_list.list_id for w in await repo.word_lists()):
                raise Conflict(f"已有同名词表「{word_list.name}」", [FieldProblem("name", "名称重复")])
            saved = await repo.save_word_list(word_list, self.clock())
        if saved.list_id is None:
            raise NotFound(f"词表 {word_list.list_id} 不存在")
        return saved

    async def places(self) -> list[Place]:
        async with self.sessions() as session:
            return await IngestRepository(session).places()

    async def save_place(self, place: Place) -> Place:
        place = validate_place(place)
        async with self._changing_config() as repo:
            if place.alias_of and place.alias_of not in {p.name for p in await repo.places()}:
                raise InvalidInput("地名有误", [FieldProblem("alias_of", f"「{place.alias_of}」不在地名库中")])
            await repo.save_place(place)
        return place

    async def delete(self, kind: str, row_id: str) -> bool:
        table, key = {"topic": (models.topics, "topic_id"), "word_list": (models.word_lists, "list_id"),
                      "place": (models.gazetteer, "name"), "feed": (models.feeds, "feed_id")}[kind]
        async with self._changing_config() as repo:
            return await repo.delete_row(table, key, row_id)

    @asynccontextmanager
    async def _changing_config(self) -> AsyncIterator[IngestRepository]:
        """A transaction changing topics, word lists or places: this process's next item is
        matched with what it wrote."""
        try:
            async with self.sessions() as session, session.begin():
                yield IngestRepository(session)
        finally:
            self.matchers.invalidate()
