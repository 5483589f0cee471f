"""A broken registry or archive: a clear message, a non-zero exit, the archive as it was."""

from __future__ import annotations

import hashlib
import resource
import sqlite3
import subprocess
from contextlib import closing

import pytest

from tests.conftest import cli_env, copy_archive, crawl, query, run_cli

pytestmark = pytest.mark.crawl


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def crawl_limited(registry, db, preexec) -> subprocess.CompletedProcess:
    """A crawl in a subprocess set up by `preexec` (a file size limit), extraction in-process."""
    return run_cli(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        timeout=120,
        env=cli_env(LIBYA_ARCHIVE_EXTRACT_WORKERS="0"),
        preexec_fn=preexec,
    )


def test_an_archive_that_is_not_sqlite_is_refused_and_left_alone(demo_registry, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("my notes on Derna coverage, not a database\n" * 50)
    before = digest(notes)
    result = run_cli("crawl", "--outlets", str(demo_registry), "--db", str(notes), timeout=60)
    assert result.returncode == 3
    assert "not a usable SQLite archive" in result.stderr
    assert digest(notes) == before


def test_an_unknown_outlet_id_is_refused_before_anything_is_crawled(demo_registry, tmp_path):
    db = tmp_path / "archive.db"
    result = run_cli(
        "crawl",
        "--outlets",
        str(demo_registry),
        "--db",
        str(db),
        "--outlet",
        "no-such-outlet",
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown outlet id(s): no-such-outlet" in result.stderr
    assert not db.exists()


def test_a_read_only_archive_is_refused_and_left_alone(demo_archive, demo_registry, tmp_path):
    db = tmp_path / "archive.db"
    copy_archive(demo_archive, db)
    # Permission bits do not stop root, who runs CI: the immutable attribute does.
    if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        before = digest(db)
        result = run_cli("crawl", "--outlets", str(demo_registry), "--db", str(db), timeout=60)
        assert result.returncode == 3, result.stderr[-2000:]
        assert "cannot be written" in result.stderr and "readonly" in result.stderr
        assert digest(db) == before
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)


def test_a_full_disk_stops_the_crawl_and_keeps_what_was_committed(
    demo_archive, demo_registry, demo_content, tmp_path
):
    db = tmp_path / "full.db"
    copy_archive(demo_archive, db)
    with closing(sqlite3.connect(db)) as conn, conn:
        # Forget one outlet's articles so the crawl has something to write.
        conn.execute(
            "DELETE FROM article_urls WHERE article_id IN "
            "(SELECT id FROM articles WHERE outlet = 'tripoli-tribune')"
        )
        conn.execute("DELETE FROM articles WHERE outlet = 'tripoli-tribune'")
    kept = query(db, "SELECT url, title FROM articles ORDER BY url")
    limit = 64 * 1024  # no file may grow past 64 KB: the WAL fills up within a batch

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = crawl_limited(demo_registry, db, small_disk)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "cannot be written" in result.stderr
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert set(kept) <= set(query(db, "SELECT url, title FROM articles ORDER BY url"))
    # With room again, the next crawl finishes the work, without duplicates.
    crawl(demo_registry, db)
    libya = sum(a["about_libya"] for articles in demo_content.values() for a in articles)
    assert query(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(libya, libya)]
