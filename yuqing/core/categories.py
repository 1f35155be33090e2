"""Sensitive categories (DESIGN.md §2.2): ingest's word lists tag matches with one of these,
and grading's rule sets raise a level for them. One list, so the two always agree."""

SENSITIVE_CATEGORIES = ("食品安全", "公共卫生", "安全生产", "环境污染", "自然灾害", "教育", "涉稳", "保密")
