"""Long admin lists (units, the directory, the gazetteer): the filter box and page numbers."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from gateway.console_admin import LIST_PAGE_ROWS, listing


def request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/console/admin/places", "headers": [],
                    "query_string": query.encode()})


ROWS = [{"name": f"第{n}村", "town": "城关镇" if n % 2 else "白水乡"} for n in range(1, 2 * LIST_PAGE_ROWS + 11)]


def text_of(row: dict) -> str:
    return f"{row['name']} {row['town']}"


def test_rows_come_a_page_at_a_time_and_a_page_past_the_end_is_the_last():
    first = listing(request(""), ROWS, text_of)
    assert (first.page, first.pages, first.total) == (1, 3, len(ROWS)) and first.rows == ROWS[:LIST_PAGE_ROWS]
    assert listing(request("page=2"), ROWS, text_of).rows == ROWS[LIST_PAGE_ROWS:2 * LIST_PAGE_ROWS]
    last = listing(request("page=99"), ROWS, text_of)
    assert last.page == 3 and last.rows == ROWS[2 * LIST_PAGE_ROWS:]
    for nonsense in ("page=0", "page=-2", "page=二", "page=1e3", "page=%C2%B2"):   # ² is a digit int() refuses
        assert listing(request(nonsense), ROWS, text_of).page == 1


def test_the_filter_keeps_rows_naming_it_and_the_links_keep_the_filter():
    narrowed = listing(request("q=%E7%99%BD%E6%B0%B4&people_page=2"), ROWS, text_of)   # q=白水
    assert narrowed.total == len(ROWS) // 2 and all(row["town"] == "白水乡" for row in narrowed.rows)
    assert parse_qs(narrowed.link(2)[1:]) == {"q": ["白水"], "people_page": ["2"], "page": ["2"]}
    assert listing(request("q=%E7%AC%AC7%E6%9D%91"), ROWS, text_of).rows == [ROWS[6]]   # 第7村, not 第70村…
    assert listing(request("q=nowhere"), ROWS, text_of).total == 0
