"""The crawl's item pipelines: thin Scrapy stages over the pure steps of pipelines/.

Each stage hands the item to one step (extract, relevance, store) and speaks Scrapy's
language at the edge: settings through `from_crawler`, resources opened and closed with
the spider, a page left out raised as `PageDropped`, a DropItem that carries the step's
typed reason (pipelines/outcomes.py) for the store to count and record. This is the only
module of pipelines/ that imports Scrapy; the steps run the same without it (re-extraction,
imports, benchmarks).

The order is explicit in ITEM_PIPELINES (scrapers/settings.py): extract, relevance, store.
Deduplication is decided by the store, inside the transaction that writes the page.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, defaultdict

from scrapy import signals
from scrapy.exceptions import DropItem

from pipelines.extract import check_article
from pipelines.items import ArticlePage, Capture, FetchFailure
from pipelines.judge import extract_and_judge, judge, keep
from pipelines.outcomes import ExtractionFailed, NotAboutLibya, PageRejected
from pipelines.store import ArchiveWriter, StoreFailed
from pipelines.timestamps import now_iso
from pipelines.workers import ExtractionPool

logger = logging.getLogger(__name__)

# Signals between the crawl's WARC capture (scrapers/capture.py) and the store: a record
# was written (with its Capture row), and the records written so far must be made durable
# because rows that name them are about to commit.
capture_written = object()
captures_must_be_durable = object()

# Counters the spider keeps per outlet (scrapers/spiders/outlets.py), copied into the run's
# record in crawl_runs.
SKIP_COUNTERS = ("skipped_rejected", "skipped_archived", "skipped_failed")


class PageDropped(DropItem):
    """Scrapy's DropItem, carrying the step's reason (a PageRejected) for the store."""

    def __init__(self, why: PageRejected, log_level: str | None = None):
        super().__init__(str(why), log_level)
        self.why = why


class ExtractStage:
    """Fills an ArticlePage's `article` from its HTML, and its relevance and entities from
    the article; drops pages that hold no article.

    Extraction is most of a crawl's CPU time, so it runs in worker processes
    (EXTRACT_WORKERS), and the reading for relevance and entities with it: the crawler's
    own process keeps fetching and storing meanwhile.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.pool = ExtractionPool(
            settings.getint("EXTRACT_WORKERS"), settings.getint("EXTRACT_WORKER_NICENESS")
        )

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.pool.start()

    def close_spider(self):
        self.pool.close()

    async def process_item(self, item):
        if not isinstance(item, ArticlePage):
            return item
        selectors = self.crawler.spider.outlets[item.outlet].extract
        try:
            item.article, item.fingerprint, judged = await self.pool.extract(
                item.html, item.url, selectors, work=extract_and_judge
            )
            check_article(item.article)
            keep(item, judged)
        except ExtractionFailed as why:
            raise PageDropped(why, "WARNING") from why
        except PageRejected as why:
            raise PageDropped(why) from why
        return item


class RelevanceStage:
    """Drops articles of general outlets that are not about Libya (scored by the
    extraction worker, or here when none did)."""

    def process_item(self, item):
        if not isinstance(item, ArticlePage):
            return item
        try:
            judge(item)
        except NotAboutLibya as why:
            raise PageDropped(why) from why
        return item


class StoreStage:
    """Hands pages and failures to the archive's writer, and keeps the run's counts of
    requests and responses per outlet, which only the crawl knows."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.writer = ArchiveWriter(
            settings.get("ARCHIVE_PATH"),
            settings.getint("STORE_BATCH_SIZE"),
            settings.getfloat("STORE_BATCH_SECONDS"),
        )
        self.requests: Counter = Counter()
        self.responses: dict[str, Counter] = defaultdict(Counter)

    @classmethod
    def from_crawler(cls, crawler):
        stage = cls(crawler)
        crawler.signals.connect(stage.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(stage.response_received, signal=signals.response_received)
        crawler.signals.connect(
            stage.request_reached_downloader, signal=signals.request_reached_downloader
        )
        crawler.signals.connect(stage.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(stage.capture_written, signal=capture_written)
        stage.writer.before_commit = lambda: crawler.signals.send_catch_log(
            signal=captures_must_be_durable
        )
        return stage

    def open_spider(self):
        outlets = self.crawler.spider.outlets.values()
        source = self.crawler.settings.get("RUN_SOURCE", "crawl")
        self._guarded(self.writer.open, [o.as_row() for o in outlets], source)

    def process_item(self, item):
        if isinstance(item, ArticlePage | Capture | FetchFailure):
            self._guarded(self.writer.add, item)
        return item

    def capture_written(self, capture: Capture, **kwargs):
        self.process_item(capture)

    def close_spider(self):
        stats = self.crawler.stats
        extra = {
            outlet: {
                "requests": self.requests[outlet],
                "responses": json.dumps(dict(sorted(self.responses[outlet].items()))),
                **{name: stats.get_value(f"outlet/{outlet}/{name}", 0) for name in SKIP_COUNTERS},
                # What the breakers held back (scrapers/breaker.py), and why.
                "shed": stats.get_value(f"outlet/{outlet}/shed", 0),
                "storm": stats.get_value(f"outlet/{outlet}/storm"),
            }
            for outlet in self.crawler.spider.outlets
        }
        try:
            self.writer.finish(extra)  # after a failure: only closes the archive
        except StoreFailed as exc:
            self._stopped(exc)

    # Signals --------------------------------------------------------------------------------

    def item_dropped(self, item, exception, **kwargs):
        if isinstance(item, ArticlePage) and isinstance(exception, PageDropped):
            self._guarded(self.writer.rejected, item, exception.why)

    def request_dropped(self, request, **kwargs):
        """A redirect back to a URL of its own chain, dropped by Scrapy's duplicate filter
        without a word: a redirect loop, recorded so that it is not lost silently."""
        hops = request.meta.get("redirect_urls", [])
        if request.url in hops and request.meta.get("outlet"):
            reason = f"a redirect loop: {' -> '.join([*hops, request.url])}"
            outlet = request.meta["outlet"]
            self.process_item(FetchFailure(outlet, hops[0], "redirect", reason, time=now_iso()))

    def request_reached_downloader(self, request, **kwargs):
        outlet = request.meta.get("outlet")
        if outlet:
            self.requests[outlet] += 1

    def response_received(self, response, request, **kwargs):
        outlet = request.meta.get("outlet")
        if outlet:
            self.responses[outlet][str(response.status)] += 1

    # The archive failing ------------------------------------------------------------------

    def _guarded(self, write, *args) -> None:
        """Run a writer call; when the archive cannot be written, close the crawl: pages
        fetched from now on could not be stored (disk full, file made read-only)."""
        if self.writer.failed:
            return
        try:
            write(*args)
        except StoreFailed as exc:
            self._stopped(exc)
            _background(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _stopped(self, exc: StoreFailed) -> None:
        self.crawler.stats.set_value("archive_error", str(exc))  # read by the CLI
        logger.error("%s; stopping the crawl, the archive keeps what was committed", exc)


def _background(coroutine) -> None:
    """Run a coroutine of the engine's without waiting for it (we are inside its loop)."""
    task = asyncio.ensure_future(coroutine)
    _PENDING.add(task)
    task.add_done_callback(_PENDING.discard)


_PENDING: set = set()  # keeps background tasks referenced until they finish
