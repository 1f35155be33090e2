"""Big batches are cleaned and fingerprinted in a worker process: same results as in-process,
and a worker that dies costs nothing but time."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from services.ingest.cleaning import clean_text
from services.ingest.clustering import fingerprint
from services.ingest.preparing import Preparer

TITLES = ["網(wǎng)絡謠言：縣醫院停診", "<b>城关镇</b>自来水浑浊", ""] * 30
CONTENTS = ["縣醫院今日起全部停診，請大家轉發擴散周知！！！本文來源網絡",
            "<p>今天早上城关镇东街自来水发黄</p><script>alert(1)</script><img src=x onerror=alert(2)>",
            "ＡＢＣ　全角　字母和数字１２３，已经持续三天了，居民反映强烈。"] * 30


def expected(title: str, content: str):
    cleaned_title, cleaned_content = clean_text(title), clean_text(content)
    return cleaned_title, cleaned_content, fingerprint(f"{cleaned_title}\n{cleaned_content}".strip())


def as_comparable(prepared):
    title, content, shingle_ids, numbers, keys = prepared
    return title, content, (frozenset(shingle_ids.tolist()), numbers, keys)


@pytest.fixture
def worker():
    preparer = Preparer(workers=1, min_worker_items=10)
    preparer.start()
    yield preparer
    preparer.close()


async def test_worker_prepares_like_this_process(worker):
    prepared = await worker.prepare(TITLES, CONTENTS)
    assert worker.worker_pids() and os.getpid() not in worker.worker_pids()
    for (title, content), got in zip(zip(TITLES, CONTENTS, strict=True), prepared, strict=True):
        want_title, want_content, want_fp = expected(title, content)
        assert as_comparable(got) == (want_title, want_content, (want_fp.shingles, want_fp.numbers, want_fp.keys))
        assert got[2].dtype == np.uint64 and np.array_equal(got[2], want_fp.shingle_ids)   # in order: MinHash input
        assert got[2].base is None, "an item's ids must not keep its whole batch's array alive"
    assert "script" not in prepared[1][1] and "onerror" not in prepared[1][1]
    assert isinstance(prepared[2][2], np.ndarray) and prepared[2][4]   # keyed: it can be clustered


async def test_small_batch_stays_in_process_and_matches():
    preparer = Preparer(workers=1, min_worker_items=10)
    try:
        small = await preparer.prepare(TITLES[:3], CONTENTS[:3])
        assert preparer.worker_pids() == []   # no worker was even started for it
        assert [as_comparable(p) for p in small] == [
            as_comparable(p) for p in await Preparer().prepare(TITLES[:3], CONTENTS[:3])]
    finally:
        preparer.close()


async def test_a_killed_worker_is_replaced_and_its_batch_still_prepared(worker):
    first = await worker.prepare(TITLES, CONTENTS)
    [pid] = worker.worker_pids()
    os.kill(pid, signal.SIGKILL)
    again = await worker.prepare(TITLES, CONTENTS)      # the broken pool: prepared in-process
    assert [as_comparable(p) for p in again] == [as_comparable(p) for p in first]
    await worker.prepare(TITLES, CONTENTS)              # and a new worker takes the next batch
    assert worker.worker_pids() and pid not in worker.worker_pids()


SERVICE_KILLED = """
import asyncio, os, signal, sys
sys.path.insert(0, {root!r})
from services.ingest.preparing import Preparer

async def main():
    preparer = Preparer(workers=1, min_worker_items=1)
    await preparer.prepare(["标题"], ["县医院门口排起长队，已经持续三天了"])
    print(preparer.worker_pids()[0], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)   # no time to stop the worker

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_worker_exits_when_its_service_process_is_killed(tmp_path):
    script = tmp_path / "service_killed.py"
    script.write_text(SERVICE_KILLED.format(root=str(Path(__file__).resolve().parents[2])))
    finished = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert finished.returncode == -signal.SIGKILL
    worker = int(finished.stdout.split()[0])
    deadline = time.monotonic() + 10
    while alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its service process"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"   # a zombie has exited
    except FileNotFoundError:
        return False
