"""URL identity, exact-text dedup, robots.txt and broken entry points, on a small site
crawled by the real crawler, and the dedup pipeline's decisions on a real archive file."""

from __future__ import annotations

import gzip

import pytest

from libya_archive.demo_site import SiteServer
from pipelines.archive import open_archive
from pipelines.dedup import DedupPipeline, content_hash
from scrapers.items import ArticlePage
from scrapers.urls import canonical_url, same_site, url_key
from tests.conftest import copy_archive, crawl, query

pytestmark = pytest.mark.crawl

BODY = (
    "<p>The National Oil Corporation said on {day} that output at the {field} field in the "
    "south-west of Libya had returned to normal after a shutdown that lasted two weeks.</p>"
    "<p>Engineers in Tripoli said repairs to the pipeline to the coast were complete, and that "
    "exports from the Zawiya terminal would resume once tankers had been scheduled.</p>"
)
PAGE = (
    "<html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
    "<p class='byline'>By Salma Idris</p>"
    "<time datetime='2024-02-0{n}T09:00:00+02:00'>February {n}</time>{body}</article>"
    "<footer>Copyright</footer></body></html>"
)


def page(n: int, title: str, field: str, head: str = "") -> str:
    body = BODY.format(day="Monday", field=field)
    return PAGE.format(n=n, title=title, head=head, body=body)


