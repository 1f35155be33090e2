"""Ingest domain: validation and URL canonicalisation. No I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.metrics import METRIC_FIELDS, Metrics

MAX_TITLE_CHARS = 1_000
MAX_CONTENT_CHARS = 200_000
MAX_URL_CHARS = 2_048
MAX_SHORT_FIELD_CHARS = 200
MAX_FUTURE_SKEW = dt.timedelta(minutes=10)
MAX_BATCH_ITEMS = 1_000
SUPERIOR_NOTICE = "superior_notice"
PUBLIC_TIP = "public_tip"

# Query parameters that identify a campaign or a share, not the page.
TRACKING_PARAMETERS = frozenset({
    "spm", "from", "share_from", "share_source", "share_medium", "share_token", "sharer_shareid",
    "isappinstalled", "scene", "clicktime", "enterid", "wfr", "timestamp", "fbclid", "gclid",
    "vd_source", "is_copy_url", "is_from_webapp", "sender_device", "sec_user_id", "xsec_token",
    "xsec_source", "app_platform", "app_version", "share_id", "sourcefrom", "subscene",
})
# Mobile hosts that serve the same pages as the desktop host.
MOBILE_HOSTS = {"m.weibo.cn": "weibo.com", "m.weibo.com": "weibo.com", "m.douyin.com": "www.douyin.com",
                "m.toutiao.com": "www.toutiao.com", "m.baidu.com": "www.baidu.com",
                "m.kuaishou.com": "www.kuaishou.com"}


@dataclass(frozen=True)
class NewItem:
    source: str
    discovered_at: dt.datetime
    platform: str = ""
    url: str = ""
    title: str = ""
    content: str = ""
    author: str = ""
    published_at: dt.datetime | None = None
    region_hint: str = ""
    metrics: Metrics = field(default_factory=Metrics)
    source_item_id: str = ""
    reporter: str = ""
    attachments: tuple[tuple[str, bytes], ...] = ()  # (filename, bytes); checked by evidence.py
    reporter_contact: str = ""
    feedback_deadline: dt.datetime | None = None
    issuing_agency: str = ""
    drill_id: str = ""          # 演练: drill items and events never mix with real ones

    @cached_property
    def url_parts(self) -> SplitResult:
        return urlsplit(self.url.strip())

    @cached_property
    def canonical_url(self) -> str | None:
        return canonical_url(self.url, self.url_parts) if self.url else None

    @cached_property
    def host(self) -> str:
        """The URL's host name, lower case ("" without one)."""
        return (self.url_parts.hostname or "") if self.url else ""

    @property
    def headline(self) -> str:
        return self.title or self.content[:60]

    def __getstate__(self) -> dict:
        # Pickled by the preparation worker: the canonical URL and host travel (worked out
        # there), the URL's parts are worked out again if ever wanted (≈ a fifth of the item's
        # unpickling).
        state = dict(self.__dict__)
        state.pop("url_parts", None)
        return state


def validate_item(item: NewItem, now: dt.datetime) -> NewItem:
    """Every problem at once, each naming its field; an item that passes is storable."""
    problems: list[FieldProblem] = []
    if not item.source.strip():
        problems.append(FieldProblem("source", "必填：请说明信息来源"))
    if not item.title.strip() and not item.content.strip():
        problems.append(FieldProblem("title", "标题和正文至少填写一项"))
    limits = {"title": MAX_TITLE_CHARS, "content": MAX_CONTENT_CHARS, "url": MAX_URL_CHARS}
    for name in ("source", "platform", "author", "region_hint", "source_item_id", "reporter",
                 "reporter_contact", "issuing_agency"):
        limits[name] = MAX_SHORT_FIELD_CHARS
    for name, limit in limits.items():
        if len(getattr(item, name)) > limit:
            problems.append(FieldProblem(name, f"长度超过上限 {limit} 个字符"))
    if item.url:
        parts = item.url_parts
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            problems.append(FieldProblem("url", "必须是以 http:// 或 https:// 开头的网址"))
    for name in METRIC_FIELDS:
        if getattr(item.metrics, name) < 0:
            problems.append(FieldProblem(f"metrics.{name}", "不能为负数"))
    if item.discovered_at > now + MAX_FUTURE_SKEW:
        problems.append(FieldProblem("discovered_at", "发现时间不能晚于当前时间"))
    if item.published_at is not None and item.published_at > now + MAX_FUTURE_SKEW:
        problems.append(FieldProblem("published_at", "发布时间不能晚于当前时间"))
    if item.source == SUPERIOR_NOTICE:
        if item.feedback_deadline is None:
            problems.append(FieldProblem("feedback_deadline", "上级通报必须注明反馈时限"))
        if not item.issuing_agency.strip():
            problems.append(FieldProblem("issuing_agency", "上级通报必须注明通报单位"))
    if item.feedback_deadline is not None and item.feedback_deadline <= item.discovered_at:
        problems.append(FieldProblem("feedback_deadline", "反馈时限必须晚于收到通报的时间"))
    for name in ("title", "content", "author"):
        # PostgreSQL text cannot hold NUL; scraped junk sometimes does.
        if "\x00" in getattr(item, name):
            problems.append(FieldProblem(name, "包含不允许的控制字符（NUL）"))
    if problems:
        raise InvalidInput("信息内容不符合要求", problems)
    return item


def canonical_url(url: str, parts: SplitResult | None = None) -> str:
    """The same page written differently maps to one string: lower-case scheme and host,
    desktop host for mobile hosts, no default port, fragment or tracking parameters.
    parts: `urlsplit(url.strip())` when the caller has it already."""
    parts = parts or urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = MOBILE_HOSTS.get(host, host)
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMETERS and not k.lower().startswith("utm_")] if parts.query else []
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    # http and https serve the same public page; keep one form.
    return urlunsplit(("https" if scheme in ("http", "https") else scheme, host, path,
                       urlencode(sorted(query)) if query else "", ""))


# Central news sites whose carrying a post counts as 主流网站转发 (DESIGN.md §2.1). A county
# adds its provincial and city sites through YQ_INGEST_MAINSTREAM_SITES.
MAINSTREAM_SITES = (
    "people.com.cn", "xinhuanet.com", "news.cn", "cctv.com", "cctv.cn", "chinanews.com.cn", "chinanews.com",
    "gmw.cn", "chinadaily.com.cn", "cnr.cn", "youth.cn", "cyol.com", "ce.cn", "china.com.cn", "thepaper.cn",
    "legaldaily.com.cn", "workercn.cn", "chinaso.com", "huanqiu.com", "bjnews.com.cn",
)


def mainstream_site(host: str | None, sites: tuple[str, ...]) -> str | None:
    """The mainstream site (registrable name from `sites`) serving this host name, if any: the
    host itself or the name after one of its dots (the most specific, were sites nested)."""
    if not host:
        return None
    names, name = _site_names(sites), host.lower()
    while name not in names:
        _, dot, name = name.partition(".")
        if not dot:
            return None
    return name


@lru_cache(maxsize=8)
def _site_names(sites: tuple[str, ...]) -> frozenset[str]:
    return frozenset(sites)
