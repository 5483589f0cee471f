"""The crawl under cron: one at a time, safe when killed, and honest about stale outlets."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from libya_archive.demo_site import SiteServer
from libya_archive.lock import archive_lock
from tests.conftest import PROJECT_DIR, cli_env, copy_archive, crawl, query, run_cli, start_cli

pytestmark = pytest.mark.crawl

PARAGRAPH = (
    "<p>Officials of the National Oil Corporation in Tripoli said on {day} that output at "
    "field {n} had recovered, as engineers in Benghazi finished repairs to pipeline {n}.</p>"
)


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory):
    """120 distinct articles behind a sitemap, served slowly enough to kill a crawl mid-run."""
    root = tmp_path_factory.mktemp("slow")
    (root / "news").mkdir()
    urls = []
    for n in range(120):
        body = "".join(
            PARAGRAPH.format(day=day, n=n * 7 + i)
            for i, day in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday"))
        )
        (root / "news" / f"{n}.html").write_text(
            f"<html lang='en'><head><title>Field {n} recovers</title></head><body><article>"
            f"<h1>Field {n} recovers</h1>{body}</article></body></html>"
        )
        urls.append(f"<url><loc>http://demo.test/news/{n}.html</loc></url>")
    (root / "sitemap.xml").write_text(f"<urlset>{''.join(urls)}</urlset>")
    with SiteServer(root, delay=0.2) as site:
        registry = root / "outlets.yml"
        registry.write_text(
            site.rewrite(
                "outlets:\n  - id: slow\n    name: Slow\n    homepage: http://demo.test/\n"
                "    language: en\n    scope: libya\n    sitemaps: [http://demo.test/sitemap.xml]\n"
                "    article_patterns: ['^/news/']\n"
            )
        )
        yield registry


def start_crawl(registry, db) -> subprocess.Popen:
    """A crawl that commits every 10 articles, in its own process group."""
    return start_cli(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        env=cli_env(LIBYA_ARCHIVE_STORE_BATCH="10"),
    )


def archived_urls(db) -> set[str]:
    return {url for (url,) in query(db, "SELECT url FROM articles")}


def wait_for_commits(db, more_than: int, timeout: float = 60) -> None:
    """Wait until the archive holds more than `more_than` articles (a batch committed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if query(db, "SELECT count(*) FROM articles")[0][0] > more_than:
                return
        except sqlite3.OperationalError:
            pass  # the archive is not created yet
        time.sleep(0.05)
    raise AssertionError(f"no batch committed within {timeout} s")


def assert_every_capture_is_on_disk(db, folder) -> None:
    from pipelines.warcs import payload_digest, read_record

    rows = query(
        db,
        "SELECT warc_file, warc_offset, warc_length, payload_digest FROM captures "
        "WHERE record_type = 'response'",
    )
    assert rows
    for name, offset, length, digest in rows:
        record = read_record(folder, name, offset, length)
        assert payload_digest(record.body) == digest == record.payload_digest


def test_a_crawl_killed_twice_loses_nothing_committed_and_the_rerun_finishes(slow_site, tmp_path):
    db = tmp_path / "killed.db"
    committed: set[str] = set()
    for _ in range(2):
        process = start_crawl(slow_site, db)
        wait_for_commits(db, len(committed))  # kill it in the middle of its work
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        now = archived_urls(db)
        assert committed < now, "an article committed before the kill was lost"
        committed = now
        # Nothing written but the archive, its lock, the job folder of pending requests and
        # the WARC store.
        assert {p.name for p in tmp_path.iterdir()} <= {
            "killed.db", "killed.db-wal", "killed.db-shm", "killed.db.lock", "killed.db.job",
            "killed.db.warcs",
        }  # fmt: skip
        assert (tmp_path / "killed.db.job").is_dir()
        # No row names a record that is not on disk, whole.
        assert_every_capture_is_on_disk(db, tmp_path / "killed.db.warcs")
        assert list((tmp_path / "killed.db.warcs").glob("*.warc.gz.open"))
    assert len(committed) < 120, "the kills did not land mid-crawl"
    result = crawl(slow_site, db)
    # Each run closes the file the run before it left open when it was killed, and says so.
    assert result.stderr.count("left open by a run that did not finish") == 1, result.stderr
    warcs = tmp_path / "killed.db.warcs"
    assert not list(warcs.glob("*.open"))
    for path in warcs.glob("*.warc.gz"):
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True
        )
        assert check.returncode == 0, check.stdout
    assert_every_capture_is_on_disk(db, warcs)
    assert not (tmp_path / "killed.db.job").exists()  # the rerun cleared it, and its own
    # When nobody reads it, the archive is one file again: the WAL folded in and removed.
    assert not (tmp_path / "killed.db-wal").exists()
    assert not (tmp_path / "killed.db-shm").exists()
    assert committed <= archived_urls(db)
    assert query(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(120, 120)]
    assert query(db, "SELECT count(*) FROM article_urls") == [(120,)]


