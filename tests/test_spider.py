"""The outlet spider and what it remembers: feeds, sitemaps, robots.txt and broken entry
points on a small site crawled by the real crawler; the archive's memory and the job
folder's records of requests made and links skipped."""

from __future__ import annotations

from pipelines.archive import open_archive
from tests.conftest import copy_archive, query
from tests.variants_site import urls_by_article


def test_atom_feed_entries_are_crawled(variants_site):
    _, db = variants_site
    assert "news/story-e.html" in urls_by_article(db)


def test_a_page_disallowed_by_robots_txt_is_never_requested(variants_site):
    requested, db = variants_site
    assert "/robots.txt" in requested
    assert "/news/private-memo.html" not in requested
    errors = query(db, "SELECT kind, reason FROM fetch_errors WHERE url LIKE '%private-memo%'")
    assert errors == [("robots", "robots.txt forbids this URL; it was not fetched")]


def test_gzipped_sitemap_is_read(variants_site):
    _, db = variants_site
    assert "news/story-f.html" in urls_by_article(db)


def test_broken_entry_points_and_binary_pages_are_recorded_with_a_reason(variants_site):
    _, db = variants_site
    errors = {
        url.split("/", 3)[3]: (kind, reason)
        for url, kind, reason in query(db, "SELECT url, kind, reason FROM fetch_errors")
    }
    assert errors["not-a-feed.xml"] == ("parse", "the feed is not RSS or Atom XML")
    # A truncated sitemap gives what it can; the URL cut in half fails and is recorded.
    assert errors["news/st"] == ("http", "the server answered HTTP 404")
    kind, reason = errors["news/report.pdf"]
    assert kind == "not-html" and "application/pdf" in reason


def test_seen_once_counts_each_url_once_on_disk_in_the_job_folder(tmp_path):
    from scrapers.seen import SeenOnce

    for seen in (SeenOnce(tmp_path / "archive.db.job", "skipped"), SeenOnce()):
        assert seen.add("https://a.example/1") is True
        assert seen.add("https://a.example/2") is True
        assert seen.add("https://a.example/1") is False
        seen.close()
    assert (tmp_path / "archive.db.job" / "skipped.db").exists()  # not in memory


def test_the_archive_memory_answers_from_the_archive_url_by_url(demo_archive):
    from scrapers.known import ArchiveMemory

    ((url, outlet),) = query(
        demo_archive,
        "SELECT u.url, a.outlet FROM article_urls u "
        "JOIN articles a ON a.id = u.article_id ORDER BY u.url LIMIT 1",
    )
    ((rejected, rejected_outlet),) = query(
        demo_archive, "SELECT url, outlet FROM rejected_urls ORDER BY url LIMIT 1"
    )
    memory = ArchiveMemory(str(demo_archive), [outlet, rejected_outlet])
    assert memory.skip_reason(url) == "archived"
    assert memory.skip_reason(url, changed="1999-01-01") == "archived"  # changed before
    assert memory.skip_reason(url, changed="2999-01-01") is None  # changed since: refetch
    assert memory.skip_reason(rejected) == "rejected"
    assert memory.skip_reason("https://nowhere.example/new") is None
    memory.close()
    assert ArchiveMemory(str(demo_archive), ["another-outlet"]).skip_reason(url) is None
    # Published within the recheck window: not known, fetched again for edits.
    assert ArchiveMemory(str(demo_archive), [outlet], recheck_days=100_000).skip_reason(url) is None


def test_the_crawl_remembers_requests_made_on_disk_not_in_memory(tmp_path):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from scrapers.seen import DiskDupeFilter
    from scrapers.settings import DUPEFILTER_CLASS

    assert DUPEFILTER_CLASS == "scrapers.seen.DiskDupeFilter"
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path / "archive.db.job")})
    dupes = DiskDupeFilter.from_crawler(crawler)
    assert not dupes.request_seen(Request("https://a.example/news/1"))
    assert not dupes.request_seen(Request("https://a.example/news/2"))
    assert dupes.request_seen(Request("https://a.example/news/1"))
    assert dupes.request_seen(Request("https://a.example/news/1?"))  # same fingerprint
    assert not dupes._fingerprints  # Scrapy's set in memory stays empty
    dupes.close("finished")
    assert (tmp_path / "archive.db.job" / "requests.db").exists()


def test_a_page_that_failed_for_good_rests_a_week_and_one_that_may_pass_does_not(
    demo_archive, tmp_path
):
    from datetime import UTC, datetime, timedelta

    from scrapers.known import FAILED_REST_DAYS, ArchiveMemory

    db = tmp_path / "failed.db"
    copy_archive(demo_archive, db)
    now = datetime.now(UTC)
    yesterday = (now - timedelta(days=1)).isoformat(timespec="seconds")
    long_ago = (now - timedelta(days=FAILED_REST_DAYS + 1)).isoformat(timespec="seconds")
    archive = open_archive(db)
    archive["fetch_errors"].insert_all(
        {
            "run": 1,
            "outlet": "libya-herald",
            "url": f"https://x.example/{name}",
            "kind": kind,
            "reason": "...",
            "status": status,
            "time": time,
        }
        for name, kind, status, time in (
            ("gone", "http", 404, yesterday),
            ("pdf", "not-html", 200, yesterday),
            ("server-error", "http", 500, yesterday),
            ("timeout", "timeout", None, yesterday),
            ("gone-long-ago", "http", 404, long_ago),
        )
    )
    archive.close()
    memory = ArchiveMemory(str(db), ["libya-herald"])
    assert memory.skip_reason("https://x.example/gone") == "failed"
    assert memory.skip_reason("https://x.example/pdf") == "failed"
    assert memory.skip_reason("https://x.example/server-error") is None
    assert memory.skip_reason("https://x.example/timeout") is None
    assert memory.skip_reason("https://x.example/gone-long-ago") is None
    assert memory.skip_reason("https://x.example/gone", changed=now.isoformat()) is None
    assert ArchiveMemory(str(db), ["another-outlet"]).skip_reason("https://x.example/gone") is None


def test_the_crawl_takes_an_unlabelled_page_by_its_opening_tag_as_an_import_does():
    """The response classes as Scrapy's downloader picks them: a page sent as
    application/octet-stream (a static host's label for a path with no extension) is a
    page; a binary body under that label, and a PDF labelled as one, are not."""
    from scrapy.http import Headers
    from scrapy.responsetypes import responsetypes

    from scrapers.spiders.outlets import is_html

    def response(content_type: str, body: bytes):
        headers = Headers({"Content-Type": content_type})
        url = "https://news.example/2024/05/talks"
        return responsetypes.from_args(headers=headers, url=url, body=body)(
            url=url, headers=headers, body=body
        )

    page = b"<!DOCTYPE html>\n<html lang='en'><head><title>Talks</title></head></html>"
    assert is_html(response("application/octet-stream", page))
    assert is_html(response("text/html; charset=utf-8", page))
    assert not is_html(response("application/octet-stream", b"\x89PNG\r\n\x1a\n\0\0"))
    assert not is_html(response("application/pdf", page))
