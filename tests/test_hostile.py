"""A crawl of a hostile site: bounded in time, every good article intact, each failure
recorded once with a reason a person understands."""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import cli_env, copy_archive, query, run_cli
from tests.hostile_site import FAILURES, HostileSite, good_articles

pytestmark = pytest.mark.crawl


def crawl_site(site: HostileSite, db, tmp):
    """Crawl the hostile site into `db` as cron would, each request bounded to 8 s."""
    registry = tmp / "outlets.yml"
    registry.write_text(site.registry())
    return run_cli(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        timeout=240,
        env=cli_env(LIBYA_ARCHIVE_DOWNLOAD_TIMEOUT="8"),
    )


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with HostileSite(closed_port) as site:
        db = tmp / "hostile.db"
        started = time.monotonic()
        result = crawl_site(site, db, tmp)
        elapsed = time.monotonic() - started
        yield site, db, result, elapsed, site.origin


def test_the_crawl_finishes_in_bounded_time(hostile_crawl):
    _, _, result, elapsed, _ = hostile_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < 120


def test_every_good_article_is_archived_intact(hostile_crawl):
    _, db, _, _, origin = hostile_crawl
    rows = {
        url.removeprefix(origin): (title, text)
        for url, title, text in query(db, "SELECT url, title, text FROM articles")
    }
    for path, (title, phrase) in good_articles().items():
        assert path in rows, f"missing {path}"
        assert rows[path][0] == title, path
        assert phrase in rows[path][1], path
    assert set(rows) == set(good_articles())


def test_arabic_in_windows_1256_declared_only_in_a_meta_tag_is_read_right(hostile_crawl):
    _, db, _, _, origin = hostile_crawl
    ((text,),) = query(
        db, "SELECT text FROM articles WHERE url = ?", (origin + "/news/cp1256.html",)
    )
    assert "المؤسسة الوطنية للنفط" in text


def test_the_disallowed_page_is_never_requested(hostile_crawl):
    site, *_ = hostile_crawl
    assert "/robots.txt" in site.requested
    assert not [p for p in site.requested if p.startswith("/news/private/")]


def test_each_failure_is_one_row_with_a_reason(hostile_crawl):
    _, db, _, _, origin = hostile_crawl
    rows = query(db, "SELECT url, kind, reason FROM fetch_errors")
    by_path: dict[str, list[tuple[str, str]]] = {}
    for url, kind, reason in rows:
        by_path.setdefault(url.removeprefix(origin), []).append((kind, reason))
    for path, kind in FAILURES.items():
        assert path in by_path, f"no fetch_errors row for {path}"
        assert len(by_path[path]) == 1, f"{path}: {by_path[path]}"
        assert by_path[path][0][0] == kind, f"{path}: {by_path[path]}"
        assert len(by_path[path][0][1]) > 15  # a sentence, not a code
    unexpected = set(by_path) - set(FAILURES)
    assert not unexpected, unexpected


def test_a_rerun_retries_passing_failures_and_lets_lasting_ones_rest(hostile_crawl, tmp_path):
    """A page that failed for good (gone, not HTML, not an article, too large, a redirect
    not followed) is not fetched again on the next run; a server error, a timeout or a
    refused connection may pass, so those are tried again."""
    site, db, _, _, origin = hostile_crawl
    again = tmp_path / "again.db"
    copy_archive(db, again)
    site.requested.clear()
    result = crawl_site(site, again, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    passing = {"/news/server-error.html", "/news/trickle.html", "/news/to-closed-port.html"}
    articles_failed = {path for path in FAILURES if path.startswith("/news/")}
    assert set(site.requested) & articles_failed == passing
    assert not set(site.requested) & set(good_articles())  # archived: skipped too
    ((skipped,),) = query(again, "SELECT skipped_failed FROM crawl_runs WHERE run = 2")
    assert skipped == len(articles_failed - passing)
