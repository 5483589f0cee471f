"""`libya-archive backfill` against a Wayback Machine on 127.0.0.1 (tests/wayback_server.py).

The real command in a subprocess, the real archive and WARC store, a server that speaks the
CDX and replay API with several captures per page, redirect and error captures, rate
limits and 429 bursts: every article of the range arrives once with the page's own date,
the pace is kept, and a run killed halfway resumes without fetching anything twice.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from pipelines.warcs import iter_records
from tests.conftest import query, run_cli, start_cli
from tests.wayback_server import (
    SAMPLE_HOST,
    Capture,
    WaybackServer,
    sample_site,
    sample_truth,
)

REGISTRY = f"""\
outlets:
  - id: herald-archive
    name: Libya Herald Archive
    homepage: https://{SAMPLE_HOST}/
    language: en
    scope: libya
    feeds: [https://{SAMPLE_HOST}/feed/]
    article_patterns:
      - '^/\\d{{4}}/\\d{{2}}/\\d{{2}}/[^/]+\\.html$'
      - '^/news/[^/]+\\.html$'
      - '^/(index|news)\\.php\\?id=\\d+$'
"""
FAST = ("--cdx-per-minute", "600", "--replays-per-second", "20")
PARAGRAPH = (
    "Officials of the Government of National Accord in Tripoli said on Tuesday that talks "
    "with the eastern authorities in Benghazi over the central bank's budget would resume "
    "next week, after a month in which salaries in Derna, Sabha and Misrata were paid late "
    "and queues outside banks grew longer every morning across the country."
)


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "outlets.yml"
    path.write_text(REGISTRY, encoding="utf-8")
    return path


def backfill(wayback, registry, db, *extra, timeout=120):
    return run_cli(
        "backfill", "--outlet", "herald-archive", "--from", "2012-01-01", "--to", "2016-12-31",
        "--outlets", str(registry), "--db", str(db), "--wayback-url", wayback.url,
        "--workers", "1", *extra, timeout=timeout,
    )  # fmt: skip


def articles(db: Path) -> dict[str, tuple]:
    rows = query(
        db, "SELECT url, published_date, published_before, date_source, source FROM articles"
    )
    return {url: tuple(rest) for url, *rest in rows}


def test_every_article_of_the_range_arrives_once_with_its_own_date(tmp_path, registry):
    db = tmp_path / "archive.db"
    with WaybackServer(sample_site()) as wayback:
        result = backfill(wayback, registry, db, *FAST)
        assert result.returncode == 0, result.stderr
        assert result.stdout == result.stderr == ""  # not a terminal: quiet, as under cron
        replays = wayback.replay_counts()
    truth = sample_truth()
    archived = articles(db)
    assert set(archived) == set(truth)
    for url, (_, day) in truth.items():
        published_date, published_before, date_source, source = archived[url]
        assert source == "backfill"
        if day:
            # The page's own date, though every capture is later (some by years).
            assert (published_date, published_before) == (day, None)
            assert date_source != "first-capture"
        else:
            # No date in the page: the earliest capture is kept as an upper bound.
            earliest = min(c.timestamp for c in sample_site() if c.url == url)
            assert published_date is None
            assert published_before.startswith(
                f"{earliest[:4]}-{earliest[4:6]}-{earliest[6:8]}T{earliest[8:10]}"
            )
            assert date_source == "first-capture"
    # One capture per URL, each fetched once, none of the out-of-range page.
    assert replays and max(replays.values()) == 1
    assert not any("2010/06/02" in path for path in replays)
    # Provenance: source, capture time, replay address, and the record in the store.
    rows = query(
        db,
        "SELECT c.url, c.source, c.replay_url, c.fetched, c.warc_file, a.url FROM captures c "
        "JOIN articles a ON a.id = c.article_id",
    )
    assert len(rows) == len(truth)
    for url, source, replay_url, fetched, warc_file, article_url in rows:
        assert source == "wayback" and url == article_url
        assert replay_url.startswith(f"{wayback.url}/web/") and replay_url.endswith("id_/" + url)
        stamp = replay_url.split("/web/")[1][:14]
        assert fetched.startswith(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}")
        assert (tmp_path / "archive.db.warcs" / warc_file).exists()
    # The redirect captures' old URLs lead to the articles they moved to.
    aliases = dict(
        query(
            db,
            "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id "
            "WHERE u.url LIKE '%.php?id=%'",
        )
    )
    assert aliases == {
        f"https://{SAMPLE_HOST}/index.php?id=17": f"https://{SAMPLE_HOST}/2013/05/14/"
        "zueitina-terminal-reopens.html",
        f"http://{SAMPLE_HOST}/news.php?id=23": f"https://{SAMPLE_HOST}/2014/07/14/"
        "fighting-shuts-tripoli-airport.html",
    }
    assert query(db, "SELECT source FROM crawl_runs") == [("wayback",)]

    # A second run finds everything done: it lists again (new captures may have come)
    # but fetches nothing.
    with WaybackServer(sample_site()) as wayback:
        again = backfill(wayback, registry, db, *FAST)
        assert again.returncode == 0, again.stderr
        assert wayback.replay_counts() == {}
    assert set(articles(db)) == set(truth)


def test_datasette_shows_how_articles_came_and_an_undated_pages_upper_bound(tmp_path, registry):
    """The source is a facet, the coverage dashboard counts backfilled articles and filters
    by source, and an undated page says when it was published before."""
    import asyncio

    import yaml
    from datasette_dashboards import replace_opts_in_query

    from libya_archive.serve import METADATA, make_datasette

    db = tmp_path / "archive.db"
    with WaybackServer(sample_site()) as wayback:
        assert backfill(wayback, registry, db, *FAST).returncode == 0
    datasette = make_datasette(db)

    def get(path):
        return asyncio.run(datasette.client.get(path))

    facets = get("/archive/articles.json?_facet=source").json()["facet_results"]["source"]
    assert [(f["value"], f["count"]) for f in facets["results"]] == [("backfill", 13)]
    undated = query(db, "SELECT id FROM articles WHERE published_date IS NULL")[0][0]
    page = get(f"/archive/articles/{undated}").text
    assert "no date; published before 2015-08-07 (its earliest capture)" in page
    assert "/web/20150807091500id_/" in page  # the capture links to its replay
    charts = yaml.safe_load(METADATA.read_text("utf-8"))["plugins"]["datasette-dashboards"]
    chart = charts["coverage"]["charts"]["per-month-source"]["query"]
    for source, expected in (("", 12), ("backfill", 12), ("crawl", 0)):
        sql = replace_opts_in_query(chart, {"source": source} if source else {})
        rows = query(db, sql, {"source": source} if source else ())
        assert sum(row[2] for row in rows) == expected


def test_a_redirect_capture_leads_to_its_targets_capture(tmp_path, registry):
    """An old article URL captured as a redirect, whose new URL was captured only years
    later (after the listing's end): the redirect is followed to that capture."""
    old = f"https://{SAMPLE_HOST}/2013/02/10/ceasefire-in-kufra.html"
    new = f"https://{SAMPLE_HOST}/2013/02/10/ceasefire-agreed-in-kufra.html"
    page = _page("Ceasefire agreed in Kufra", "2013-02-10T11:00:00Z", 1)
    captures = [
        # The Wayback types many redirect captures "unk": listed and followed all the same.
        Capture(old, "20130211080000", 301, mimetype="unk", location=new),
        Capture(new, "20190505050505", body=page),
    ]
    db = tmp_path / "archive.db"
    with WaybackServer(captures) as wayback:
        result = backfill(wayback, registry, db, *FAST)
        assert result.returncode == 0, result.stderr
        assert sorted(wayback.replay_counts().values()) == [1, 1, 1]  # 301, 302 nearest, 200
    assert articles(db) == {new: ("2013-02-10", None, "meta", "backfill")}
    assert query(db, "SELECT url FROM article_urls ORDER BY url") == [(new,), (old,)]


def test_error_and_foreign_captures_are_recorded_and_skipped(tmp_path, registry):
    """What a backfill does not archive, it records with the reason."""
    old = f"https://{SAMPLE_HOST}/2014/03/03/budget-talks.html"
    gone = f"https://{SAMPLE_HOST}/2014/03/03/budget-talks-resume.html"
    too_old = f"https://{SAMPLE_HOST}/2011/01/01/too-old.html"
    captures = [
        # A redirect whose target the Wayback holds only as an error page.
        Capture(old, "20140304000000", 301, location=gone),
        Capture(gone, "20140304000001", 404, body=b"<html><body>Not found</body></html>"),
        # Dated by its URL before the range, though captured within it.
        Capture(too_old, "20120102000000", body=_page("Old", "2011-01-01T00:00:00Z", 3)),
    ]
    db = tmp_path / "archive.db"
    with WaybackServer(captures) as wayback:
        result = backfill(wayback, registry, db, *FAST)
        fetched = wayback.replay_counts()
    assert result.returncode == 0, result.stderr
    reasons = dict(query(db, "SELECT url, reason FROM backfill_queue WHERE state = 'skipped'"))
    assert reasons == {old: "an error capture (404)", too_old: "its URL dates it outside the range"}
    assert not any("too-old" in path for path in fetched)
    assert query(db, "SELECT count(*) FROM articles") == [(0,)]


def test_the_pace_is_kept_and_429_and_503_are_waited_out(tmp_path, registry):
    db = tmp_path / "archive.db"
    # The server allows 3 replays and 2 listings in any second; the backfill is set to
    # 2 replays and 1 listing a second. Requests 3 and 6 get a 429 (Retry-After: 1),
    # request 9 a 503.
    limits = {"replay": (3, 1.0), "cdx": (2, 1.0)}
    with WaybackServer(sample_site(), limits=limits, bursts=[3, 6], errors=[9]) as wayback:
        result = backfill(
            wayback, registry, db, "--replays-per-second", "2", "--cdx-per-minute", "60"
        )
        requests = list(wayback.requests)
        violations = wayback.violations
    assert result.returncode == 0, result.stderr
    assert set(articles(db)) == set(sample_truth())
    assert sum(violations.values()) == 0
    paused = [r for r in requests if r.status in (429, 503)]
    assert len(paused) == 3
    for refused in paused:
        later = [r for r in requests if r.kind == refused.kind and r.time > refused.time]
        if later and refused.status == 429:
            assert later[0].time - refused.time >= 0.95  # Retry-After: 1 obeyed


def test_a_wayback_that_refuses_for_an_hour_stops_the_run_with_a_clear_line(tmp_path, registry):
    db = tmp_path / "archive.db"
    with WaybackServer(sample_site(), limits={"cdx": (0, 3600.0)}) as wayback:
        result = backfill(wayback, registry, db, *FAST, timeout=60)
    assert result.returncode == 1
    assert "asked to wait" in result.stderr and "listing" in result.stderr
    assert query(db, "SELECT count(*) FROM articles") == [(0,)]


def test_killed_halfway_it_resumes_and_fetches_nothing_twice(tmp_path, registry):
    """kill -9 in the middle of the replays (with pages written to the store but not yet
    committed), then run again: every article arrives, no capture is fetched twice."""
    captures = [
        Capture(
            f"https://{SAMPLE_HOST}/2015/{1 + n % 12:02d}/{1 + n % 28:02d}/report-{n}.html",
            f"2015{1 + n % 12:02d}{1 + n % 28:02d}230000",
            body=_page(f"Report {n} on the talks", f"2015-{1 + n % 12:02d}-{1 + n % 28:02d}", n),
        )
        for n in range(60)
    ]
    db = tmp_path / "archive.db"
    with WaybackServer(captures) as wayback:
        args = (
            "backfill", "--outlet", "herald-archive", "--from", "2012-01-01", "--to",
            "2016-12-31", "--outlets", str(registry), "--db", str(db), "--wayback-url",
            wayback.url, "--workers", "1", "--replays-per-second", "10", "--cdx-page-size", "25",
        )  # fmt: skip
        process = start_cli(*args)
        deadline = time.monotonic() + 60
        while sum(wayback.replay_counts().values()) < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        first_run = sum(wayback.replay_counts().values())
        assert 25 <= first_run < 60
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        counts = wayback.replay_counts()
    assert len(counts) == 60 and max(counts.values()) == 1
    assert len(articles(db)) == 60
    # Each page's record is in the store once, and every capture row names a record there.
    store = tmp_path / "archive.db.warcs"
    targets = [
        c.url
        for path in sorted(store.glob("*.warc.gz"))
        for c in iter_records(path)
        if c.record_type == "response"
    ]
    assert len(targets) == len(set(targets)) == 60


def _page(title: str, published: str, n: int) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f"<article><h1>{title}</h1><p>By Hana Fitouri</p><p>{PARAGRAPH}</p>"
        f"<p>Report number {n}: {PARAGRAPH.lower()}</p></article></body></html>"
    ).encode()


def test_at_a_terminal_it_shows_the_listing_a_progress_bar_and_a_summary(tmp_path, registry):
    import pty
    import subprocess
    import sys

    from tests.conftest import PROJECT_DIR, cli_env

    db = tmp_path / "archive.db"
    controller, terminal = pty.openpty()
    with WaybackServer(sample_site()) as wayback:
        process = subprocess.Popen(
            [sys.executable, "-m", "libya_archive", "backfill", "--outlet", "herald-archive",
             "--from", "2012-01-01", "--to", "2016-12-31", "--outlets", str(registry),
             "--db", str(db), "--wayback-url", wayback.url, "--workers", "1",
             "--cdx-per-minute", "600", "--replays-per-second", "4"],
            cwd=PROJECT_DIR, env=cli_env(COLUMNS="120"), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=terminal,
        )  # fmt: skip
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=60) == 0
    os.close(controller)
    text = output.decode("utf-8", "replace")
    assert "herald-archive: libya-herald-archive.ly: 15 captures listed (200)" in text
    assert "Fetching captures" in text and re.search(r"\d\d:\d\d:\d\d", text)  # time left
    assert "17 captures listed (1 not article URLs)" in text  # 200s (about.html), 301, 302
    assert "15 replays fetched" in text and "13 new articles" in text
    assert "2 redirects to pages archived: their old URLs kept" in text
    assert "skipped 1: its URL dates it outside the range" in text


