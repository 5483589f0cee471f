"""A distributed crawl: many crawler processes, on many machines, share one run through Redis.

    libya-archive crawl --queue redis://HOST:6379/0 --seed    # once: the run's entry points
    libya-archive store --queue redis://HOST:6379/0           # one writer, beside archive.db
    libya-archive crawl --queue redis://HOST:6379/0           # on each crawler machine

The seed describes the run in Redis (the registry, the outlets, the options) and queues its
entry points. Each crawler takes the run from there and crawls with the project's own
spider and pipelines, with scrapy-redis's scheduler and duplicate filter shared through
Redis (scrapers/frontier.py); it fetches, extracts and judges relevance, writes its own
WARC files, and pushes its items onto a Redis list (scrapers/outbox.py) that the one writer
stores (pipelines/queue_writer.py). What a crawler must know of the archive comes from the
writer's snapshot (scrapers/snapshot.py), never from reading archive.db.

scrapy-redis's own spiders (RedisSpider, RedisMixin) start with `start_requests()` and
`next_requests()`, which Scrapy 2.19 no longer calls (its start is `async def start()`).
They are not used: the seed calls the project spider's own entry points and queues them
through scrapy-redis's queue, and a crawler's `start()` yields nothing (its requests come
from the queue).

Without `--queue` none of this is imported: a single-process crawl needs neither Redis nor
scrapy-redis.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import tempfile
from pathlib import Path

from redis import Redis
from scrapy.crawler import AsyncCrawlerProcess
from scrapy_redis.dupefilter import RFPDupeFilter

from pipelines import queue_items as wire
from pipelines.timestamps import now_iso
from scrapers import settings as project
from scrapers.capture import CaptureMiddleware
from scrapers.crawl import _log_to, crawl_settings, release_large_blocks
from scrapers.frontier import DUPEFILTER, REQUESTS, Frontier, LeasedPriorityQueue
from scrapers.registry import Outlet, load_outlets, select_outlets
from scrapers.seen import SeenOnce
from scrapers.snapshot import SnapshotMemory
from scrapers.spiders.outlets import OutletSpider


class RunInProgress(Exception):
    """The last run is not over (or not stored yet); the message says what is left."""


class QueuedOutletSpider(OutletSpider):
    """The project's spider as a crawler of a distributed crawl: its requests come from
    the shared queue, and what the archive knows from the writer's snapshot."""

    async def start(self):
        self.memory = SnapshotMemory(Redis.from_url(self.settings.get("REDIS_URL")))
        self.skipped = SeenOnce(self.settings.get("JOBDIR"), "skipped")
        for request in ():  # the seed queued the entry points
            yield request


class WorkerCapture(CaptureMiddleware):
    """Raw capture with the crawler's name in its WARC files' names, so that the files
    of every crawler can be gathered into the archive's one WARC store without two ever
    taking the same name (the name's process id and second are not enough: containers
    started together share both)."""

    def spider_opened(self, spider):
        super().spider_opened(spider)
        if self.writer is not None:  # it opens its first file at the first record
            self.writer.prefix = f"libya-archive-{self.crawler.settings.get('QUEUE_WORKER')}"


def crawler_name() -> str:
    """This crawler's name in the queue and in its WARC files: host and process."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{host}-{os.getpid()}"


def connect(url: str) -> Redis:
    """A client of the crawl's Redis; raises redis.RedisError when it does not answer."""
    client = Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)
    client.ping()
    return client


# The seed ---------------------------------------------------------------------------------


