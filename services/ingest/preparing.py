"""Cleaning and fingerprinting — the per-item work of ingest that needs neither the database
nor the matching configuration — in a worker process for big batches.

One Python process stores one batch at a time; its cleaning and MinHash cost about a fifth
of its time per item. In a worker, the next batch is cleaned and fingerprinted on the other
core while this process stores the current one. Small batches (single items, a slow stream)
stay in-process: a round trip to the worker would cost them more than the work. A worker
that dies is replaced, and its batch is prepared in-process meanwhile: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

import numpy as np

from services.ingest.cleaning import clean_text
from services.ingest.clustering import fingerprints

log = logging.getLogger(__name__)

# Below this many items a batch is prepared in-process.
MIN_WORKER_ITEMS = 64
# In-process work yields to the event loop this often (another batch's statements go out).
IN_PROCESS_CHUNK = 100

# Cleaned title, cleaned content, and the fingerprint's shingle ids, numbers and keys; its
# places are the matcher's, added by the caller (the keys do not depend on them).
Prepared = tuple[str, str, np.ndarray, frozenset[str], tuple[int, ...]]


def prepare_texts(titles: list[str], contents: list[str]) -> list[Prepared]:
    """Each item's cleaned title and content and its fingerprint's parts (runs in the worker)."""
    cleaned = [(clean_text(title), clean_text(content)) for title, content in zip(titles, contents, strict=True)]
    prints = fingerprints([f"{title}\n{content}".strip() for title, content in cleaned], [frozenset()] * len(cleaned))
    return [(title, content, fp.shingle_ids, fp.numbers, fp.keys) for (title, content), fp in zip(cleaned, prints)]


def prepare_packed(titles: list[str], contents: list[str]) -> tuple:
    """prepare_texts for the worker, with the arrays of all items packed into one each: a
    thousand small arrays and key tuples cost this process ≈ 6 ms a batch to unpickle, the
    packed batch ≈ 1.5 ms (see `unpack`)."""
    prepared = prepare_texts(titles, contents)
    shingles = np.concatenate([p[2] for p in prepared]) if prepared else np.zeros(0, dtype=np.uint64)
    keys = np.fromiter((k for p in prepared for k in p[4]), dtype=np.int64)
    shingle_ends = np.cumsum([0] + [len(p[2]) for p in prepared])
    key_ends = np.cumsum([0] + [len(p[4]) for p in prepared])
    return ([p[0] for p in prepared], [p[1] for p in prepared], [p[3] for p in prepared],
            shingles, shingle_ends, keys, key_ends)


def unpack(packed: tuple) -> list[Prepared]:
    """The items of a packed batch. Each item's shingle ids are copied out of the batch's array:
    a view would keep the whole batch's array alive as long as the item stays in RecentItems."""
    titles, contents, numbers, shingles, shingle_ends, keys, key_ends = packed
    shingle_ends, key_list, key_ends = shingle_ends.tolist(), keys.tolist(), key_ends.tolist()
    return [(titles[k], contents[k], shingles[shingle_ends[k]:shingle_ends[k + 1]].copy(), numbers[k],
             tuple(key_list[key_ends[k]:key_ends[k + 1]])) for k in range(len(titles))]


def _exit_with_parent() -> None:
    """Worker start: a worker whose service process is killed (SIGKILL leaves no time to stop
    it) exits too, instead of lingering as an orphan."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), daemon=True,
                         name="exit-with-parent").start()


def _warm() -> None:
    prepare_texts(["预热"], ["进程启动后先做一次，载入繁简转换表"])


class Preparer:
    """Prepares a batch's texts in a worker process (workers ≥ 1) or in this one (workers = 0)."""

    def __init__(self, workers: int = 0, min_worker_items: int = MIN_WORKER_ITEMS) -> None:
        self.workers = workers
        self.min_worker_items = min_worker_items
        self.pool: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # spawn: a fork would copy this process's gRPC and database connections.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_parent)
            self.pool.submit(_warm)   # started and its tables loaded before the first batch needs it
        return self.pool

    def start(self) -> None:
        if self.workers:
            self._pool()

    async def prepare(self, titles: list[str], contents: list[str]) -> list[Prepared]:
        if self.workers and len(titles) >= self.min_worker_items:
            pool = self._pool()
            try:
                return unpack(await asyncio.get_running_loop().run_in_executor(pool, prepare_packed, titles, contents))
            except BrokenExecutor:
                log.warning("ingest preparation worker died; replacing it, this batch is prepared in-process")
                if self.pool is pool:
                    self.pool = None
                pool.shutdown(wait=False, cancel_futures=True)
        prepared: list[Prepared] = []
        for start in range(0, len(titles), IN_PROCESS_CHUNK):
            end = start + IN_PROCESS_CHUNK
            prepared += prepare_texts(titles[start:end], contents[start:end])
            await asyncio.sleep(0)
        return prepared

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for operators' tools and tests)."""
        processes = getattr(self.pool, "_processes", None) or {}
        return [pid for pid, process in processes.items() if process.is_alive()]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
