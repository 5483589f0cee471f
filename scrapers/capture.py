"""Raw capture: every response the crawl receives for an article page, as WARC records.

A downloader middleware next to the downloader, so it sees each response as it arrived:
before the redirect middleware follows a 3xx (each hop is captured), before the retry
middleware retries a 5xx, and before the compression middleware decodes the body (it is
kept as the server sent it). Requests that robots.txt forbids never reach it. With
`CAPTURE = "all"` the entry points (feeds, sitemaps, listing pages) and robots.txt are
captured too; with "none", nothing (benchmarks).

It writes through `pipelines.warcs.WarcWriter`, one file per run in the archive's WARC
store, and tells the store about each record (the `capture_written` signal, with a Capture
row); the store links the page's records to the article it makes. Spiders never write the
archive: this reads it only to find whether a payload is already held (then the record is
a revisit), and keeps the payloads of this run in the job folder.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from scrapy import signals
from scrapy.http import Response

from pipelines.items import Capture
from pipelines.stages import capture_written, captures_must_be_durable
from pipelines.warcs import (
    OUTLET,
    REDIRECTS,
    ROLE,
    SOURCE,
    Exchange,
    Original,
    WarcWriter,
    Written,
    folder_for,
    iso_date,
    payload_digest,
    recover,
)

logger = logging.getLogger(__name__)

MODES = ("articles", "all", "none")


class CaptureMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.mode = settings.get("CAPTURE", "articles")
        self.source = settings.get("RUN_SOURCE", "crawl")  # "backfill" for an outlet's past
        if self.mode not in MODES:
            raise ValueError(f"CAPTURE must be one of {', '.join(MODES)}, not {self.mode!r}")
        archive = settings.get("ARCHIVE_PATH")
        self.folder = Path(settings.get("WARC_DIR") or folder_for(archive))
        self.archive = archive
        self.rotate_bytes = settings.getint("WARC_ROTATE_BYTES")
        self.job_dir = settings.get("JOBDIR")
        self.writer: WarcWriter | None = None
        self.payloads: PayloadMemory | None = None
        self.thread: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.sync, signal=captures_must_be_durable)
        return middleware

    def spider_opened(self, spider):
        if self.mode == "none":
            return
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="warc")
        for message in recover(self.folder) if self.folder.exists() else []:
            logger.warning(message)
        self.writer = WarcWriter(
            self.folder,
            rotate_bytes=self.rotate_bytes,
            info={"operator": "libya-archive crawl", "archive": Path(self.archive).name},
        )
        # Its connections are made in the thread that uses them.
        self.payloads = self.thread.submit(PayloadMemory, self.archive, self.job_dir).result()

    def spider_closed(self, spider):
        if self.writer is not None:
            self.thread.submit(self.writer.close).result()
        if self.payloads is not None:
            self.thread.submit(self.payloads.close).result()
        if self.thread is not None:
            self.thread.shutdown()

    def sync(self):
        """Make the records written so far durable (the store is about to commit rows that
        name them); in the writing thread, after what it has queued."""
        if self.writer is not None:
            self.thread.submit(self.writer.sync).result()

    async def process_response(self, request, response: Response, spider=None):
        if self.writer is None or not self._wanted(request):
            return response
        meta = request.meta
        outlet = meta.get("outlet")
        role = meta.get("role") or "other"
        fetched = datetime.now(UTC).replace(microsecond=0)
        facts = {ROLE: role, SOURCE: self.source}
        if outlet:
            facts[OUTLET] = outlet
        if meta.get("redirect_urls"):
            facts[REDIRECTS] = " ".join(meta["redirect_urls"])
        exchange = Exchange(
            url=response.url,
            status=response.status,
            response_headers=_pairs(response.headers),
            body=response.body,
            fetched=fetched,
            method=request.method,
            request_headers=_pairs(request.headers),
            protocol=response.protocol or "HTTP/1.1",
            facts=facts,
        )
        # Hashing, compressing and writing release the GIL: in a thread of their own they
        # overlap with the crawl's event loop instead of stopping it for every page.
        digest, written = await asyncio.wrap_future(self.thread.submit(self._write, exchange))
        meta["captures"] = [*meta.get("captures", []), written.record_id]
        meta["captured_at"] = iso_date(written.date)
        capture = Capture(
            record_id=written.record_id,
            record_type=written.record_type,
            url=response.url,
            outlet=outlet,
            role=role,
            fetched=iso_date(written.date),
            status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            warc_file=written.warc_file,
            warc_offset=written.offset,
            warc_length=written.length,
            payload_digest=digest,
            refers_to=written.refers_to,
            source=self.source,
        )
        self.crawler.signals.send_catch_log(signal=capture_written, capture=capture)
        return response

    def _write(self, exchange: Exchange) -> tuple[str, Written]:
        """In the writing thread: the exchange as a response, or a revisit of a payload the
        store holds already."""
        digest = payload_digest(exchange.body)
        original = self.payloads.original(digest) if exchange.body else None
        written = self.writer.write(exchange, original, digest)
        if original is None:
            self.payloads.remember(digest, Original(written.record_id, exchange.url, written.date))
        return digest, written

    def _wanted(self, request) -> bool:
        return self.mode == "all" or request.meta.get("role") == "article"


def _pairs(headers) -> list[tuple[str, str]]:
    """Scrapy's headers as (name, value) text pairs, every value of a repeated header."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class PayloadMemory:
    """Which payloads the store holds already: those of this run (in the job folder, so
    that memory stays flat), then those the archive indexes (asked, read-only)."""

    def __init__(self, archive: str | None, job_dir: str | None):
        if job_dir:
            Path(job_dir).mkdir(parents=True, exist_ok=True)
        self.run = sqlite3.connect(
            Path(job_dir) / "payloads.db" if job_dir else ":memory:", isolation_level=None
        )
        # Scratch for one run (the job folder is emptied at each start): never synced.
        self.run.execute("PRAGMA journal_mode = OFF")
        self.run.execute("PRAGMA synchronous = OFF")
        self.run.execute(
            "CREATE TABLE IF NOT EXISTS payloads (digest PRIMARY KEY, record_id, url, date)"
        )
        self.archive = None
        if archive and Path(archive).exists():
            self.archive = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
            self.archive.execute("PRAGMA busy_timeout = 10000")

    def original(self, digest: str) -> Original | None:
        row = self.run.execute(
            "SELECT record_id, url, date FROM payloads WHERE digest = ?", (digest,)
        ).fetchone()
        if row is None and self.archive is not None:
            try:
                row = self.archive.execute(
                    "SELECT record_id, url, fetched FROM captures WHERE payload_digest = ? "
                    "AND record_type = 'response' ORDER BY id LIMIT 1",
                    (digest,),
                ).fetchone()
            except sqlite3.OperationalError:
                row = None  # an archive from before captures
            if row is not None:
                row = (row[0], row[1], row[2].replace("+00:00", "Z"))
        return Original(*row) if row else None

    def remember(self, digest: str, original: Original) -> None:
        self.run.execute(
            "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?)",
            (digest, original.record_id, original.url, original.date),
        )

    def close(self) -> None:
        self.run.close()
        if self.archive is not None:
            self.archive.close()
