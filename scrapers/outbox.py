"""A crawler of a distributed crawl pushes its items onto Redis instead of writing the archive.

`QueueStoreStage` is the crawl's store stage (pipelines/stages.py) with its writer swapped:
the same signals feed it (pages, rejections, failures, captures, the run's counts), and
where the single-process crawl commits a batch to SQLite, the `Outbox` pushes it onto the
list the archive's one writer drains (pipelines/queue_writer.py).

A push is a transaction that also drops the leases of the requests that are finished
(scrapers/frontier.py), so a request leaves Redis with the items it made and never
before: a crawler killed at any moment loses nothing, since what it had not pushed is
still leased, and is queued again. Before a push the crawler's WARC records are made
durable, as before a commit: the writer will store rows that name them.

The crawler's counts (requests, responses by status, links skipped, requests shed) go
with each push, as its totals so far: the writer sums the latest totals of every crawler
into the run's record, and a crawler killed mid-run has sent all but its last second.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from redis.exceptions import RedisError
from scrapy_redis.connection import get_redis_from_settings
from twisted.internet.task import LoopingCall

from pipelines import queue_items as wire
from pipelines.items import Capture
from pipelines.stages import SKIP_COUNTERS, StoreStage
from pipelines.store import StoreFailed
from scrapers.frontier import LEASES, QueueScheduler, items_must_be_pushed


class Outbox:
    """Stands in for `ArchiveWriter` in a crawler: buffers items as messages and pushes
    them with the finished requests' leases, every `QUEUE_BATCH` items or
    `QUEUE_FLUSH_SECONDS` seconds, whichever comes first."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.redis = get_redis_from_settings(settings)
        self.crawler_id = settings.get("QUEUE_WORKER")
        self.batch = settings.getint("QUEUE_BATCH")
        self.seconds = settings.getfloat("QUEUE_FLUSH_SECONDS")
        self.buffer: list[bytes] = []
        self.last_push = time.monotonic()
        self.before_commit = None  # set by the stage: makes the WARC records durable
        self.tally = None  # set by the stage: the crawler's counts so far, by outlet
        self.sent_tally: str | None = None
        self.failed: str | None = None
        self.pushed = 0

    def open(self, outlets, source: str = "crawl") -> None:
        """The writer opens the run (from the seed's description); nothing to do here."""

    def add(self, item) -> None:
        if isinstance(item, Capture):
            # The crawler's files are in a folder of its own in the store: captures name
            # them by their path there, so reextract, rebuild and Datasette find them.
            item = replace(item, warc_file=f"{self.crawler_id}/{item.warc_file}")
        self.buffer.append(wire.encode(item))
        self._push_if_due()

    def rejected(self, page, why) -> None:
        self.buffer.append(wire.encode_rejection(page, why))
        self._push_if_due()

    def finish(self, extra: dict | None = None) -> None:
        """Push what is left, with the crawler's final counts."""
        self.flush(extra)

    def _push_if_due(self) -> None:
        due = len(self.buffer) >= self.batch or time.monotonic() - self.last_push >= self.seconds
        if due:
            self.flush()

    def flush(self, tally: dict | None = None) -> None:
        """Push the buffered items, drop the finished requests' leases and update the
        crawler's counts, in one transaction. StoreFailed when Redis cannot take them."""
        if self.failed:
            return
        leases = self._finished_leases()
        if tally is None and self.tally is not None:
            tally = self.tally()
        counts = json.dumps(tally or {}, sort_keys=True)
        if not self.buffer and not leases and counts == self.sent_tally:
            return
        if self.buffer and self.before_commit is not None:
            self.before_commit()
        pipe = self.redis.pipeline(transaction=True)
        if self.buffer:
            pipe.rpush(wire.ITEMS, *self.buffer)
        if leases:
            pipe.hdel(LEASES + self.crawler_id, *leases)
        if counts != self.sent_tally:
            pipe.hset(wire.TALLIES, self.crawler_id, counts)
        try:
            pipe.execute()
        except RedisError as exc:
            # The leases stay in Redis: the requests are crawled again by another crawler.
            self.failed = f"the crawl's Redis cannot take this crawler's items ({exc})"
            raise StoreFailed(self.failed) from exc
        self.pushed += len(self.buffer)
        self.buffer, self.sent_tally, self.last_push = [], counts, time.monotonic()

    def _finished_leases(self) -> list[bytes]:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        return scheduler.done_leases() if isinstance(scheduler, QueueScheduler) else []


class QueueStoreStage(StoreStage):
    """The store stage of a crawler of a distributed crawl (ITEM_PIPELINES)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.writer = Outbox(crawler)
        self.writer.tally = self.tally
        self.pushes = LoopingCall(self._push)

    @classmethod
    def from_crawler(cls, crawler):
        stage = super().from_crawler(crawler)
        crawler.signals.connect(stage._push, signal=items_must_be_pushed)
        return stage

    def open_spider(self):
        super().open_spider()
        # Leases of finished requests go even when no item comes (entry points, shed links).
        self.pushes.start(self.writer.seconds, now=False)

    def close_spider(self):
        if self.pushes.running:
            self.pushes.stop()
        super().close_spider()  # pushes the rest with the final counts
        self.crawler.stats.set_value("queue/items_pushed", self.writer.pushed)

    def _push(self) -> None:
        self._guarded(self.writer.flush)

    def tally(self) -> dict[str, dict]:
        """The crawler's counts so far, by outlet, as `StoreStage.close_spider` gives
        them to the writer at the end of a run."""
        stats = self.crawler.stats
        return {
            outlet: {
                "requests": self.requests[outlet],
                "responses": json.dumps(dict(sorted(self.responses[outlet].items()))),
                **{name: stats.get_value(f"outlet/{outlet}/{name}", 0) for name in SKIP_COUNTERS},
                "shed": stats.get_value(f"outlet/{outlet}/shed", 0),
                "storm": stats.get_value(f"outlet/{outlet}/storm"),
            }
            for outlet in self.crawler.spider.outlets
        }
