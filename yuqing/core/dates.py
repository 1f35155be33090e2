"""Time as people in the county reckon it (DESIGN.md §3: stored in UTC, shown and reckoned in
Asia/Shanghai), and calendar dates as requests write them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from yuqing.core.errors import FieldProblem

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_date(text: str, field: str, problems: list[FieldProblem]) -> dt.date:
    """A YYYY-MM-DD date; an unreadable one adds a problem naming `field` (and yields date.min)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem(field, f"日期格式应为 YYYY-MM-DD，收到「{text}」"))
        return dt.date.min