def test_a_rebuild_from_the_store_gives_back_the_backfilled_articles(tmp_path, registry):
    """The Wayback's pages are records of the store like any other: a rebuild gives the
    same articles, dates, upper bounds, sources, old URLs and replay addresses."""
    db = tmp_path / "archive.db"
    with WaybackServer(sample_site()) as wayback:
        assert backfill(wayback, registry, db, *FAST).returncode == 0
    rebuilt = tmp_path / "rebuilt.db"
    result = run_cli(
        "rebuild", "--from", str(db), "--db", str(rebuilt), "--outlets", str(registry),
        "--workers", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert articles(rebuilt) == articles(db)
    replays = "SELECT url, source, replay_url, fetched FROM captures ORDER BY url"
    assert query(rebuilt, replays) == query(db, replays)
    # Every URL, the old ones of the redirect captures too (kept as records of their own).
    urls = "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
    assert sorted(query(rebuilt, urls)) == sorted(query(db, urls))
    assert len(query(db, urls + " WHERE u.url LIKE '%.php?id=%'")) == 2
    redirects = "SELECT url, status, role, source FROM captures WHERE role = 'redirect'"
    assert sorted(query(rebuilt, redirects)) == sorted(query(db, redirects))
    assert sorted(query(db, redirects)) == [
        (f"http://{SAMPLE_HOST}/news.php?id=23", 302, "redirect", "wayback"),
        (f"https://{SAMPLE_HOST}/index.php?id=17", 301, "redirect", "wayback"),
    ]


def test_a_cdx_answer_that_is_not_a_listing_and_a_bad_address_are_said_clearly(tmp_path, registry):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class ErrorPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            body = b"<html><body>Service temporarily unavailable</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), ErrorPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_cli(
            "backfill", "--outlet", "herald-archive", "--from", "2012-01-01", "--to",
            "2012-12-31", "--outlets", str(registry), "--db", str(tmp_path / "a.db"),
            "--wayback-url", f"http://127.0.0.1:{server.server_address[1]}", *FAST,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    listing = "herald-archive: listing libya-herald-archive.ly: the CDX server's answer"
    assert f"{listing} is not a JSON listing" in result.stderr
    assert "Traceback" not in result.stderr
    bad = run_cli(
        "backfill", "--outlet", "herald-archive", "--from", "2012-01-01", "--to", "2012-12-31",
        "--outlets", str(registry), "--db", str(tmp_path / "a.db"),
        "--wayback-url", "web.archive.org",
    )  # fmt: skip
    assert bad.returncode == 2 and "expected an http(s) address" in bad.stderr
