"""Pages from WARC records into the archive, by the steps a crawl takes.

A crawl's pages go through the Scrapy stages (pipelines/stages.py); pages that come from
records (an import of others' WARC files, a rebuild from the archive's own store) go
through `Ingest`, which runs the same steps in the same order on the same code: extract
(in worker processes), check that it is an article, judge relevance, and hand it to the
one writer, which decides its identity and stores it. So an imported or rebuilt page is
archived exactly as a crawled one would be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipelines.extract import check_article
from pipelines.items import ArticlePage, Capture
from pipelines.judge import extract_and_judge, judge, keep
from pipelines.outcomes import ExtractionFailed, PageRejected
from pipelines.store import ArchiveWriter
from pipelines.warcs import (
    OUTLET,
    REDIRECTS,
    ROLE,
    SOURCE,
    WAYBACK_REPLAY,
    Captured,
    decode_html,
)
from pipelines.workers import ExtractionPool

# A capture's source (the record's field) -> the article's: how the article first came.
ARTICLE_SOURCES = {"wayback": "backfill"}


@dataclass(frozen=True)
class OutletRules:
    """What the steps need to know of an outlet (from its registry entry)."""

    scope: str  # "libya" keeps every article, "general" only those about Libya
    selectors: Mapping[str, str] = field(default_factory=dict)  # outlets.yml `extract:`


class Ingest:
    """Archives pages through `writer`, extracting them in `pool`."""

    def __init__(
        self, writer: ArchiveWriter, pool: ExtractionPool, rules: Mapping[str, OutletRules]
    ):
        self.writer = writer
        self.pool = pool
        self.rules = rules

    def pages(self, pages: Iterable[ArticlePage | tuple[ArticlePage, list[Capture]]]) -> None:
        """Extract, check, judge and store each page, in the order given.

        A page may come with the capture rows of its records: they are added to the writer
        just before the page's own outcome, so both commit in one transaction (a run
        resumed after a kill can take a capture row as proof that its page was archived).
        """
        jobs = (self._job(*item) if isinstance(item, tuple) else self._job(item) for item in pages)
        for (page, rows), result in self.pool.imap(jobs, extract_and_judge):
            for row in rows:
                self.writer.add(row)
            try:
                if isinstance(result, ExtractionFailed):
                    raise result
                page.article, page.fingerprint, judged = result
                check_article(page.article)
                keep(page, judged)
                judge(page)
            except PageRejected as why:
                self.writer.rejected(page, why)
                continue
            self.writer.add(page)

    def _job(self, page: ArticlePage, rows: list[Capture] = ()) -> tuple:
        return (page.html, page.url, self.rules[page.outlet].selectors), (page, rows)


def page_of(
    captured: Captured, outlet: str, scope: str, payload: bytes | None = None
) -> ArticlePage:
    """The page a record holds (`payload`: a revisit's, read from the record it repeats)."""
    hops = captured.fields.get(REDIRECTS, "").split()
    source = captured.fields.get(SOURCE) or "crawl"
    return ArticlePage(
        outlet=outlet,
        url=captured.url,
        html=_decoded(captured, payload),
        scope=scope,
        fetched=captured.date,
        urls_seen=[*hops, captured.url],
        captures=[captured.record_id],
        source=ARTICLE_SOURCES.get(source, source),
        # A Wayback capture is the URL's earliest: the page was published before it.
        published_before=captured.date if source == "wayback" else None,
    )


def _decoded(captured: Captured, payload: bytes | None) -> str:
    return decode_html(captured.payload if payload is None else payload, captured.content_type)


def capture_of(
    captured: Captured,
    warc_file: str,
    outlet: str | None = None,
    role: str | None = None,
    source: str | None = None,
) -> Capture:
    """The `captures` row of a record of the store (its own facts unless given)."""
    return Capture(
        record_id=captured.record_id,
        record_type=captured.record_type,
        url=captured.url,
        outlet=outlet or captured.fields.get(OUTLET),
        role=role or captured.fields.get(ROLE) or "other",
        fetched=captured.date,
        status=captured.status,
        content_type=captured.content_type or None,
        warc_file=warc_file,
        warc_offset=captured.offset,
        warc_length=captured.length,
        payload_digest=captured.payload_digest or "",
        refers_to=captured.refers_to,
        source=source or captured.fields.get(SOURCE) or "crawl",
        replay_url=captured.fields.get(WAYBACK_REPLAY) or None,
    )
