"""Run one crawl of the given outlets into an archive, in this process."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import shutil
from logging.handlers import RotatingFileHandler
from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from scrapers.registry import Outlet
from scrapers.spiders.outlets import OutletSpider

LOG_FILE_BYTES = 10 * 1024 * 1024
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
LOG_FILE_COUNT = 5


def crawl_settings(archive_path: str | Path, **overrides) -> Settings:
    """The project's settings (scrapers/settings.py) with the CLI's choices on top."""
    settings = Settings()
    settings.setmodule("scrapers.settings", priority="project")
    settings.set("ARCHIVE_PATH", str(archive_path), priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    outlets: list[Outlet],
    archive_path: str | Path,
    spider_options: dict | None = None,
    log_file: str | Path | None = None,
    **overrides,
) -> dict:
    """Crawl `outlets` into the archive and return Scrapy's statistics of the run.

    `spider_options` go to OutletSpider (recheck_days, backfill_pages, window). A Twisted
    reactor cannot be restarted, so call this at most once per process.
    """
    release_large_blocks()
    job_dir = job_folder(archive_path)
    settings = crawl_settings(
        archive_path, LOG_INSTALL_ROOT_HANDLER=False, JOBDIR=str(job_dir), **overrides
    )
    process = AsyncCrawlerProcess(settings)
    _log_to(settings, log_file)
    crawler = process.create_crawler(OutletSpider)
    process.crawl(crawler, outlets=outlets, **(spider_options or {}))
    # A folder left by a killed crawl holds requests this run finds again from the entry
    # points (and its record of requests seen would hide them): start empty, end with none.
    shutil.rmtree(job_dir, ignore_errors=True)
    try:
        process.start()
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    return crawler.stats.get_stats()


def release_large_blocks() -> None:
    """Have glibc give blocks of 64 KB and more back to the system as soon as they are freed.

    A crawl allocates several copies of every page (body, text, the copy sent to a worker),
    60-120 KB each, between small objects that live on: glibc kept the freed space and the
    crawl's memory grew with every page (bench/crawl_scale.py; the same setting as the
    environment variable MALLOC_MMAP_THRESHOLD_=65536). No library sets this; elsewhere
    than glibc there is nothing to do.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 64 * 1024)
    except (OSError, AttributeError):
        pass


def job_folder(archive_path: str | Path) -> Path:
    """Where a crawl keeps the requests it has yet to make and those it has made, beside
    the archive.

    On disk rather than in memory (Scrapy's JOBDIR queues, scrapers/seen.py): a sitemap of
    50,000 URLs would otherwise hold 50,000 requests in memory at once, so memory grew with
    the site.
    """
    return Path(f"{archive_path}.job")


def _log_to(settings: Settings, log_file: str | Path | None) -> None:
    """Log to the terminal at LOG_LEVEL and, if asked, fully to a rotating file.

    Scrapy's own LOG_FILE grows forever; a crawl that runs from cron for years needs
    rotation, so the handlers are set up here instead.
    """
    formatter = logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
    console = logging.StreamHandler()
    console.setLevel(settings.get("LOG_LEVEL"))
    if console.level > logging.INFO:
        console.addFilter(RecordedFailures())
    handlers: list[logging.Handler] = [console]
    if log_file:
        rotating = RotatingFileHandler(
            log_file, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_COUNT, encoding="utf-8"
        )
        rotating.setLevel(logging.INFO)
        handlers.append(rotating)
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(min(handler.level for handler in handlers))


class RecordedFailures(logging.Filter):
    """Keeps off the terminal (and out of cron's mail) Scrapy's own reports of requests
    that failed: each is a row of fetch_errors with its reason in words, and the command
    says which outlets gave no answer, one line each. Scrapy logs them at ERROR, with a
    traceback, three times for one dead host (robots.txt, the retries, the request). The
    log file keeps them; any other error still shows."""

    RECORDED = (
        ("scrapy.downloadermiddlewares.retry", "Gave up retrying"),
        ("scrapy.downloadermiddlewares.robotstxt", "Error downloading"),
        ("scrapy.core.scraper", "Error downloading"),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not any(
            record.name == name and message.startswith(start) for name, start in self.RECORDED
        )


def run_check(outlets: list[Outlet], timeout: float = 120, **overrides) -> dict:
    """Check that each outlet works today (see CheckSpider); return its reports by outlet id.

    Bounded in time: each request by DOWNLOAD_TIMEOUT, the whole check by `timeout`.
    """
    from scrapers.spiders.check import CheckSpider

    settings = crawl_settings(
        "",
        ITEM_PIPELINES={},
        CAPTURE="none",  # the check writes nothing, no archive and no WARC store
        CLOSESPIDER_TIMEOUT=timeout,
        DOWNLOAD_TIMEOUT=min(timeout, 20),
        RETRY_TIMES=1,
        AUTOTHROTTLE_START_DELAY=0.5,
        **overrides,
    )
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(CheckSpider)
    process.crawl(crawler, outlets=outlets)
    process.start()
    return crawler.spider.reports
