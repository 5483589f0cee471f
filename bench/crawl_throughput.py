"""Crawl throughput benchmark: end-to-end crawl rate against an extraction floor.

    python bench/crawl_throughput.py [--articles 2000] [--seed 1]

Generates a realistic static news site, serves it from a separate process on
127.0.0.1, and compares two rates on the same pages in the same run:

* floor: trafilatura ``bare_extraction`` alone, sequentially, one core. The
  crawler has to do at least this work per page, so it is the natural yardstick.
* end to end: ``python -m libya_archive crawl`` into a fresh SQLite archive,
  wall clock of the whole subprocess (start-up, sitemap, fetch, extract, store).

The crawl runs twice on the same site: without raw capture (`--capture none`), then as a
user runs it, every article page kept as a WARC record. Targets: the crawl with capture
>= 0.9x the floor, and capture costing at most 10% of the throughput without it. The run
fails (exit 1) only when the measurement itself is invalid: the crawler errors, times out,
or archives fewer than 99% of the pages.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_generator import generate_site  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.9
CAPTURE_COST_TARGET = 0.10
REPEATS = 3
MIN_ARCHIVED = 0.99
WARMUP_PAGES = 5
CRAWL_TIMEOUT_S = 20 * 60
SERVER_START_TIMEOUT_S = 15


class BenchError(RuntimeError):
    """The benchmark could not produce a valid measurement."""


@dataclass(frozen=True)
class CrawlResult:
    wall_s: float
    startup_s: float
    recorded_s: float | None  # the crawl's own duration, as recorded in the archive
    archived: int
    warc_bytes: int = 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    return measured(_run, args.articles, args.seed)


def measured(run: Callable[..., None], *args) -> int:
    """The exit status of a benchmark that runs `run(folder, *args)` in a temporary
    folder: 1 when it could not take a valid measurement (said on stderr), else 0."""
    try:
        with tempfile.TemporaryDirectory(prefix="libya-bench-") as tmp:
            run(Path(tmp), *args)
    except BenchError as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="article pages to generate")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generated site")
    return parser.parse_args(argv)


def _run(tmp: Path, n_articles: int, seed: int) -> None:
    root = tmp / "site"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    print(f"generating {n_articles} article pages in {root} ...", flush=True)
    paths = generate_site(root, n_articles, seed, origin=origin)
    sizes_kb = [(root / p.lstrip("/")).stat().st_size / 1024 for p in paths]

    # The floor and each way of crawling three times, in turn, the fastest of each kept: on
    # a shared 2-core virtual machine any one run varies by 20% or more from the next, and
    # a floor measured once, against the best of three crawls, would flatter the crawl.
    floor_rate = 0.0
    crawls: dict[str, CrawlResult] = {}
    for round_ in range(REPEATS):
        print(f"round {round_ + 1}: the floor, one core ...", flush=True)
        floor_rate = max(floor_rate, extraction_floor(root, paths, origin))
        for capture in ("none", "articles"):
            print(f"  crawling (libya-archive crawl --capture {capture}) ...", flush=True)
            log = tmp / f"crawl-{capture}-{round_}.log"
            with serve(root, port):
                crawl = run_crawl(
                    root / "outlets.yml", tmp / f"bench-{capture}-{round_}.db", log, capture
                )
            if crawl.archived < MIN_ARCHIVED * len(paths):
                raise BenchError(
                    f"only {crawl.archived} of {len(paths)} pages archived "
                    f"(need >= {MIN_ARCHIVED:.0%}); end of the crawl log:\n{_tail(log)}"
                )
            if capture not in crawls or crawl.wall_s < crawls[capture].wall_s:
                crawls[capture] = crawl
    _report(sizes_kb, floor_rate, crawls["articles"], crawls["none"])


def free_port() -> int:
    """A port the OS says is free now; bound before generating, since URLs embed it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def extraction_floor(root: Path, paths: list[str], origin: str) -> float:
    """Pages/s of bare_extraction alone, sequential in this process.

    Only the extraction call is timed, the per-page work no crawler can skip;
    reading files and decoding stay outside the clock. A few pages are
    extracted first, untimed, to load lazy imports and warm caches.
    """

    def extract(path: str) -> tuple[float, bool]:
        html_text = (root / path.lstrip("/")).read_bytes().decode("utf-8")
        start = time.perf_counter()
        doc = trafilatura.bare_extraction(html_text, url=origin + path, with_metadata=True)
        return time.perf_counter() - start, bool(doc and doc.text)

    for path in paths[:WARMUP_PAGES]:
        extract(path)
    timings = [extract(path) for path in paths]
    failed = sum(1 for _, ok in timings if not ok)
    if failed:
        raise BenchError(f"trafilatura extracted no text from {failed} generated pages")
    return len(paths) / sum(t for t, _ in timings)