def seed(redis: Redis, outlets: list[Outlet], registry_text: str, options: dict) -> dict:
    """Start a run: queue the entry points of `outlets` once and describe the run (the
    registry, the outlets, the spider's options) for crawlers and the writer.

    Raises RunInProgress while the last run has requests left, crawlers alive, or items
    the writer has not stored (they belong to its record).
    """
    frontier = Frontier(redis)
    frontier.reap()
    left = {
        "requests queued or in flight": frontier.pending(),
        "crawlers alive": frontier.crawlers(),
        "items not stored yet": redis.llen(wire.ITEMS) + redis.llen(wire.STORING),
    }
    last = _description(redis)
    if last and redis.get(wire.FINISHED) != last["id"].encode():
        left["runs not recorded by the writer"] = 1
    busy = {what: count for what, count in left.items() if count}
    if busy:
        raise RunInProgress(
            f"the last run ({last['id'] if last else '?'}) is not over: "
            + ", ".join(f"{count} {what}" for what, count in busy.items())
        )
    redis.delete(DUPEFILTER, wire.TALLIES)  # a new run: every page may be fetched again
    spider = QueuedOutletSpider(outlets=outlets, **options)
    queue = LeasedPriorityQueue(redis, spider, REQUESTS)
    dupefilter = RFPDupeFilter(redis, DUPEFILTER)

    async def queue_entry_points() -> int:
        queued = 0
        async for request in spider.entry_requests():
            fingerprint = dupefilter.request_fingerprint(request)
            queued += queue.push_unseen(request, DUPEFILTER, fingerprint)
        return queued

    description = {
        "id": f"{now_iso().replace(':', '').replace('+0000', 'Z')}-{secrets.token_hex(3)}",
        "seeded": now_iso(),
        "outlets": [o.id for o in outlets],
        "outlet_rows": [o.as_row() for o in outlets],
        "registry": registry_text,
        "options": options,
        "entry_points": asyncio.run(queue_entry_points()),
    }
    # Described last: a crawler that sees the run finds its entry points queued.
    redis.set(wire.RUN, json.dumps(description, ensure_ascii=False))
    return description


# A crawler --------------------------------------------------------------------------------


def current_run(redis: Redis) -> dict | None:
    """The run the seed described, unless the writer has recorded it as over."""
    description = _description(redis)
    if description is None or redis.get(wire.FINISHED) == description["id"].encode():
        return None
    return description


def snapshot_ready(redis: Redis, run: dict) -> bool:
    """Whether the writer has published what the archive knows for `run`."""
    return redis.get(wire.KNOWN_RUN) == run["id"].encode()


def run_outlets(run: dict) -> list[Outlet]:
    """The outlets of the run, from the registry the seed used."""
    return select_outlets(
        load_outlets(f"the run {run['id']}", text=run["registry"]), run["outlets"]
    )


def worker_settings(redis_url: str, name: str, warc_dir: Path, job_dir: Path) -> dict:
    """The settings that make a crawl one crawler of a distributed crawl."""
    middlewares = dict(project.DOWNLOADER_MIDDLEWARES)
    middlewares.update(
        {"scrapers.capture.CaptureMiddleware": None, "scrapers.distributed.WorkerCapture": 950}
    )
    pipelines = dict(project.ITEM_PIPELINES)
    pipelines.update({"pipelines.stages.StoreStage": None, "scrapers.outbox.QueueStoreStage": 400})
    return {
        "SCHEDULER": "scrapers.frontier.QueueScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapers.frontier.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": REQUESTS,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # The queue and the filter outlive each crawler: the run goes on without it.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "QUEUE_WORKER": name,
        "ITEM_PIPELINES": pipelines,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "WARC_DIR": str(warc_dir),
        "JOBDIR": str(job_dir),
        "LOG_INSTALL_ROOT_HANDLER": False,
    }


def run_worker(
    redis_url: str,
    run: dict,
    name: str,
    warc_dir: str | Path,
    log_file: str | Path | None = None,
    **overrides,
) -> dict:
    """Crawl the run's queue until the crawl is over; Scrapy's statistics of this crawler.

    Its WARC files go to `warc_dir` (a folder of its own: a crawler recovers the files a
    killed run left open in its folder, which must not be another live crawler's). A
    Twisted reactor cannot be restarted: call this at most once per process.
    """
    release_large_blocks()
    job_dir = Path(tempfile.mkdtemp(prefix=f"libya-archive-{name}-"))
    settings = crawl_settings(
        "", **worker_settings(redis_url, name, Path(warc_dir), job_dir), **overrides
    )
    process = AsyncCrawlerProcess(settings)
    _log_to(settings, log_file)
    crawler = process.create_crawler(QueuedOutletSpider)
    process.crawl(crawler, outlets=run_outlets(run), **run["options"])
    try:
        process.start()
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    return crawler.stats.get_stats()


def _description(redis: Redis) -> dict | None:
    raw = redis.get(wire.RUN)
    return json.loads(raw) if raw else None
