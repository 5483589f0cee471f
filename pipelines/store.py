"""Store: writes articles, their URLs, versions and story clusters, fetch failures and the
run's record into the archive.

The only pipeline that writes. Items are buffered and committed in batches, one
transaction each (one commit per article is ~60x slower); a killed crawl loses at most the
open batch, which the next run fetches again. It is a separate stage that takes finished
items, so it can later run behind a queue as the single writer for several crawlers.

Provenance is kept: a changed article's previous text goes to `article_versions` before the
row is updated; an unchanged one only gets a new `last_seen`; every URL spelling seen is a
row of `article_urls`; new and changed articles are placed in their story cluster
(pipelines/clusters.py), whose signature index is loaded when the spider opens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from scrapy import signals

from pipelines.archive import open_archive
from pipelines.clusters import StoryClusters
from pipelines.dedup import page_urls
from scrapers.items import ArticlePage, FetchFailure, now_iso
from scrapers.urls import canonical_url, url_key

logger = logging.getLogger(__name__)

ARTICLE_COLUMNS = (
    "title",
    "byline",
    "authors",
    "published",
    "published_date",
    "modified",
    "language",
    "description",
    "tags",
    "image",
    "text",
    "word_count",
    "relevance",
    "libya_terms",
    "content_hash",
    "title_source",
    "author_source",
    "date_source",
)
# Counter names per outlet, as columns of crawl_runs.
OUTCOME_COLUMNS = {
    "new": "articles_new",
    "changed": "articles_changed",
    "unchanged": "articles_unchanged",
    "alias": "url_aliases",
}
DROP_COLUMNS = {"irrelevant": "irrelevant", "no-article": "not_articles"}


@dataclass
class Rejection:
    """An article dropped as not about Libya, to record in rejected_urls."""

    page: ArticlePage
    reason: str


class StorePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.path = settings.get("ARCHIVE_PATH")
        self.batch_size = settings.getint("STORE_BATCH_SIZE")
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS")
        self.buffer: list = []
        self.last_flush = time.monotonic()
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.responses: dict[str, Counter] = defaultdict(Counter)
        self.db = None
        self.run: int | None = None
        self.failed: str | None = None
        self.clusters: StoryClusters | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(
            pipeline.request_reached_downloader, signal=signals.request_reached_downloader
        )
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        return pipeline

    # Scrapy hooks ---------------------------------------------------------------------------

    def open_spider(self):
        self.db = open_archive(self.path)
        try:
            self._start_run()
        except sqlite3.Error as exc:
            self._stop(exc)

    def _start_run(self) -> None:
        """Sync the outlets table and open this run's records."""
        outlets = self.crawler.spider.outlets.values()
        started = now_iso()
        with self.db.atomic():
            self.db["outlets"].upsert_all([o.as_row() for o in outlets], pk="id")
            row = self.db.execute("SELECT coalesce(max(run), 0) + 1 FROM crawl_runs").fetchone()
            self.run = row[0]
            self.db["crawl_runs"].insert_all(
                [{"run": self.run, "outlet": o.id, "started": started} for o in outlets],
                pk=("run", "outlet"),
            )
        self.clusters = StoryClusters(self.db)
        self.clusters.open()

    def process_item(self, item):
        if isinstance(item, ArticlePage | FetchFailure):
            self.buffer.append(item)
            if (
                len(self.buffer) >= self.batch_size
                or time.monotonic() - self.last_flush >= self.batch_seconds
            ):
                self.flush()
        return item

    def close_spider(self):
        self.flush()
        if self.failed:
            self.db.close()
            return
        stats = self.crawler.stats
        with self.db.atomic():
            for outlet in self.crawler.spider.outlets:
                counts = self.counts[outlet]
                record = {
                    column: counts[column]
                    for column in (
                        *OUTCOME_COLUMNS.values(),
                        *DROP_COLUMNS.values(),
                        "errors",
                        "requests",
                    )
                }
                record.update(
                    skipped_rejected=stats.get_value(f"outlet/{outlet}/skipped_rejected", 0),
                    skipped_archived=stats.get_value(f"outlet/{outlet}/skipped_archived", 0),
                    skipped_failed=stats.get_value(f"outlet/{outlet}/skipped_failed", 0),
                    finished=now_iso(),
                    responses=json.dumps(dict(sorted(self.responses[outlet].items()))),
                )
                self.db["crawl_runs"].update((self.run, outlet), record)
        # Fold the WAL into the file, so an archive copied after a crawl is complete.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def item_dropped(self, item, exception, **kwargs):
        if not isinstance(item, ArticlePage):
            return
        kind, _, reason = str(exception).partition(": ")
        if kind in DROP_COLUMNS:
            self.counts[item.outlet][DROP_COLUMNS[kind]] += 1
        if kind == "irrelevant":
            self.buffer.append(Rejection(item, reason.removesuffix(item.url).strip()))
        else:
            # A page that broke a pipeline step is a failure to record, not a routine drop.
            failure = FetchFailure(item.outlet, item.url, kind, reason, time=now_iso())
            self.process_item(failure)

    def request_dropped(self, request, **kwargs):
        """A redirect back to a URL of its own chain, dropped by Scrapy's duplicate filter
        without a word: a redirect loop, recorded so that it is not lost silently."""
        hops = request.meta.get("redirect_urls", [])
        if request.url in hops and request.meta.get("outlet"):
            reason = f"a redirect loop: {' -> '.join([*hops, request.url])}"
            self.process_item(
                FetchFailure(request.meta["outlet"], hops[0], "redirect", reason, time=now_iso())
            )

    def request_reached_downloader(self, request, **kwargs):
        outlet = request.meta.get("outlet")
        if outlet:
            self.counts[outlet]["requests"] += 1

    def response_received(self, response, request, **kwargs):
        outlet = request.meta.get("outlet")
        if outlet:
            self.responses[outlet][str(response.status)] += 1

    # Writing --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Commit the buffered items in one transaction; stop the crawl if the archive fails.

        A failed transaction is rolled back whole, so the archive keeps every earlier batch
        intact; crawling on would only fetch pages that cannot be stored (disk full, file
        made read-only), so the spider is closed with the reason "archive_error".
        """
        items, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        if not items or self.failed:
            return
        try:
            self._write(items)
        except sqlite3.Error as exc:
            self._stop(exc)

    def _stop(self, exc: sqlite3.Error) -> None:
        """Close the crawl: pages fetched now could not be stored (disk full, read-only)."""
        self.failed = f"{self.path}: the archive cannot be written ({exc})"
        self.crawler.stats.set_value("archive_error", self.failed)  # read by the CLI
        logger.error("%s; stopping the crawl, the archive keeps what was committed", self.failed)
        _background(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _write(self, items: list) -> None:
        with self.db.atomic():
            for item in items:
                if isinstance(item, FetchFailure):
                    self._write_failure(item)
                elif isinstance(item, Rejection):
                    self._write_rejection(item)
                else:
                    self._write_article(item)

    def _write_failure(self, failure: FetchFailure) -> None:
        self.db["fetch_errors"].insert(
            {
                "run": self.run,
                "outlet": failure.outlet,
                "url": failure.url,
                "kind": failure.kind,
                "reason": failure.reason,
                "status": failure.status,
                "time": failure.time,
            }
        )
        self.counts[failure.outlet]["errors"] += 1

    def _write_rejection(self, rejection: Rejection) -> None:
        item = rejection.page
        for url in dict.fromkeys([canonical_url(item.url), *map(canonical_url, item.urls_seen)]):
            self.db.execute(
                "INSERT INTO rejected_urls (url, outlet, reason, title, relevance, first_seen,"
                " last_seen, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE"
                " SET last_seen = excluded.last_seen, relevance = excluded.relevance",
                (
                    url,
                    item.outlet,
                    rejection.reason,
                    item.title,
                    item.relevance,
                    item.fetched,
                    item.fetched,
                    self.run,
                ),
            )

    def _write_article(self, item: ArticlePage) -> None:
        articles = self.db["articles"]
        seen = item.fetched
        if item.dedup == "new":
            article_id = articles.insert(
                {
                    **self._columns(item),
                    "url": item.article_url,
                    "outlet": item.outlet,
                    "first_seen": seen,
                    "last_seen": seen,
                    "last_changed": seen,
                    "crawl_run": self.run,
                }
            ).last_pk
            self.clusters.place(article_id, item.text, seen, item.fingerprint)
        else:
            article_id = self.db.execute(
                "SELECT id FROM articles WHERE url = ?", (item.article_url,)
            ).fetchone()[0]
            changes = {"last_seen": seen}
            if item.dedup == "changed":
                self._keep_version(article_id, seen)
                changes.update(self._columns(item), last_changed=seen, crawl_run=self.run)
            articles.update(article_id, changes)
            if item.dedup == "changed":
                self.clusters.place(article_id, item.text, seen, item.fingerprint)
        for url in dict.fromkeys([*page_urls(item), *item.urls_seen]):
            self.db.execute(
                "INSERT INTO article_urls (url, url_key, article_id, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen",
                (url, url_key(url), article_id, seen, seen),
            )
        self.counts[item.outlet][OUTCOME_COLUMNS[item.dedup]] += 1

    def _keep_version(self, article_id: int, replaced: str) -> None:
        """Copy the article's current text into article_versions before it is overwritten."""
        self.db.execute(
            "INSERT INTO article_versions (article_id, title, byline, modified, text, word_count,"
            " content_hash, first_seen, last_seen, replaced, crawl_run) SELECT id, title, byline,"
            " modified, text, word_count, content_hash, last_changed, last_seen, ?, ?"
            " FROM articles WHERE id = ?",
            (replaced, self.run, article_id),
        )

    @staticmethod
    def _columns(item: ArticlePage) -> dict:
        row = {name: getattr(item, name) for name in ARTICLE_COLUMNS}
        for name in ("authors", "tags", "libya_terms"):
            row[name] = json.dumps(row[name], ensure_ascii=False)
        return row


def _background(coroutine) -> None:
    """Run a coroutine of the engine's without waiting for it (we are inside its loop)."""
    task = asyncio.ensure_future(coroutine)
    _PENDING.add(task)
    task.add_done_callback(_PENDING.discard)


_PENDING: set = set()  # keeps background tasks referenced until they finish
