"""A site that misbehaves as real news sites do: a stale sitemap of 50,000 article-shaped
URLs that now answer 404, listed before the outlet's live entry points, beside 40 good
articles and a few broken pages. The crawl must archive every good article, sample the dead
sitemap instead of walking it, and say so in the run's record."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from libya_archive.demo_site import SiteServer
from tests.conftest import query, run_cli

DEAD_LINKS = 50_000
GOOD = 40
PARAGRAPH = (
    "<p>The National Oil Corporation said on {day} that output at the field {n} in the "
    "south-west of Libya had returned to normal after a shutdown that lasted two weeks, and "
    "that exports from the Zawiya terminal would resume once tankers were scheduled.</p>"
)


@pytest.fixture(scope="module")
def storm_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("storm")
    (root / "news").mkdir()
    for n in range(GOOD):
        body = "".join(PARAGRAPH.format(day=day, n=n) for day in ("Monday", "Tuesday", "Friday"))
        (root / "news" / f"good-{n}.html").write_text(
            f"<html lang='en'><head><title>Field {n} back to normal output</title></head>"
            f"<body><article><h1>Field {n} back to normal output</h1>{body}</article>"
            "</body></html>"
        )
    for n in range(3):  # broken pages the feed still links
        (root / "news" / f"broken-{n}.html").write_text("<html><body></body></html>")
    recent = "".join(
        f"<url><loc>http://demo.test/news/good-{n}.html</loc><lastmod>2099-01-01</lastmod></url>"
        for n in range(GOOD)
    )
    (root / "sitemap-recent.xml").write_text(f"<urlset>{recent}</urlset>")
    dead = "".join(
        f"<url><loc>http://demo.test/news/old-{n}.html</loc><lastmod>2015-03-01</lastmod></url>"
        for n in range(DEAD_LINKS)
    )
    (root / "sitemap-archive.xml").write_text(f"<urlset>{dead}</urlset>")
    items = "".join(
        f"<item><link>http://demo.test/news/{page}.html</link></item>"
        for page in [*(f"good-{n}" for n in range(0, GOOD, 2)), "broken-0", "broken-1"]
    )
    (root / "feed.xml").write_text(f"<rss><channel>{items}</channel></rss>")
    with SiteServer(root) as site:
        registry = root / "outlets.yml"
        registry.write_text(
            site.rewrite(
                "outlets:\n  - id: stormy\n    name: Stormy\n    homepage: http://demo.test/\n"
                "    language: en\n    scope: libya\n"
                "    sitemaps: [http://demo.test/sitemap-archive.xml,"
                " http://demo.test/sitemap-recent.xml]\n"
                "    feeds: [http://demo.test/feed.xml]\n"
                "    article_patterns: ['^/news/']\n"
            )
        )
        db = root / "archive.db"
        result = run_cli("crawl", "--outlets", str(registry), "--db", str(db), timeout=600)
        yield SimpleNamespace(result=result, db=db, requested=list(site.requested))


@pytest.mark.crawl
def test_every_good_article_is_archived_and_the_dead_sitemap_is_sampled(storm_crawl):
    assert storm_crawl.result.returncode == 0, storm_crawl.result.stderr
    titles = {t for (t,) in query(storm_crawl.db, "SELECT title FROM articles")}
    assert titles == {f"Field {n} back to normal output" for n in range(GOOD)}
    dead_requests = [p for p in storm_crawl.requested if p.startswith("/news/old-")]
    # 20 in a row, then one in 100 of the rest (and the few already in flight).
    assert 20 <= len(dead_requests) <= 20 + DEAD_LINKS // 100 + 50


@pytest.mark.crawl
def test_the_storm_is_a_count_and_a_sample_in_the_runs_record(storm_crawl):
    ((shed, storm, errors),) = query(storm_crawl.db, "SELECT shed, storm, errors FROM crawl_runs")
    assert shed >= DEAD_LINKS * 0.98
    assert "sitemap-archive.xml: 20 links in a row answered 404" in storm
    rows = query(storm_crawl.db, "SELECT count(*) FROM fetch_errors WHERE url LIKE '%/old-%'")
    assert rows[0][0] <= 20 + DEAD_LINKS // 100 + 50 and errors < 1000
    broken = query(storm_crawl.db, "SELECT kind FROM fetch_errors WHERE url LIKE '%broken%'")
    assert broken == [("no-article",), ("no-article",)]


@pytest.mark.crawl
def test_status_shows_the_storm(storm_crawl):
    result = run_cli("status", "--db", str(storm_crawl.db))
    assert "STORM" in result.stdout
    assert "sitemap-archive.xml: 20 links in a row answered 404" in result.stdout


def test_pacing_speeds_up_on_fast_404s_and_backs_off_on_429():
    from scrapy.core.downloader import Slot
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from scrapers.throttle import Pacing

    crawler = get_crawler(
        settings_dict={
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_START_DELAY": 1.0,
            "AUTOTHROTTLE_MAX_DELAY": 30.0,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
            "DOWNLOAD_DELAY": 0,
        }
    )
    pacing = Pacing.from_crawler(crawler)
    pacing.mindelay, pacing.maxdelay = 0.0, 30.0
    slot = Slot(concurrency=8, delay=1.0, jitter=0)
    for _ in range(10):
        pacing._adjust_delay(slot, 0.002, Response("http://x.test/a", status=404))
    assert slot.delay < 0.01  # fast "not found" answers: the pace quickens
    pacing._adjust_delay(
        slot, 0.002, Response("http://x.test/a", status=429, headers={"Retry-After": "7"})
    )
    assert slot.delay == 7.0  # asked to slow down: at least as long as asked
    pacing._adjust_delay(slot, 0.002, Response("http://x.test/a", status=503))
    assert slot.delay == 14.0
    pacing._adjust_delay(slot, 0.002, Response("http://x.test/a", status=500))
    assert slot.delay == 14.0  # a server error never speeds it up


@pytest.fixture(scope="module")
def disguised_storms(tmp_path_factory):
    """Two more storms on one site: a sitemap whose links all redirect to the home page
    (the soft 404 of many CMSs), and one whose links all answer 500."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    links = 1_000
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the stdlib's name
            requested.append(self.path)
            origin = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path.startswith("/moved/"):
                return self._send(301, b"", [("Location", "/")])
            if self.path.startswith("/broken/"):
                return self._send(500, b"oops")
            if self.path.startswith("/sitemap-"):
                kind = self.path.removeprefix("/sitemap-").removesuffix(".xml")
                urls = "".join(
                    f"<url><loc>{origin}/{kind}/{n}.html</loc></url>" for n in range(links)
                )
                return self._send(200, f"<urlset>{urls}</urlset>".encode(), xml=True)
            if self.path == "/":
                return self._send(200, b"<html><body><h1>Home</h1></body></html>")
            return self._send(404, b"")

        def _send(self, status, body, headers=(), xml=False):
            self.send_response(status)
            self.send_header("Content-Type", "application/xml" if xml else "text/html")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    root = tmp_path_factory.mktemp("disguised")
    registry = root / "outlets.yml"
    registry.write_text(
        "outlets:\n  - id: disguised\n    name: Disguised\n"
        f"    homepage: {origin}/\n    language: en\n    scope: libya\n"
        f"    sitemaps: [{origin}/sitemap-moved.xml, {origin}/sitemap-broken.xml]\n"
        "    article_patterns: ['^/(moved|broken)/']\n"
    )
    db = root / "archive.db"
    result = run_cli("crawl", "--outlets", str(registry), "--db", str(db), timeout=600)
    yield SimpleNamespace(result=result, db=db, requested=requested, links=links)
    server.shutdown()
    server.server_close()


@pytest.mark.crawl
def test_redirects_home_and_server_errors_are_storms_too(disguised_storms):
    ((shed, storm),) = query(disguised_storms.db, "SELECT shed, storm FROM crawl_runs")
    assert "sitemap-moved.xml: 20 links in a row redirected to a page seen before" in storm
    assert "sitemap-broken.xml: 20 links in a row answered 500" in storm
    moved = [p for p in disguised_storms.requested if p.startswith("/moved/")]
    broken = [p for p in disguised_storms.requested if p.startswith("/broken/")]
    sampled = disguised_storms.links // 100
    in_flight = 100  # let through before the storm was seen (queued, redirected, retried)
    assert len(moved) <= 20 + sampled + in_flight
    assert len(broken) <= 3 * (20 + sampled + in_flight)  # each tried three times (retries)
    assert shed >= 2 * disguised_storms.links * 0.9
