"""`backfill --source site`: an outlet's past from its own archive pages and sitemaps.

The Cyrenaica Courier (tests/archive_site.py) is backfilled for 2012-2016 by the real
command, twice; its server's log shows what was asked for. Beside it, the date rules of the
walk (scrapers/archives.py) and the spider's archive and listing pages, fed saved bytes.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from pipelines.archive import open_archive
from pipelines.items import FetchFailure
from scrapers.archives import Window, fill, next_page, sitemap_span, unit
from scrapers.known import ArchiveMemory
from scrapers.registry import DEFAULT_NEXT_SELECTOR, Archive, Listing, Outlet
from tests.archive_site import FIRST, LAST, STORIES, ArchiveSite
from tests.conftest import query, run_cli

OUTLET = "courier"
WINDOW = Window(date(2012, 1, 1), date(2016, 12, 31))

# The real command, twice ---------------------------------------------------------------


@dataclass
class Backfilled:
    db: Path
    first_run: list[str]  # paths the server was asked for, in order
    second_run: list[str]
    stderr: str


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory) -> Backfilled:
    folder = tmp_path_factory.mktemp("site-backfill")
    registry, db = folder / "outlets.yml", folder / "archive.db"
    runs = []
    with ArchiveSite() as site:
        registry.write_text(site.registry(OUTLET), "utf-8")
        for _ in range(2):
            result = run_cli(
                "backfill", "--source", "site", "--outlet", OUTLET, "--from", FIRST,
                "--to", LAST, "--outlets", str(registry), "--db", str(db),
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            runs.append((list(site.requested), result.stderr))
            site.requested.clear()
    return Backfilled(db, runs[0][0], runs[1][0], runs[0][1])


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.crawl
def test_every_article_of_the_window_is_archived_once_with_its_own_date(backfilled):
    rows = query(backfilled.db, "SELECT url, published_date, source FROM articles")
    by_path = {path_of(url): (day, source) for url, day, source in rows}
    assert len(rows) == len(by_path)  # once each
    assert by_path == {s.path: (s.day, "backfill") for s in STORIES if s.in_window}
    assert backfilled.stderr == ""


@pytest.mark.crawl
def test_the_runs_and_captures_are_recorded_as_a_backfill(backfilled):
    assert query(backfilled.db, "SELECT DISTINCT source FROM crawl_runs") == [("backfill",)]
    assert len(query(backfilled.db, "SELECT run FROM crawl_runs")) == 2
    captures = query(backfilled.db, "SELECT source, count(*) FROM captures GROUP BY source")
    assert captures == [("backfill", sum(s.in_window for s in STORIES))]


@pytest.mark.crawl
def test_sitemaps_and_months_outside_the_window_are_never_requested(backfilled):
    asked = set(backfilled.first_run)
    # 2010 (its lastmod is recent, its name says 2010), 2019, and one changed before 2012.
    assert {"/sitemap-2010.xml", "/sitemap-2019.xml", "/sitemap-pages.xml"}.isdisjoint(asked)
    assert {"/sitemap.xml", "/sitemap-2013.xml", "/sitemap-stories.xml"} <= asked
    assert {s.path for s in STORIES if not s.in_window}.isdisjoint(asked)
    months = {m.group(1) for path in asked if (m := re.match(r"/archive/(\d{4}/\d{2})/", path))}
    assert months == {f"{y}/{m:02d}" for y in range(2012, 2017) for m in range(1, 13)}


@pytest.mark.crawl
def test_the_archive_is_walked_newest_month_first(backfilled):
    asked = backfilled.first_run
    assert asked.index("/archive/2016/12/?page=1") < asked.index("/archive/2012/01/?page=1")


@pytest.mark.crawl
def test_the_busy_month_is_paged_to_its_end_and_no_further(backfilled):
    asked = set(backfilled.first_run)
    # April 2013: four articles, three a page; page 3 is the empty page after the last.
    assert "/archive/2013/04/?page=2" in asked
    assert "/archive/2013/04/?page=4" not in asked
    # A month without news ends at its first, empty, page.
    assert "/archive/2015/06/?page=1" in asked
    assert "/archive/2015/06/?page=2" not in asked


@pytest.mark.crawl
def test_empty_archive_pages_are_no_failure(backfilled):
    assert query(backfilled.db, "SELECT url, kind FROM fetch_errors") == []


@pytest.mark.crawl
def test_a_second_backfill_fetches_no_article_again(backfilled):
    articles = {s.path for s in STORIES}
    assert articles.isdisjoint(backfilled.second_run)
    assert "/archive/2013/04/?page=2" in backfilled.second_run  # the walk itself is made again
    (skipped,) = query(
        backfilled.db, "SELECT skipped_archived FROM crawl_runs ORDER BY run DESC LIMIT 1"
    )
    assert skipped == (sum(s.in_window for s in STORIES),)


# Templates ------------------------------------------------------------------------------


def test_a_template_is_filled_with_padded_and_plain_numbers():
    template = "https://c.example/{yyyy}/{mm}/{dd}/?m={m}&d={d}&page={page}"
    assert fill(template, date(2014, 3, 7), 2) == "https://c.example/2014/03/07/?m=3&d=7&page=2"
    assert next_page(template, date(2014, 3, 7), 2) == fill(template, date(2014, 3, 7), 3)
    assert next_page("https://c.example/{yyyy}/{mm}/", date(2014, 3, 7), 1) is None


@pytest.mark.parametrize(
    ("template", "first", "last", "urls"),
    [
        (
            "/{yyyy}/{mm}/?page={page}",
            date(2012, 11, 15),
            date(2013, 2, 3),
            ["/2013/02/?page=1", "/2013/01/?page=1", "/2012/12/?page=1", "/2012/11/?page=1"],
        ),
        (
            "/{yyyy}-{m}-{d}",
            date(2016, 2, 28),
            date(2016, 3, 1),
            ["/2016-3-1", "/2016-2-29", "/2016-2-28"],
        ),
        (
            "/archive/{yyyy}/",
            date(2012, 6, 1),
            date(2014, 1, 1),
            ["/archive/2014/", "/archive/2013/", "/archive/2012/"],
        ),
        ("/news?page={page}", WINDOW.first, WINDOW.last, ["/news?page=1"]),
    ],
)
def test_a_template_gives_one_page_per_period_newest_first(template, first, last, urls):
    """Months, days (a leap year's February included), years; by page only, one sequence."""
    assert [url for _, url in Window(first, last).archive_pages(template)] == urls


def test_a_template_walks_by_its_finest_date_placeholder():
    assert unit("https://c.example/{yyyy}/{mm}/{dd}/") == "day"
    assert unit("https://c.example/{yyyy}/{m}/?page={page}") == "month"
    assert unit("https://c.example/{yyyy}/") == "year"
    assert unit("https://c.example/latest/{page}") is None


# Window checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "lastmod", "kept"),
    [
        ("https://c.example/post-sitemap-2011.xml", None, False),
        ("https://c.example/sitemap/2011/", None, False),
        ("https://c.example/sitemap-2011-04.xml", None, False),
        ("https://c.example/sitemap_201112.xml", None, False),
        ("https://c.example/sitemap-2011-12-31.xml", None, False),
        ("https://c.example/sitemap-2012-01.xml", None, True),
        ("https://c.example/sitemap-2016-12.xml", None, True),
        ("https://c.example/sitemap-2017-01.xml", None, False),
        ("https://c.example/post-sitemap-2013.xml", "2021-05-01", True),  # changed since
        ("https://c.example/post-sitemap-2010.xml", "2021-05-01", False),  # named 2010
        ("https://c.example/post-sitemap12.xml", "2011-12-31", False),  # changed before
        ("https://c.example/post-sitemap12.xml", "2012-01-01T00:30:00+02:00", True),
        ("https://c.example/post-sitemap12.xml", None, True),  # no date: kept
        ("https://c.example/sitemap-12011.xml", None, True),  # a number, not a year
    ],
)
def test_a_child_sitemap_is_left_only_when_certainly_outside_the_window(url, lastmod, kept):
    assert WINDOW.may_hold_sitemap(url, lastmod) is kept


