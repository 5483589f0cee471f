"""Why a page does not become an article: typed, so that no step reads another's messages.

A step raises one of these; the crawl's thin Scrapy stage (pipelines/stages.py) turns it
into Scrapy's DropItem, and the store counts and records it by its `kind`, the name the
archive keeps (`crawl_runs`, `fetch_errors.kind`, `rejected_urls`).
"""

from __future__ import annotations


class PageRejected(Exception):
    """A page left out of the archive; `reason` is one sentence a researcher understands."""

    kind = "rejected"

    def __init__(self, reason: str):
        super().__init__(f"{self.kind}: {reason}")
        self.reason = reason


class NotAnArticle(PageRejected):
    """A listing, a stub, a page without a title or with too few words."""

    kind = "no-article"


class ExtractionFailed(PageRejected):
    """The extractor broke on the page (or its worker process died)."""

    kind = "extract"


class NotAboutLibya(PageRejected):
    """An article of a general outlet that the relevance model scores under its threshold."""

    kind = "irrelevant"

    def __init__(self, reason: str, score: float):
        super().__init__(reason)
        self.score = score
