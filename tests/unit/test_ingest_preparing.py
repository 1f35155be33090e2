"""Big batches are admitted (messages to items, validation, cleaning, fingerprints, topic
matching) in a worker process: same results as in-process, and a worker that dies costs
nothing but time."""

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from services.ingest.cleaning import clean_text
from services.ingest.clustering import fingerprint
from services.ingest.domain import validate_item
from services.ingest.matching import Matcher, Place, Topic
from services.ingest.preparing import Preparer, new_item
from yuqing import demo
from yuqing.core.errors import InvalidInput
from yuqing.ingest.v1 import ingest_pb2

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


NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def messages() -> ingest_pb2.SubmitItemsRequest:
    request = ingest_pb2.SubmitItemsRequest()
    for n, (title, content) in enumerate(zip(TITLES, CONTENTS, strict=True)):
        request.items.add(source="platform", title=title, content=content, author=f" 网友{n} ",
                          url=f"https://m.weibo.cn/{n}?spm=share" if n % 3 else "", region_hint="城关镇")
    request.items[4].source = ""                       # rejected: no source
    request.items[7].url = "ftp://example.cn/x"        # rejected: not a web address
    request.items[9].metrics.views = 300
    request.items[9].published_at.FromDatetime(NOW + dt.timedelta(days=1))   # rejected: in the future
    return request


def admitted_in_process(request, matcher):
    items, rejected = [], []
    for index, message in enumerate(request.items):
        try:
            items.append((index, validate_item(new_item(message, NOW), NOW)))
        except InvalidInput as error:
            rejected.append((index, error.message, tuple(error.problems)))
    scans = [matcher.scan(clean_text(item.title), clean_text(item.content), item.region_hint) for _, item in items]
    return items, rejected, scans


async def test_worker_admits_messages_like_this_process(worker):
    matcher = Matcher([Topic("t1", "供水", (("自来水",), ("浑浊", "发黄")))], places=[Place(*p) for p in demo.PLACES])
    request = messages()
    admitted = await worker.admit(request, NOW, pickle.dumps(matcher))
    assert worker.worker_pids()
    items, rejected, scans = admitted_in_process(request, matcher)
    assert admitted.items == items and [i.canonical_url for _, i in admitted.items] == [i.canonical_url for _, i in items]
    assert admitted.rejected == rejected and [r[2][0].field for r in rejected] == ["source", "url", "published_at"]
    assert admitted.scans == scans and any(scan.topics == ["供水"] for scan in scans)
    assert all(scan.locality == "chengguan" for scan in scans)
    assert [as_comparable(p) for p in admitted.prepared] == [
        as_comparable(p) for p in await Preparer().prepare([i.title for _, i in items], [i.content for _, i in items])]
    # A changed configuration reaches the worker with the next batch.
    again = await worker.admit(request, NOW, pickle.dumps(Matcher(places=[Place(*p) for p in demo.PLACES])))
    assert not any(scan.topics for scan in again.scans)


async def test_a_worker_killed_while_admitting_leaves_the_batch_to_this_process(worker):
    matcher = pickle.dumps(Matcher())
    await worker.admit(messages(), NOW, matcher)
    [pid] = worker.worker_pids()
    os.kill(pid, signal.SIGKILL)
    assert await worker.admit(messages(), NOW, matcher) is None
    assert (await worker.admit(messages(), NOW, matcher)).items    # a new worker takes the next batch
    assert pid not in worker.worker_pids()


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
