"""Categories shared across services (DESIGN.md §2.2). Sensitive ones: ingest's word lists tag matches with one of these,
and grading's rule sets raise a level for them. One list, so the two always agree."""

SENSITIVE_CATEGORIES = ("食品安全", "公共卫生", "安全生产", "环境污染", "自然灾害", "教育", "涉稳", "保密")

# Disposition classes (分类处置): the kind of answer an event needs.
DISPOSITIONS = {
    "inquiry": "询问/质疑/诉求",
    "hype": "恶意传播/炒作",
    "fabrication": "捏造/歪曲/诽谤/煽动",
    "suggestion": "建议",
}
# Harmful-information categories: recorded for takedown requests or referrals.
HARMFUL_CATEGORIES = {
    "rumour": "谣言",
    "obscenity": "淫秽色情",
    "incitement": "煽动滋事",
    "violence": "暴力恐怖",
    "fraud": "诈骗",
}

# 《网络舆情通报》 kinds: publish drafts them, the console names them.
BULLETIN_KINDS = {"daily": "日报", "weekly": "周报", "monthly": "月报", "special": "专报", "continuous": "续报",
                  "review": "总结评估"}