def test_a_second_crawl_exits_at_once_while_one_runs(slow_site, tmp_path):
    db = tmp_path / "locked.db"
    with archive_lock(db):
        started = time.monotonic()
        result = run_cli("crawl", "--outlets", str(slow_site), "--db", str(db), timeout=60)
        assert time.monotonic() - started < 15
    assert result.returncode == 4
    assert "another crawl is writing" in result.stderr and f"pid {os.getpid()}" in result.stderr


def test_a_lock_left_by_a_killed_crawl_is_recovered(slow_site, tmp_path):
    db = tmp_path / "recovered.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from libya_archive.lock import archive_lock\n"
            f"with archive_lock({str(db)!r}):\n    print('held', flush=True); time.sleep(60)",
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=10)
    holder.stdout.close()
    assert (tmp_path / "recovered.db.lock").exists()  # the file stays; the lock does not
    crawl(slow_site, db)
    assert query(db, "SELECT count(*) FROM articles") == [(120,)]


def test_status_reports_every_outlet_and_exits_0_when_all_are_fresh(demo_archive):
    result = run_cli("status", "--db", str(demo_archive), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert set(lines) == {"inewstoday", "tripoli-tribune", "akhbar-barqa"}
    assert lines["akhbar-barqa"].split()[-2:] == ["10", "0%"]


def test_status_exits_5_and_names_an_outlet_that_went_stale(demo_archive, tmp_path):
    db = tmp_path / "stale.db"
    copy_archive(demo_archive, db)
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="seconds")
    with closing(sqlite3.connect(db)) as conn, conn:
        # The archive as it would be after a month of crawls in which akhbar-barqa gave
        # nothing new: its articles are old, its first crawl older still.
        conn.execute("UPDATE crawl_runs SET started = ?", (month_ago,))
        conn.execute(
            "UPDATE articles SET first_seen = ? WHERE outlet = 'akhbar-barqa'", (month_ago,)
        )
    result = run_cli("status", "--db", str(db), "--quiet", timeout=60)
    assert result.returncode == 5
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["akhbar-barqa"]
    assert "STALE" in result.stdout and "akhbar-barqa" in result.stderr


def test_a_crawl_opens_no_listening_socket(slow_site, tmp_path):
    process = start_crawl(slow_site, tmp_path / "sockets.db")
    try:
        time.sleep(3)
        assert process.poll() is None, "the crawl ended before it could be looked at"
        listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
        assert f"pid={process.pid}," not in listening
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def hanging_port():
    """A port that accepts connections and never answers on them."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # kept open, never read
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_cron_mail_is_one_line_per_outlet_that_gave_no_answer(
    demo_registry, hanging_port, tmp_path
):
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]
    dead = "".join(
        f"  - id: {outlet}\n    name: {outlet}\n    homepage: {home}\n    language: en\n"
        f"    scope: libya\n    feeds: [{home}feed.xml]\n    article_patterns: ['^/news/']\n"
        for outlet, home in (
            ("dead", f"http://127.0.0.1:{refused_port}/"),
            ("hanging", f"http://127.0.0.1:{hanging_port}/"),
            ("no-dns", "http://no-such-host.invalid/"),
        )
    )
    registry = tmp_path / "outlets.yml"
    registry.write_text(demo_registry.read_text("utf-8") + "\n" + dead)
    log = tmp_path / "crawl.log"
    result = run_cli(
        "crawl", "--outlets", str(registry), "--db", str(tmp_path / "a.db"),
        "--log-file", str(log),
        env=cli_env(LIBYA_ARCHIVE_DOWNLOAD_TIMEOUT="2"),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "libya-archive crawl: 34 new articles, 0 changed; no answer from 3 of 6 outlets "
        "(details in fetch_errors and the log file):\n"
        "  dead: the connection was refused (server down?)\n"
        "  hanging: the server did not answer in time\n"
        "  no-dns: the host name could not be resolved (outlet down or moved?)\n"
    )
    detail = log.read_text("utf-8")
    assert "DNS lookup failed" in detail and "Traceback" in detail  # the detail is kept
    kinds = query(
        tmp_path / "a.db", "SELECT outlet, kind FROM fetch_errors WHERE outlet IN "
        "('dead', 'hanging', 'no-dns') GROUP BY outlet, kind ORDER BY outlet"
    )  # fmt: skip
    assert kinds == [("dead", "connection"), ("hanging", "timeout"), ("no-dns", "dns")]