@pytest.mark.parametrize(
    ("url", "lastmod", "kept"),
    [
        ("https://c.example/news/2011/12/31/eve/", "2012-01-02", False),  # the URL's day
        ("https://c.example/news/2017-01-01-new-year", None, False),
        ("https://c.example/news/2012/01/01/dawn/", None, True),
        ("https://c.example/story/eve", "2011-12-31T23:00:00Z", False),  # changed before
        ("https://c.example/story/dawn", "2012-01-01T00:30:00+02:00", True),  # its own day
        ("https://c.example/story/later", "2019-04-04", True),  # updated after: may be older
        ("https://c.example/story/undated", None, True),
    ],
)
def test_a_page_is_left_only_when_certainly_outside_the_window(url, lastmod, kept):
    assert WINDOW.may_hold_page(url, lastmod) is kept


def test_a_page_of_links_is_past_the_window_only_when_all_are_dated_before_it():
    older = ["https://c.example/news/2011/05/01/a/", "https://c.example/news/2010-01-01-b"]
    assert WINDOW.all_older(older)
    assert not WINDOW.all_older([*older, "https://c.example/story/undated"])
    assert not WINDOW.all_older([*older, "https://c.example/news/2012/05/01/c/"])
    assert not WINDOW.all_older([])


def test_a_sitemap_names_the_span_it_covers():
    assert sitemap_span("https://c.example/sitemap-2016-02.xml") == (
        date(2016, 2, 1),
        date(2016, 2, 29),
    )
    assert sitemap_span("https://c.example/sitemap-2016.xml") == (
        date(2016, 1, 1),
        date(2016, 12, 31),
    )
    assert sitemap_span("https://c.example/sitemap.xml") is None


