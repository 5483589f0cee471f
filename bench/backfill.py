"""Backfill from a Wayback Machine: rate-bound, and flat in memory over a long listing.

    python bench/backfill.py [--pages 240] [--rate 5 20] [--rows 100000]

Against the local Wayback server of the tests (tests/wayback_server.py), on 127.0.0.1:

* rate. The server holds `--pages` realistic article pages (bench/site_generator.py), one
  capture each. Floor: the bare replays, the same requests at the same pace (each
  `--rate` a second: a few a second is what the Internet Archive allows, 20 a stress),
  with the client's pacer and urllib, nothing else. Backfill: `libya-archive backfill`
  at that rate in a subprocess, wall clock from start to exit, which also lists, writes
  WARC records, extracts, judges and stores every page. Target: backfill >= 0.9x the
  floor (rate-bound, not CPU-bound); the CPU it used per second of run is printed too.
* memory. The server (its own process) lists `--rows` captures; the backfill lists them
  all and fetches 300. Floor: the same run over a listing of 1,000 rows. Peak resident
  memory of the backfill process (one process: extraction in-process, --workers 0).
  Target: at most 1.1x the floor (memory does not grow with the listing).

Fails (exit 1) only when a measurement is invalid (a run failed, pages missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]
from site_generator import generate_site  # noqa: E402

from scrapers.wayback import Limits, WaybackClient  # noqa: E402
from tests.wayback_server import SAMPLE_HOST, Capture, WaybackServer  # noqa: E402

HOST = "bench-news.ly"
REGISTRY = f"""\
outlets:
  - id: bench-news
    name: Bench News
    homepage: https://{HOST}/
    language: en
    scope: libya
    feeds: [https://{HOST}/feed/]
    article_patterns: ['^/news/\\d{{4}}/']
  - id: generated
    name: Generated
    homepage: https://{SAMPLE_HOST}/
    language: en
    scope: libya
    feeds: [https://{SAMPLE_HOST}/feed/]
    article_patterns: ['^/\\d{{4}}/\\d{{2}}/\\d{{2}}/report-\\d+\\.html$']
"""
RATE_TARGET = 0.9
MEMORY_TARGET = 1.1
SMALL_LISTING = 1000
GENERATED_DAYS = 365 * 5 - 2  # tests/wayback_server.generated_site's spread
FETCHED_IN_MEMORY_RUNS = 300


class BenchError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=240)
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[5.0, 20.0], help="replays a second"
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="libya-bench-") as tmp:
            tmp = Path(tmp)
            (tmp / "outlets.yml").write_text(REGISTRY, encoding="utf-8")
            for per_second in args.rate:
                rate(tmp, args.pages, per_second)
            memory(tmp, args.rows)
    except BenchError as exc:
        print(f"invalid measurement: {exc}", file=sys.stderr)
        return 1
    return 0


# Rate ------------------------------------------------------------------------------------


def rate(tmp: Path, pages: int, per_second: float) -> None:
    captures = _site_captures(tmp / "site", pages)
    with WaybackServer(captures) as wayback:
        client = WaybackClient(wayback.url, Limits(replays_per_second=per_second))
        started = time.perf_counter()
        for capture in captures:
            replay = client.replay(capture.timestamp, capture.url)
            if replay.status != 200:
                raise BenchError(f"bare replay of {capture.url}: {replay.status}")
        floor = len(captures) / (time.perf_counter() - started)

        db = tmp / f"rate-{per_second:g}.db"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        mark = time.monotonic()  # the server's clock
        started = time.perf_counter()
        _backfill(
            tmp, db, wayback.url, "bench-news", "--replays-per-second", str(per_second),
            "--from", "2000-01-01", "--to", "2030-12-31",
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        replays = [r.time for r in wayback.requests if r.kind == "replay" and r.time > mark]
    archived = _count(db, "SELECT count(*) FROM articles")
    if archived != len(captures) or len(replays) != len(captures):
        raise BenchError(f"{archived} of {len(captures)} pages archived, {len(replays)} fetched")
    steady = (len(replays) - 1) / (replays[-1] - replays[0])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    verdict = "met" if steady / floor >= RATE_TARGET else "MISSED"
    print(f"rate: {len(captures)} pages, configured {per_second:g}/s")
    print(f"  floor (bare paced replays): {floor:.1f} pages/s")
    print(
        f"  backfill (fetch, WARC, extract, store), first to last replay: {steady:.1f} "
        f"pages/s = {steady / floor:.2f}x the floor (target >= {RATE_TARGET}x: {verdict})"
    )
    print(
        f"  the whole command (start-up and listing too): {len(captures) / elapsed:.1f} "
        f"pages/s, {elapsed:.1f} s; CPU {cpu:.1f} s ({cpu / elapsed:.2f} cores busy)"
    )


def _site_captures(root: Path, pages: int) -> list[Capture]:
    """The generated site's articles, each captured once, in the year its path names."""
    captures = []
    for path in generate_site(root, pages):
        year = re.search(r"/news/(\d{4})/", path).group(1)
        body = (root / path.lstrip("/")).read_bytes()
        captures.append(Capture(f"https://{HOST}{path}", f"{year}1231120000", body=body))
    return captures


# Memory ----------------------------------------------------------------------------------


def memory(tmp: Path, rows: int) -> None:
    peaks = {}
    for size in (SMALL_LISTING, rows):
        # The generated captures spread evenly over 2012-2016: a window of the days that
        # hold about 300 of them, so both runs list everything and fetch as many pages.
        days = max(1, round(FETCHED_IN_MEMORY_RUNS * GENERATED_DAYS / size))
        last = dt.date(2014, 1, 1) + dt.timedelta(days=days - 1)
        with _server_process(size) as url:
            db = tmp / f"memory-{size}.db"
            peaks[size] = _backfill(
                tmp, db, url, "generated", "--from", "2014-01-01", "--to", last.isoformat(),
                "--replays-per-second", "200", "--workers", "0", measure=True,
            )  # fmt: skip
            listed = _count(db, "SELECT sum(rows) FROM backfill_listings")
            fetched = _count(db, "SELECT count(*) FROM captures")
            if _count(db, "SELECT count(*) FROM backfill_listings WHERE finished IS NULL"):
                raise BenchError(f"the listing of {size} captures did not finish")
        print(
            f"  {size:,} captures served: {listed:,} listed (captured up to a year after the "
            f"window), {fetched} pages fetched, peak {peaks[size] / 1024:.0f} MB"
        )
    ratio = peaks[rows] / peaks[SMALL_LISTING]
    verdict = "met" if ratio <= MEMORY_TARGET else "MISSED"
    print(
        f"memory: peak resident memory of the backfill over {rows:,} listed captures = "
        f"{ratio:.2f}x the floor of {SMALL_LISTING:,} (target <= {MEMORY_TARGET}x: {verdict})"
    )


class _server_process:
    """The Wayback server in a process of its own (its 100,000 captures are not ours)."""

    def __init__(self, rows: int):
        self.rows = rows

    def __enter__(self) -> str:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.wayback_server", "--port", str(port),
             "--generated", str(self.rows)],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        if not line.startswith("http://"):
            raise BenchError(f"the Wayback server did not start: {line!r}")
        return line.split()[0]

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait()


def _backfill(tmp: Path, db: Path, url: str, outlet: str, *extra: str, measure=False) -> int:
    """Run the command; with `measure`, its peak resident memory in KB."""
    command = [
        sys.executable, "-m", "libya_archive", "backfill", "--outlet", outlet,
        "--outlets", str(tmp / "outlets.yml"),
        "--db", str(db), "--wayback-url", url, "--cdx-per-minute", "6000", *extra,
    ]  # fmt: skip
    if measure:
        probe = (
            "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
        )
        command = [sys.executable, "-c", probe, *command]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=_env())
    if result.returncode != 0:
        raise BenchError(f"backfill failed: {result.stderr[-2000:]}")
    return int(result.stdout.split()[-1]) if measure else 0


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
