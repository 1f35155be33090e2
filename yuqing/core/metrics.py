"""Public-attention figures, shared by ingest (items, events) and grading (thresholds)."""

from __future__ import annotations

import functools
from typing import NamedTuple

METRIC_FIELDS = ("views", "comments", "reposts", "likes", "mainstream_sites")
METRIC_NAMES = {
    "views": "点击",
    "comments": "跟帖",
    "reposts": "转发",
    "likes": "点赞",
    "mainstream_sites": "主流网站转发",
}


class Metrics(NamedTuple):
    """A named tuple, not a dataclass: ingest builds and ships one per item, and a frozen
    dataclass cost four times as much to build and twice as much to unpickle."""

    views: int = 0
    comments: int = 0
    reposts: int = 0
    likes: int = 0
    mainstream_sites: int = 0

    @classmethod
    def of(cls, source) -> Metrics:
        """From any object or mapping that has the five figures."""
        if _is_mapping(type(source)):
            return cls(int(source["views"]), int(source["comments"]), int(source["reposts"]), int(source["likes"]),
                       int(source["mainstream_sites"]))
        return cls(int(source.views), int(source.comments), int(source.reposts), int(source.likes),
                   int(source.mainstream_sites))

    def values(self) -> dict[str, int]:
        return {"views": self.views, "comments": self.comments, "reposts": self.reposts, "likes": self.likes,
                "mainstream_sites": self.mainstream_sites}


@functools.cache
def _is_mapping(kind: type) -> bool:
    # By type, once: hasattr on a protobuf message raises and catches an AttributeError each time.
    return hasattr(kind, "keys")


# What grading's bands may look at: the five figures and the heat index.
FIGURE_NAMES = {**METRIC_NAMES, "heat": "热度"}