# The spider on saved pages --------------------------------------------------------------

MONTHS = "https://c.example/archive/{yyyy}/{mm}/?page={page}"


def spider_for(archive: Archive | None = None, listing: Listing | None = None, **options):
    from scrapy.utils.test import get_crawler

    from scrapers.spiders.outlets import OutletSpider

    outlet = Outlet(
        id=OUTLET,
        name="The Cyrenaica Courier",
        homepage="https://c.example/",
        language="en",
        scope="libya",
        archives=(archive,) if archive else (),
        listings=(listing,) if listing else (),
        article_patterns=(re.compile(r"^/news/"),),
    )
    crawler = get_crawler(OutletSpider)
    return OutletSpider.from_crawler(crawler, outlets=[outlet], **options)


def page(url: str, hrefs: list[str], rel_next: str | None = None, **meta) -> HtmlResponse:
    """An HTML page of links (and a rel=next link), as requested with `meta`."""
    anchors = "".join(f'<a href="{href}">story</a>' for href in ["/about/", *hrefs])
    if rel_next:
        anchors += f'<a rel="next" href="{rel_next}">older</a>'
    body = f"<html><body>{anchors}</body></html>".encode()
    request = Request(url, meta={"outlet": OUTLET, **meta})
    return HtmlResponse(url, body=body, encoding="utf-8", request=request)


def walk(spider, callback, response) -> tuple[list[str], list[str], list]:
    """What a page gives: (article URLs requested, next pages requested, failures)."""
    out = list(callback(response))
    articles = [r.url for r in out if isinstance(r, Request) and r.meta["role"] == "article"]
    pages = [r.url for r in out if isinstance(r, Request) and r.meta["role"] == "entry"]
    return articles, pages, [f for f in out if isinstance(f, FetchFailure)]


def archive_page(archive: Archive, hrefs: list[str], page_number: int = 1, **extra):
    url = fill(archive.url, date(2013, 4, 1), page_number)
    return page(url, hrefs, archive=archive, period=date(2013, 4, 1), page=page_number, **extra)


IN_WINDOW = ["/news/2013/04/03/port/", "/news/2013/04/23/embassy/"]


def test_an_archive_page_with_articles_of_the_window_leads_to_the_next():
    archive = Archive(MONTHS)
    spider = spider_for(archive, window=(FIRST, LAST))
    articles, pages, failures = walk(spider, spider.parse_archive, archive_page(archive, IN_WINDOW))
    assert articles == [f"https://c.example{link}" for link in IN_WINDOW]
    assert pages == ["https://c.example/archive/2013/04/?page=2"]
    assert failures == []


def test_an_empty_archive_page_ends_the_walk_without_a_failure():
    archive = Archive(MONTHS)
    spider = spider_for(archive, window=(FIRST, LAST))
    assert walk(spider, spider.parse_archive, archive_page(archive, [], 2)) == ([], [], [])


def test_an_archive_page_of_articles_older_than_the_window_ends_the_walk():
    archive = Archive("https://c.example/latest?page={page}")
    spider = spider_for(archive, window=(FIRST, LAST))
    older = ["/news/2011/12/30/eve/", "/news/2011/12/29/cold/"]
    assert walk(spider, spider.parse_archive, archive_page(archive, older, 40)) == ([], [], [])