@contextlib.contextmanager
def serve(root: Path, port: int) -> Iterator[None]:
    """Serve ``root`` on 127.0.0.1 from its own process, sharing no GIL with the crawler.

    The project's static server speaks HTTP/1.1 with keep-alive, as news sites do; the
    stdlib's ``http.server`` opens a connection per request and becomes the bottleneck.
    """
    server = subprocess.Popen(
        [sys.executable, "-m", "libya_archive.demo_site", str(root), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/robots.txt", server)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"the site server exited with status {server.returncode}")
        try:
            with opener.open(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"the site server did not answer on {url} within {SERVER_START_TIMEOUT_S} s")


def _crawler_env() -> dict[str, str]:
    """Environment for the crawler: repo importable, and no proxy between it and 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_crawl(outlets: Path, db: Path, log: Path, capture: str = "articles") -> CrawlResult:
    """Run the project's crawler into a fresh archive; time it; count archived articles."""
    env = _crawler_env()
    startup_s = _time_startup(env)
    cmd = [
        sys.executable,
        "-m",
        "libya_archive",
        "crawl",
        "--outlets",
        str(outlets),
        "--db",
        str(db),
        "--capture",
        capture,
    ]
    start = time.perf_counter()
    try:
        with log.open("wb") as log_file:
            proc = subprocess.run(
                cmd,
                cwd=REPO,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=CRAWL_TIMEOUT_S,
            )
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"crawl did not finish within {CRAWL_TIMEOUT_S} s:\n{_tail(log)}"
        ) from None
    wall_s = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"crawl exited with status {proc.returncode}:\n{_tail(log)}")
    archived, recorded_s = read_archive(db)
    warc_bytes = sum(p.stat().st_size for p in Path(f"{db}.warcs").glob("*.warc.gz"))
    return CrawlResult(wall_s, startup_s, recorded_s, archived, warc_bytes)


def _time_startup(env: dict[str, str]) -> float:
    """Wall time of ``python -m libya_archive --help``: fixed cost inside the crawl's wall time."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "libya_archive", "--help"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise BenchError(f"`python -m libya_archive --help` failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def read_archive(db: Path) -> tuple[int, float | None]:
    """Rows in ``articles``, and the crawl's own duration from ``crawl_runs`` if recorded.

    The recorded duration (spider open to close) excludes interpreter start-up
    and imports, so it shows how much of the wall time is fixed overhead.
    """
    if not db.exists():
        return 0, None
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            archived = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.OperationalError:
            return 0, None
        try:
            started, finished = conn.execute(
                "SELECT min(started), max(finished) FROM crawl_runs"
            ).fetchone()
            duration = (
                dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)
            ).total_seconds()
        except (sqlite3.OperationalError, TypeError, ValueError):
            duration = None
    return archived, duration


def _report(
    sizes_kb: list[float], floor_rate: float, crawl: CrawlResult, bare: CrawlResult
) -> None:
    cores = len(os.sched_getaffinity(0))
    e2e_rate = crawl.archived / crawl.wall_s
    ratio = e2e_rate / floor_rate
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print()
    print(
        f"crawl throughput, {len(sizes_kb)} article pages of "
        f"{min(sizes_kb):.0f}-{max(sizes_kb):.0f} KB (mean {statistics.mean(sizes_kb):.0f} KB), "
        f"{cores} cores"
    )
    print(
        f"  floor: trafilatura bare_extraction, one core   {floor_rate:6.1f} pages/s  "
        f"(best of {REPEATS}, as each crawl)"
    )
    print(
        f"  end to end: libya-archive crawl -> archive.db  {e2e_rate:6.1f} pages/s  "
        f"({ratio:.2f}x floor; target >= {TARGET_RATIO}x: {verdict})"
    )
    print(
        f"    {crawl.archived} articles archived in {crawl.wall_s:.1f} s wall clock, "
        f"of which ~{crawl.startup_s:.1f} s is CLI start-up (`python -m libya_archive --help`)"
    )
    if crawl.recorded_s:
        print(
            f"    crawl's own duration (crawl_runs, spider open to close): "
            f"{crawl.recorded_s:.1f} s -> {crawl.archived / crawl.recorded_s:.1f} pages/s; "
            f"{crawl.wall_s - crawl.recorded_s:.1f} s of the wall clock is outside it"
        )
    bare_rate = bare.archived / bare.wall_s
    cost = 1 - e2e_rate / bare_rate
    verdict = "met" if cost <= CAPTURE_COST_TARGET else "MISSED"
    print(
        f"  without raw capture (--capture none)           {bare_rate:6.1f} pages/s  "
        f"({bare_rate / floor_rate:.2f}x floor)"
    )
    print(
        f"  raw capture costs {cost:.1%} of the throughput (target <= "
        f"{CAPTURE_COST_TARGET:.0%}: {verdict}); WARC store: "
        f"{crawl.warc_bytes / crawl.archived / 1024:.1f} KB a page gzipped"
    )


if __name__ == "__main__":
    sys.exit(main())