@pytest.fixture(scope="module")
def variants_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("variants")
    news = root / "news"
    (news / "story-b").mkdir(parents=True)
    (news / "story-a.html").write_text(page(1, "Sharara output resumes", "Sharara"))
    # The same article under a print URL: same outlet, same text.
    (news / "story-a-print.html").write_text(page(1, "Sharara output resumes", "Sharara"))
    # A directory URL: /news/story-b redirects to /news/story-b/.
    (news / "story-b" / "index.html").write_text(page(2, "El Feel field reopens", "El Feel"))
    (news / "story-c.html").write_text(
        page(
            3,
            "Wafa field back online",
            "Wafa",
            "<link rel='canonical' href='http://demo.test/news/story-c-canonical.html'>",
        )
    )
    (news / "story-d.html").write_text(
        page(
            4,
            "Nafoura field restarts",
            "Nafoura",
            "<link rel='canonical' href='http://wire.example/story/nafoura'>",
        )
    )
    links = [
        "news/story-a.html?utm_source=feed&utm_medium=rss",
        "news/story-a-print.html",
        "news/story-b",
        "news/story-c.html",
        "news/story-d.html#comments",
        "news/private-memo.html",
        "news/report.pdf",
    ]
    (news / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /news/private-\n")
    (news / "private-memo.html").write_text(page(5, "Internal memo", "Memo"))
    items = "".join(f"<item><link>http://demo.test/{link}</link></item>" for link in links)
    (root / "feed.xml").write_text(f"<?xml version='1.0'?><rss><channel>{items}</channel></rss>")
    (news / "story-e.html").write_text(page(5, "Mellitah gas exports rise", "Mellitah"))
    (root / "atom.xml").write_text(
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"
        "<link rel='alternate' href='http://demo.test/news/story-e.html'/></entry></feed>"
    )
    (news / "story-f.html").write_text(page(6, "Brega terminal loads first cargo", "Brega"))
    # One article under its AMP and print views, each saying which page it is a view of.
    story_g = page(7, "Ras Lanuf refinery restarts", "Ras Lanuf")
    (news / "story-g.html").write_text(story_g)
    (news / "amp").mkdir()
    (news / "print").mkdir()
    view = "<link rel='canonical' href='http://demo.test/news/story-g.html'>"
    (news / "amp" / "story-g.html").write_text(
        page(7, "Ras Lanuf refinery restarts", "Ras Lanuf", view)
    )
    (news / "print" / "story-g.html").write_text(
        page(7, "Ras Lanuf refinery restarts", "Ras Lanuf", view.replace("canonical", "x"))
    )
    (root / "not-a-feed.xml").write_text("<html><body>Page not found</body></html>")
    (root / "truncated-sitemap.xml").write_text("<urlset><url><loc>http://demo.test/news/st")
    registry = root / "outlets.yml"
    with SiteServer(root) as server:
        # Compressed bytes escape the server's origin rewriting: write the real origin.
        views = ("news/story-f.html", "news/amp/story-g.html", "news/print/story-g.html?print=1")
        locs = "".join(f"<url><loc>{server.origin}/{view}</loc></url>" for view in views)
        sitemap = f"<urlset>{locs}<url><loc>{server.origin}/news/story-g.html</loc></url></urlset>"
        (root / "sitemap.xml.gz").write_bytes(gzip.compress(sitemap.encode()))
        registry.write_text(
            server.rewrite(
                "outlets:\n  - id: variants\n    name: Variants\n    homepage: http://demo.test/\n"
                "    language: en\n    scope: libya\n    feeds: [http://demo.test/feed.xml, http://demo.test/atom.xml,"
                " http://demo.test/not-a-feed.xml]\n"
                "    sitemaps: [http://demo.test/sitemap.xml.gz, http://demo.test/truncated-sitemap.xml]\n"
                "    article_patterns: ['^/news/']\n"
            )
        )
        db = root / "variants.db"
        crawl(registry, db)
        yield server.requested, db


def urls_by_article(db) -> dict[str, set[str]]:
    rows = query(
        db, "SELECT a.url, u.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
    )
    found: dict[str, set[str]] = {}
    for article, url in rows:
        found.setdefault(article.split("/", 3)[3], set()).add(url.split("/", 3)[3])
    return found


def test_same_text_at_another_url_of_the_outlet_is_one_article(variants_site):
    _, db = variants_site
    # Whichever of the two was fetched first is the article; the other is its alias.
    (urls,) = [u for u in urls_by_article(db).values() if "news/story-a.html" in u]
    assert urls == {"news/story-a.html", "news/story-a-print.html"}
    assert query(db, "SELECT url_aliases FROM crawl_runs") == [(1,)]


def test_redirect_hops_are_urls_of_the_article(variants_site):
    _, db = variants_site
    assert urls_by_article(db)["news/story-b/"] == {"news/story-b", "news/story-b/"}


def test_own_site_canonical_is_honoured_and_foreign_canonical_ignored(variants_site):
    _, db = variants_site
    found = urls_by_article(db)
    assert found["news/story-c-canonical.html"] == {
        "news/story-c-canonical.html",
        "news/story-c.html",
    }
    # A canonical on another site (a wire's) would steal the article from its outlet.
    assert found["news/story-d.html"] == {"news/story-d.html"}
    assert len(found) == 7
    assert query(db, "SELECT count(*) FROM articles") == [(7,)]


def test_atom_feed_entries_are_crawled(variants_site):
    _, db = variants_site
    assert "news/story-e.html" in urls_by_article(db)


def test_amp_and_print_views_are_urls_of_one_article(variants_site):
    _, db = variants_site
    # Whichever view was fetched first names the article; all three are its URLs.
    (urls,) = [u for u in urls_by_article(db).values() if "news/story-g.html" in u]
    assert urls == {"news/story-g.html", "news/amp/story-g.html", "news/print/story-g.html?print=1"}
    keys = query(db, "SELECT DISTINCT url_key FROM article_urls WHERE url LIKE '%story-g%'")
    assert len(keys) == 1


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.example.com/news/oil-output.html",
        "http://example.com/news/oil-output.html/",
        "https://m.example.com/news/oil-output.html",
        "https://mobile.example.com/news/oil-output.html?utm_source=twitter",
        "https://amp.example.com/news/oil-output.html",
        "https://example.com/amp/news/oil-output.html",
        "https://example.com/news/oil-output.html/amp/",
        "https://example.com/news/oil-output.amp.html",
        "https://example.com/news/oil-output.html?amp=1",
        "https://example.com/news/oil-output.html?outputType=amp",
        "https://example.com/news/oil-output.html?print=1#comments",
        "https://example.com/print/news/oil-output.html",
        "https://example.com/news/oil-output.html?view=print&fbclid=abc",
    ],
)
def test_url_variants_of_a_page_share_its_key(variant):
    assert url_key(variant) == url_key("https://example.com/news/oil-output.html")