def test_articles_newer_than_the_window_are_not_fetched_but_the_walk_goes_on():
    archive = Archive("https://c.example/latest?page={page}")
    spider = spider_for(archive, window=(FIRST, LAST))
    newer = ["/news/2019/04/04/advance/", "/news/2018/01/01/new-year/"]
    articles, pages, _ = walk(spider, spider.parse_archive, archive_page(archive, newer, 3))
    assert articles == []
    assert pages == ["https://c.example/latest?page=4"]


def test_an_archive_walk_stops_at_max_pages():
    archive = Archive(MONTHS, max_pages=2)
    spider = spider_for(archive, window=(FIRST, LAST))
    assert walk(spider, spider.parse_archive, archive_page(archive, IN_WINDOW, 2))[1] == []


def test_an_archive_walk_stops_at_a_page_that_repeats_the_one_before():
    """A site that answers every page number past the end with its last page."""
    archive = Archive(MONTHS)
    spider = spider_for(archive, window=(FIRST, LAST))
    (second,) = [
        r
        for r in spider.parse_archive(archive_page(archive, IN_WINDOW))
        if r.meta.get("previous_links")
    ]
    repeated = archive_page(archive, IN_WINDOW, 2, previous_links=second.meta["previous_links"])
    assert walk(spider, spider.parse_archive, repeated)[1] == []
    different = archive_page(
        archive, IN_WINDOW[:1], 2, previous_links=second.meta["previous_links"]
    )
    assert walk(spider, spider.parse_archive, different)[1] == [fill(MONTHS, date(2013, 4, 1), 3)]


def test_an_archive_with_a_next_selector_follows_the_link():
    archive = Archive("https://c.example/{yyyy}/{mm}/", next=DEFAULT_NEXT_SELECTOR)
    spider = spider_for(archive, window=(FIRST, LAST))
    url = "https://c.example/2013/04/"
    response = page(
        url,
        IN_WINDOW,
        rel_next="/2013/04/page/2/",
        archive=archive,
        period=date(2013, 4, 1),
        page=1,
    )
    assert walk(spider, spider.parse_archive, response)[1] == ["https://c.example/2013/04/page/2/"]


def test_a_listing_in_a_backfill_walks_on_past_articles_it_has(tmp_path):
    """The crawl's rule (a page of known articles ends the walk) would end every second
    backfill at the first page; a backfill goes by the dates of the links instead."""
    db = tmp_path / "archive.db"
    archive = open_archive(db)
    archive["rejected_urls"].insert_all(
        {"url": f"https://c.example{link}", "outlet": OUTLET, "reason": "irrelevant"}
        for link in IN_WINDOW
    )
    archive.close()
    listing = Listing("https://c.example/section/", max_pages=3)
    response = page(listing.url, IN_WINDOW, rel_next="/section/?p=2", listing=listing, page=1)
    pages = {}
    for window in (None, (FIRST, LAST)):
        spider = spider_for(listing=listing, window=window)
        spider.memory = ArchiveMemory(str(db), [OUTLET])
        callback = spider.parse_listing_back if window else spider.parse_listing
        articles, pages[window], _ = walk(spider, callback, response)
        assert articles == []
    assert pages[None] == []
    assert pages[(FIRST, LAST)] == ["https://c.example/section/?p=2"]


def test_an_empty_listing_page_in_a_backfill_is_still_a_failure():
    listing = Listing("https://c.example/section/", max_pages=3)
    spider = spider_for(listing=listing, window=(FIRST, LAST))
    response = page(listing.url, [], rel_next="/section/?p=2", listing=listing, page=1)
    articles, pages, failures = walk(spider, spider.parse_listing_back, response)
    assert (articles, pages) == ([], [])
    assert [f.kind for f in failures] == ["no-articles"]


def test_a_backfill_starts_from_the_archives_sitemaps_and_listings_but_not_feeds():

    archive = Archive(MONTHS)
    listing = Listing("https://c.example/news/")
    spider = spider_for(archive, listing, window=("2013-03-15", "2013-04-10"))
    spider.outlets[OUTLET] = replace(
        spider.outlets[OUTLET],
        feeds=("https://c.example/feed/",),
        sitemaps=("https://c.example/sitemap.xml",),
    )

    async def entries():
        return [r.url async for r in spider.entry_requests()]

    assert asyncio.run(entries()) == [
        "https://c.example/archive/2013/04/?page=1",
        "https://c.example/archive/2013/03/?page=1",
        "https://c.example/sitemap.xml",
        "https://c.example/news/",
    ]
