"""Re-extraction throughput: `libya-archive reextract` over an archive's captures, against
one-core trafilatura on the same pages, measured in the same run.

    python bench/reextract.py [--articles 2000] [--seed 1]

Generates a news site (bench/site_generator.py), crawls it once with raw capture, then:

* floor: trafilatura ``bare_extraction`` alone, sequentially, one core, on the pages as
  files (reading and decoding outside the clock);
* reextract: ``libya-archive reextract --all`` in a subprocess, wall clock: every article
  read back from its WARC record, extracted in worker processes on every core, judged,
  compared with the archive and left unchanged.

* ceiling: the same trafilatura work in one process per core at once, what the machine's
  cores give together (two cores of a virtual machine may give far less than 2x).

Target: reextract >= 1.6x the floor on two cores (it does the floor's work and more, on
every core); the report also gives it as a share of the ceiling. Fails (exit 1) only when
the measurement is invalid.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_throughput import (  # noqa: E402
    REPO,
    BenchError,
    _crawler_env,
    extraction_floor,
    free_port,
    measured,
    run_crawl,
    serve,
)
from site_generator import generate_site  # noqa: E402

TARGET_RATIO = 1.6
ROUNDS = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    return measured(_run, args.articles, args.seed)


def _run(tmp: Path, n_articles: int, seed: int) -> None:
    root = tmp / "site"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    print(f"generating {n_articles} article pages ...", flush=True)
    paths = generate_site(root, n_articles, seed, origin=origin)
    db = tmp / "archive.db"
    print("crawling them once, with raw capture ...", flush=True)
    with serve(root, port):
        crawl = run_crawl(root / "outlets.yml", db, tmp / "crawl.log")
    if crawl.archived < 0.99 * n_articles:
        raise BenchError(f"only {crawl.archived} of {n_articles} pages archived")
    # Floor, ceiling and reextract, interleaved and twice, the best of each kept: on a
    # shared 2-core virtual machine any one of them varies by 20% or more over minutes.
    floor = ceiling = 0.0
    seconds = float("inf")
    for round_ in range(ROUNDS):
        print(f"round {round_ + 1}: floor, ceiling, reextract ...", flush=True)
        floor = max(floor, extraction_floor(root, paths, origin))
        ceiling = max(ceiling, parallel_ceiling(root, paths, origin))
        seconds = min(seconds, _reextract(db))
    with contextlib.closing(sqlite3.connect(db)) as conn:
        read, started, finished = conn.execute(
            "SELECT sum(articles_unchanged) + sum(articles_changed), min(started), "
            "max(finished) FROM crawl_runs WHERE source = 'reextract' AND run = "
            "(SELECT max(run) FROM crawl_runs)"
        ).fetchone()
    own = (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).seconds
    if not read or read < 0.99 * crawl.archived:
        raise BenchError(f"reextract read {read} of {crawl.archived} articles")
    rate = read / seconds
    ratio = rate / floor
    cores = len(os.sched_getaffinity(0))
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print()
    print(f"re-extraction of {read} captured articles, {cores} cores")
    print(f"  floor: trafilatura bare_extraction, one core   {floor:6.1f} pages/s")
    print(
        f"  libya-archive reextract --all                  {rate:6.1f} pages/s  "
        f"({ratio:.2f}x floor; target >= {TARGET_RATIO}x: {verdict})"
    )
    print(
        f"  ceiling: trafilatura on {cores} cores at once    {ceiling:6.1f} pages/s  "
        f"({ceiling / floor:.2f}x floor; reextract reaches {rate / ceiling:.0%} of it)"
    )
    print(
        f"    best of {ROUNDS}: {seconds:.1f} s wall clock, start-up included; the last run "
        f"itself (crawl_runs): {own} s -> {read / max(own, 1):.1f} pages/s"
    )


def _reextract(db: Path) -> float:
    """Wall seconds of `libya-archive reextract --all` (start-up included)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "libya_archive", "reextract", "--all", "--db", str(db)],
        cwd=REPO,
        env=_crawler_env(),
        capture_output=True,
        text=True,
        timeout=20 * 60,
    )
    if result.returncode != 0:
        raise BenchError(f"reextract exited with {result.returncode}:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def parallel_ceiling(root: Path, paths: list[str], origin: str) -> float:
    """Pages/s of bare_extraction with every core extracting its share at once."""
    cores = len(os.sched_getaffinity(0))
    shares = [paths[i::cores] for i in range(cores)]
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        pool.starmap(_extract_all, [(root, share[:5], origin) for share in shares])  # warm
        start = time.perf_counter()
        done = sum(pool.starmap(_extract_all, [(root, share, origin) for share in shares]))
        return done / (time.perf_counter() - start)


def _extract_all(root: Path, paths: list[str], origin: str) -> int:
    import trafilatura

    for path in paths:
        html_text = (root / path.lstrip("/")).read_bytes().decode("utf-8")
        trafilatura.bare_extraction(html_text, url=origin + path, with_metadata=True)
    return len(paths)


if __name__ == "__main__":
    sys.exit(main())
