"""The publication and modification dates of an article page.

trafilatura (htmldate) finds the day; pages state the full time and zone in their markup.
The first stamp whose day agrees with trafilatura's keeps the time and zone without
trusting a wrong day.
"""

from __future__ import annotations

import re

from pipelines.extraction.markup import first_values

PUBLISHED_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
    "//time[@datetime][contains(@class, 'published') or @itemprop='datePublished']/@datetime",
    "//time[@datetime]/@datetime",
)
MODIFIED_XPATHS = (
    "//meta[@property='article:modified_time']/@content",
    "//meta[@itemprop='dateModified']/@content",
)
ISO_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def published(tree, article_ld: list[dict], day: str | None, url: str) -> tuple[str | None, str]:
    """(ISO 8601 publication time or day, where it came from)."""
    stamps = [o["datePublished"] for o in article_ld if isinstance(o.get("datePublished"), str)]
    stamps += first_values(tree, PUBLISHED_XPATHS)
    for stamp in stamps:
        stamp = stamp.strip()
        if ISO_TIMESTAMP.match(stamp) and (day is None or stamp.startswith(day)):
            return stamp.replace(" ", "T", 1), "markup"
    return day, "trafilatura" if day else "none"


def modified(tree, article_ld: list[dict]) -> str | None:
    """The last modification time the page states, ISO 8601, or None."""
    stamps = [o["dateModified"] for o in article_ld if isinstance(o.get("dateModified"), str)]
    stamps += first_values(tree, MODIFIED_XPATHS)
    return next((s.strip() for s in stamps if ISO_TIMESTAMP.match(s.strip())), None)
