"""The items that flow from the spider through the pipelines: the contract between them.

Field names are the archive's column names, so a reader can follow a value from the page
to its column without a mapping table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def now_iso() -> str:
    """Now, ISO 8601 in UTC to the second: the archive's timestamp format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ArticlePage:
    """A fetched page the outlet's patterns call an article; pipelines fill in the rest."""

    # Set by the spider.
    outlet: str
    url: str  # the URL as fetched, after redirects
    html: str = field(repr=False)  # kept out of logs, which would drown in it
    scope: str  # the outlet's scope: "libya" keeps everything, "general" only Libya articles
    fetched: str  # ISO 8601, UTC
    urls_seen: list[str] = field(default_factory=list)  # request URL and every redirect hop

    # Set by the extract pipeline.
    title: str | None = None
    byline: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601; with a time zone where the page gives one
    published_date: str | None = None  # YYYY-MM-DD, for facets
    modified: str | None = None
    language: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    text: str = field(default="", repr=False)
    word_count: int = 0
    page_canonical: str | None = None  # <link rel=canonical> or og:url, as the page states it
    # Which source won each field (jsonld, meta, markup, trafilatura, url...), for audit.
    title_source: str | None = None
    author_source: str | None = None
    date_source: str | None = None

    # The text's near-duplicate fingerprint (shingle count, MinHash bytes), made by the
    # extraction worker where CPU is spare; the store's clustering uses it.
    fingerprint: tuple[int, bytes] | None = field(default=None, repr=False)

    # Set by the relevance pipeline.
    relevance: float | None = None
    libya_terms: list[str] = field(default_factory=list)

    # Set by the dedup pipeline.
    canonical_url: str | None = None
    content_hash: str | None = None
    # "new", "changed" (known URL, new text), "unchanged" or "alias" (same text, other URL).
    dedup: str | None = None
    article_url: str | None = None  # the canonical URL of the article this page belongs to


@dataclass
class FetchFailure:
    """A request that failed; the store records it in `fetch_errors` and the crawl goes on."""

    outlet: str
    url: str
    kind: str  # "http", "dns", "connection", "timeout", "robots", "not-html", "parse", ...
    reason: str  # one sentence a researcher understands
    status: int | None = None
    time: str | None = None