def test_url_key_keeps_what_names_another_article():
    assert url_key("https://example.com/story?id=1") != url_key("https://example.com/story?id=2")
    assert url_key("https://example.com/a?view=full") != url_key("https://example.com/a")
    assert url_key("http://127.0.0.1:8001/a") != url_key("http://127.0.0.1:8002/a")
    assert url_key("https://example.com/a") != url_key("https://example.org/a")
    # A one-label host after "m." is a domain of its own, not a mobile site.
    assert url_key("https://m.ly/a") != url_key("https://ly/a")
    assert same_site("https://amp.example.com/a", "https://www.example.com/b")


def dedup_page(
    url: str, text: str, canonical: str | None = None, outlet: str = "wire"
) -> ArticlePage:
    return ArticlePage(
        outlet=outlet,
        url=url,
        html="",
        scope="libya",
        fetched="2024-05-01T00:00:00+00:00",
        urls_seen=[url],
        text=text,
        page_canonical=canonical,
    )


@pytest.fixture
def archived(tmp_path):
    """A real archive holding one article, https://example.com/news/oil-output.html."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    db["outlets"].insert({"id": "wire", "name": "Wire"})
    db["outlets"].insert({"id": "other", "name": "Other"})
    url = "https://example.com/news/oil-output.html"
    article_id = (
        db["articles"]
        .insert(
            {
                "url": url,
                "outlet": "wire",
                "text": "Output rose.",
                "content_hash": content_hash("Output rose."),
            }
        )
        .last_pk
    )
    db["article_urls"].insert({"url": url, "url_key": url_key(url), "article_id": article_id})
    db.close()
    pipeline = DedupPipeline(str(path))
    yield pipeline, url
    pipeline.close_spider()


def test_a_mobile_amp_variant_of_an_archived_page_is_that_article(archived):
    pipeline, url = archived
    item = pipeline.process_item(
        dedup_page("http://m.example.com/amp/news/oil-output.html/", "Output rose.")
    )
    assert (item.dedup, item.article_url) == ("unchanged", url)
    edited = pipeline.process_item(
        dedup_page("https://example.com/news/oil-output.html?amp=1", "Output fell.")
    )
    assert (edited.dedup, edited.article_url) == ("changed", url)


def test_same_text_in_the_same_outlet_is_an_alias_and_in_another_outlet_a_new_article(archived):
    pipeline, url = archived
    alias = pipeline.process_item(
        dedup_page("https://example.com/news/other-url.html", "Output rose.")
    )
    assert (alias.dedup, alias.article_url) == ("alias", url)
    copy = pipeline.process_item(
        dedup_page("https://other.example/copy.html", "Output rose.", canonical=url, outlet="other")
    )
    # The foreign canonical is not honoured: the copy is the other outlet's own article.
    assert (copy.dedup, copy.article_url) == ("new", "https://other.example/copy.html")


def test_tracking_parameters_and_fragments_are_not_part_of_a_url():
    assert canonical_url("http://127.0.0.1:8000/news/a.html?utm_source=rss&id=3#top") == (
        "http://127.0.0.1:8000/news/a.html?id=3"
    )
    assert canonical_url("https://Example.com/a?fbclid=x&b=2&a=1") == (
        "https://example.com/a?a=1&b=2"
    )


def test_content_hash_ignores_case_spacing_and_punctuation_only():
    same = content_hash("libya s noc output resumed")
    assert content_hash("Libya's NOC:  output  resumed.") == same
    assert content_hash("output resumed") != content_hash("output halted")


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


def test_the_run_memory_keeps_only_the_latest_decisions():
    from pipelines.dedup import RecentMap

    recent = RecentMap(size=3)
    for n in range(5):
        recent[f"url-{n}"] = n
    recent["url-2"] = 2  # set again: the latest once more
    recent["url-5"] = 5
    assert list(recent) == ["url-4", "url-2", "url-5"]


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
