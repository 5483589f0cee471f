"""Run one crawl of the given outlets into an archive, in this process."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from scrapers.registry import Outlet
from scrapers.spiders.outlets import OutletSpider


def crawl_settings(archive_path: str | Path, **overrides) -> Settings:
    """The project's settings (scrapers/settings.py) with the CLI's choices on top."""
    settings = Settings()
    settings.setmodule("scrapers.settings", priority="project")
    settings.set("ARCHIVE_PATH", str(archive_path), priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(outlets: list[Outlet], archive_path: str | Path, **overrides) -> dict:
    """Crawl `outlets` into the archive and return Scrapy's statistics of the run.

    A Twisted reactor cannot be restarted, so call this at most once per process.
    """
    process = AsyncCrawlerProcess(crawl_settings(archive_path, **overrides))
    crawler = process.create_crawler(OutletSpider)
    process.crawl(crawler, outlets=outlets)
    process.start()
    return crawler.stats.get_stats()


def run_check(outlets: list[Outlet], timeout: float = 120, **overrides) -> dict:
    """Check that each outlet works today (see CheckSpider); return its reports by outlet id.

    Bounded in time: each request by DOWNLOAD_TIMEOUT, the whole check by `timeout`.
    """
    from scrapers.spiders.check import CheckSpider

    settings = crawl_settings(
        "",
        ITEM_PIPELINES={},
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
