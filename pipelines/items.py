"""The items that flow from the spider through the pipelines: the contract between them.

Plain dataclasses, free of Scrapy, so that every way into the archive (a crawl, a rebuild,
an import, a worker on another machine) hands the pipelines the same things. Field names
are the archive's column names, so a reader can follow a value from the page to its column
without a mapping table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Extracted:
    """What extraction reads from an article page (`pipelines.extract.extract`).

    Fields the page does not give are None (or empty).
    """

    title: str | None = None
    byline: str | None = None  # the authors as one line
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601, with the page's time zone where it gives one
    published_date: str | None = None  # YYYY-MM-DD as the publisher dated it
    modified: str | None = None
    language: str | None = None  # ISO 639-1
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    text: str = field(default="", repr=False)  # paragraphs separated by blank lines
    word_count: int = 0
    canonical: str | None = None  # <link rel=canonical> or og:url, as the page states it
    is_listing: bool = False  # the page declares itself a section, tag or search page
    # Which source won each field (jsonld, meta, markup, trafilatura, url...), for audit.
    title_source: str = "none"
    author_source: str = "none"
    date_source: str = "none"

    def as_dict(self) -> dict:
        return asdict(self)


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
    # WARC-Record-IDs of the responses captured for the page (its redirect hops, then the
    # page), which the store links to the article it makes.
    captures: list[str] = field(default_factory=list)
    # How the page came: "crawl", "import" or "backfill" (the Wayback Machine, or the
    # outlet's own archives), kept as the article's source.
    source: str = "crawl"
    # A page from the past that gives no date was published no later than its earliest
    # capture (ISO 8601): kept apart from the date, which only the page gives.
    published_before: str | None = None

    # Set by the extract step.
    article: Extracted | None = None
    # The text's fingerprint (shingle count, MinHash bytes, content hash), made by the
    # extraction worker where CPU is spare; the store's clustering and dedup use it.
    fingerprint: tuple[int, bytes, str] | None = field(default=None, repr=False)

    # Set by the relevance step, which also names the places and actors the article
    # mentions (pipelines/entities.py: EntityMention, most mentioned first).
    relevance: float | None = None
    libya_terms: list[str] = field(default_factory=list)
    entities: list = field(default_factory=list)


@dataclass
class FetchFailure:
    """A request that failed; the store records it in `fetch_errors` and the crawl goes on."""

    outlet: str
    url: str
    kind: str  # "http", "dns", "connection", "timeout", "robots", "not-html", "parse", ...
    reason: str  # one sentence a researcher understands
    status: int | None = None
    time: str | None = None


@dataclass
class Capture:
    """A response (or revisit) record written to the WARC store, for the `captures` table.

    The record is on disk before this item exists: a row never names a missing record.
    """

    record_id: str
    record_type: str  # "response" or "revisit"
    url: str
    outlet: str | None
    role: str  # "article", "entry" (feed, sitemap, listing), "redirect" or "other"
    fetched: str  # the record's WARC-Date, ISO 8601 UTC
    status: int | None
    content_type: str | None
    warc_file: str
    warc_offset: int
    warc_length: int
    payload_digest: str
    refers_to: str | None = None  # a revisit: the record id of the original
    source: str = "crawl"  # "crawl", "import", "wayback" or "backfill" (an outlet's own past)
    replay_url: str | None = None  # a Wayback capture: where the Wayback Machine replays it
