import json
import sys
from pathlib import Path

from services.ingest.cleaning import clean_text
from services.ingest.clustering import CandidateIndex, compare, fingerprint

ROOT = Path(__file__).resolve().parents[2]
STORY = ("城关镇幸福路菜市场11月18日晚发生火灾，现场浓烟滚滚，消防部门出动3辆消防车前往扑救。"
         "据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。起火原因正在调查中。")


def fp(text, places=frozenset()):
    return fingerprint(clean_text(text), frozenset(places))


def test_repost_with_swapped_words_is_a_near_duplicate():
    repost = "转发：" + STORY.replace("反映", "反应").replace("现场群众", "围观群众") + " #演示县#"
    verdict = compare(fp(STORY), fp(repost))
    assert verdict is not None and verdict.reason == "near_duplicate"


def test_traditional_script_is_the_same_text():
    traditional = "城關鎮幸福路菜市場11月18日晚發生火災，現場濃煙滾滾，消防部門出動3輛消防車前往撲救。據現場群眾反映，火災造成2人輕微燒傷。"
    assert compare(fp(STORY), fp(traditional)).reason == "near_duplicate"


def test_excerpt_is_contained_in_the_long_post():
    excerpt = "据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。"
    assert compare(fp(STORY), fp(excerpt)).reason == "excerpt"


def test_same_template_at_another_place_or_with_other_numbers_stays_apart():
    moved = STORY.replace("城关镇", "河西镇")
    hospital = "hospital:县人民医院"
    assert compare(fp(STORY, {"township:城关镇", hospital}), fp(moved, {"township:河西镇", hospital})) is None
    excerpt = "据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。"
    assert compare(fp(STORY, {"township:城关镇", hospital}), fp(excerpt, {hospital})) is not None
    other_numbers = STORY.replace("11月18日", "10月3日").replace("3辆", "5辆").replace("2人", "4人")
    assert compare(fp(STORY), fp(other_numbers)) is None


def test_shared_boilerplate_footer_does_not_join_different_matters():
    footer = "本文来源于网络，如有侵权请联系删除。欢迎关注演示县生活圈，每天为您带来最新本地资讯，转发扩散让更多人知道！"
    a = fp("青山乡通往县城的班车经常不按时发车，乘客怨声载道。" + footer)
    b = fp("白水乡敬老院被曝伙食差，老人每顿只有一个素菜。" + footer)
    assert compare(a, b) is None


def test_same_author_posting_again_joins_with_looser_overlap():
    follow_up = fp("更新：城关镇幸福路菜市场11月18日晚发生火灾，今天又去看了，目前仍然没有任何进展，希望大家继续关注。")
    original = fp(STORY)
    assert compare(original, follow_up) is None
    assert compare(original, follow_up, same_author=True).reason == "same_author"


def test_short_texts_never_cluster_by_similarity():
    assert fp("求助").keys == () and compare(fp("求助"), fp("求助")) is None


def test_index_assigns_to_the_event_of_the_best_candidate():
    index = CandidateIndex()
    first, _ = index.assign("a", fp(STORY), "E1")
    unrelated, _ = index.assign("b", fp("白水乡敬老院被曝伙食差，老人每顿只有一个素菜，还经常吃剩饭。"), "E2")
    repost, verdict = index.assign("c", fp("转发：" + STORY), "E3")
    assert (first, unrelated, repost) == ("E1", "E2", "E1") and verdict.reason == "near_duplicate"


def test_evaluation_set_meets_the_targets():
    """The labeled set under bench/clustering: precision ≥ 0.97, recall ≥ 0.93."""
    sys.path.insert(0, str(ROOT / "bench" / "clustering"))
    import evaluate

    data = json.loads((ROOT / "bench" / "clustering" / "eval_set.json").read_text(encoding="utf-8"))
    assert len(data["pairs"]) >= 500
    kinds = {p["kind"] for p in data["pairs"]}
    assert {"neighbour", "moved_place_or_numbers", "shared_footer"} <= kinds
    result = evaluate.score(data, evaluate.cluster(data["items"]))
    assert result["precision"] >= 0.97 and result["recall"] >= 0.93, result


def test_batched_minhash_equals_datasketch_per_item():
    """The service hashes a whole batch in a few numpy steps; each item's values are exactly
    those of datasketch's own MinHash over that item's shingles."""
    import numpy as np
    from datasketch import MinHash

    from services.ingest.cleaning import match_form
    from services.ingest.clustering import _PERMUTATIONS, _SHINGLE_MIX, NUM_PERM, _minhash_values, _shingle_ids

    forms = [match_form(clean_text(t)) for t in (STORY, "转发：" + STORY[:40], "白水乡敬老院被曝伙食差，老人每顿只有一个素菜")]
    ids = [_shingle_ids(f) for f in forms]
    starts = np.cumsum([0] + [len(i) for i in ids[:-1]])
    batched = _minhash_values(np.concatenate(ids), starts)
    for k, item_ids in enumerate(ids):
        single = MinHash(num_perm=NUM_PERM, permutations=_PERMUTATIONS, scheme="affine32", hashfunc=int)
        single.update_batch(((np.unique(item_ids) * _SHINGLE_MIX) >> np.uint64(32)).tolist())
        assert batched[k].tolist() == single.hashvalues.tolist()


def test_fingerprints_of_a_batch_equal_one_at_a_time():
    from services.ingest.clustering import fingerprints

    texts = [clean_text(t) for t in (STORY, "短", "转发：" + STORY, STORY.replace("城关镇", "河西镇") * 3)]
    places = [frozenset({"township:城关镇"}), frozenset(), frozenset(), frozenset({"township:河西镇"})]
    assert fingerprints(texts, places) == [fingerprint(t, p) for t, p in zip(texts, places)]


def test_index_with_only_pairing_keys_decides_like_the_full_index():
    """The service indexes only keys that can pair two items; every assignment is the same as
    with every key indexed."""
    from collections import Counter

    texts = [STORY, "转发：" + STORY.replace("反映", "反应"), "据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。",
             STORY.replace("城关镇", "河西镇"), "白水乡敬老院被曝伙食差，老人每顿只有一个素菜，还经常吃剩饭。",
             "白水乡敬老院被曝伙食差，老人每顿只有一个素菜。家属拍下视频。"]
    fps = [fp(t) for t in texts]
    counts = Counter(k for f in fps for k in f.keys)
    full, lean = CandidateIndex(), CandidateIndex()
    for n, f in enumerate(fps):
        pairing = [k for k in f.keys if counts[k] > 1]
        assert full.assign(str(n), f, f"e{n}") == lean.assign(str(n), f, f"e{n}", index_keys=pairing)
    assert sum(map(len, lean.by_key.values())) < sum(map(len, full.by_key.values()))
