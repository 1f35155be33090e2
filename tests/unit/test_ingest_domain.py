import datetime as dt
import pickle

import pytest

from services.ingest.domain import NewItem, canonical_url, mainstream_site, validate_item
from yuqing.core.errors import InvalidInput
from yuqing.core.metrics import Metrics

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://m.weibo.cn/status/123?utm_source=wx&spm=a.b#comments", "https://weibo.com/status/123"),
    ("HTTP://Weibo.com:80/status/123/", "https://weibo.com/status/123"),
    ("https://news.example.cn/a?id=7&from=timeline&page=2", "https://news.example.cn/a?id=7&page=2"),
    ("https://news.example.cn:8443/a?b=2&a=1", "https://news.example.cn:8443/a?a=1&b=2"),
])
def test_canonical_url_folds_variants_of_one_page(url, canonical):
    assert canonical_url(url) == canonical


def test_different_pages_stay_different():
    assert canonical_url("https://weibo.com/status/123") != canonical_url("https://weibo.com/status/124")
    assert canonical_url("https://bbs.example.cn/t?id=1") != canonical_url("https://bbs.example.cn/t?id=2")


def test_validation_names_every_problem():
    bad = NewItem(source=" ", discovered_at=NOW + dt.timedelta(hours=1), url="ftp://x", metrics=Metrics(views=-1))
    with pytest.raises(InvalidInput) as caught:
        validate_item(bad, NOW)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"source", "title", "url", "metrics.views", "discovered_at"}


def test_valid_item_passes():
    item = NewItem(source="monitor_patrol", discovered_at=NOW, content="正文", url="https://a.cn/x")
    assert validate_item(item, NOW) is item


def test_superior_notice_needs_its_deadline_and_agency():
    notice = NewItem(source="superior_notice", discovered_at=NOW, title="市委网信办通报")
    with pytest.raises(InvalidInput) as caught:
        validate_item(notice, NOW)
    assert {p.field for p in caught.value.problems} == {"feedback_deadline", "issuing_agency"}
    late = NewItem(source="superior_notice", discovered_at=NOW, title="通报", issuing_agency="市委网信办",
                   feedback_deadline=NOW - dt.timedelta(hours=1))
    with pytest.raises(InvalidInput) as caught:
        validate_item(late, NOW)
    assert [p.field for p in caught.value.problems] == ["feedback_deadline"]


def test_nul_characters_are_refused_by_field():
    with pytest.raises(InvalidInput) as caught:
        validate_item(NewItem(source="s", discovered_at=NOW, title="a\x00b", content="ok"), NOW)
    assert [p.field for p in caught.value.problems] == ["title"]


@pytest.mark.parametrize("url, site", [
    ("https://www.people.com.cn/n1/2026/1201/c1.html", "people.com.cn"),
    ("https://PEOPLE.com.cn/a", "people.com.cn"),                  # host names fold case
    ("https://news.sina.people.com.cn/a", "people.com.cn"),        # any depth of subdomain
    ("https://notpeople.com.cn/a", None),                          # a look-alike name is not the site
    ("https://people.com.cn.example.org/a", None),                 # nor the site's name as a subdomain
    ("", None),
])
def test_an_items_mainstream_site_is_read_off_its_host_even_after_pickling(url, site):
    item = NewItem(source="platform", discovered_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), url=url)
    sites = ("xinhuanet.com", "people.com.cn")
    assert mainstream_site(item.host, sites) == site
    travelled = pickle.loads(pickle.dumps(item))     # as from the preparation worker
    assert travelled.host == item.host and "url_parts" not in travelled.__dict__
    assert mainstream_site(travelled.host, sites) == site
