"""Crawl at scale: does memory stay flat as the site grows, and is a rerun cheap?

    python bench/crawl_scale.py [--sizes 5000 20000]

For each size, generates a news site of that many article pages (bench/site_generator.py)
with 5% hostile pages mixed into its sitemap (missing pages, empty pages, binary bytes
labelled text/html, HTML cut by NUL bytes), serves it on 127.0.0.1 from its own process,
and crawls it end to end into a fresh archive. Prints pages/s and the crawler's peak memory
for each size, then reruns the crawl on the unchanged site and archive: an incremental rerun
fetches only the entry points (the hostile pages failed for good, so they rest too), and its
time is the cost of checking every known URL.

Then a misbehaving site: 40 good articles behind a sitemap of recent pages, and before it in
the registry a stale sitemap of 50,000 article-shaped URLs that all answer 404 (an archive
that moved). Prints how long the crawl took until every good article was archived, the
run's total time, and what the breaker held back.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_throughput import _crawler_env, free_port, serve  # noqa: E402
from site_generator import generate_site  # noqa: E402

HOSTILE_SHARE = 0.05
CRAWL_TIMEOUT_S = 40 * 60


def add_hostile_pages(root: Path, origin: str, count: int, seed: int = 7) -> int:
    """Write `count` hostile article URLs into the site and its sitemap; return the count."""
    rng = random.Random(seed)
    kinds = ("missing", "empty", "binary", "nul")
    locs = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        path = f"/news/2024/hostile-{kind}-{n}.html"
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "empty":
            target.write_bytes(b"")
        elif kind == "binary":
            target.write_bytes(rng.randbytes(4096))
        elif kind == "nul":
            target.write_bytes(b"<html><body><p>Libya\x00\x00 oil</p><di\x00v>" * 20)
        locs.append(f"<url><loc>{origin}{path}</loc></url>")
    sitemap = root / "sitemap.xml"
    text = sitemap.read_text(encoding="utf-8")
    sitemap.write_text(text.replace("</urlset>", "".join(locs) + "</urlset>"), encoding="utf-8")
    return count


def crawl(outlets: Path, db: Path) -> tuple[float, int]:
    """Run the crawl; return (wall seconds, the crawler process's peak resident memory, KiB)."""
    command = [
        sys.executable,
        "-m",
        "libya_archive",
        "crawl",
        "--outlets",
        str(outlets),
        "--db",
        str(db),
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=_crawler_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _high_water_mark(process.pid))
        if time.monotonic() - started > CRAWL_TIMEOUT_S:
            process.kill()
            raise SystemExit(f"the crawl of {outlets} took longer than {CRAWL_TIMEOUT_S} s")
        time.sleep(0.2)
    return time.monotonic() - started, peak


def _high_water_mark(pid: int) -> int:
    """VmHWM of a process in KiB (its peak resident memory so far), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def last_run(db: Path) -> dict:
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT sum(requests) requests, sum(articles_new) new, sum(errors) errors, "
            "sum(not_articles) not_articles, sum(skipped_archived) skipped, "
            "sum(skipped_failed) resting FROM crawl_runs "
            "WHERE run = (SELECT max(run) FROM crawl_runs)"
        ).fetchone()
        return dict(row)


def measure(size: int, tmp: Path) -> dict:
    root, port = tmp / f"site-{size}", free_port()
    origin = f"http://127.0.0.1:{port}"
    print(f"generating {size} article pages ...", flush=True)
    generate_site(root, size, 1, origin=origin)
    hostile = add_hostile_pages(root, origin, int(size * HOSTILE_SHARE))
    db = tmp / f"scale-{size}.db"
    with serve(root, port):
        print(f"crawling {size} + {hostile} hostile pages ...", flush=True)
        seconds, peak = crawl(root / "outlets.yml", db)
        first = last_run(db)
        print("rerunning on the unchanged site ...", flush=True)
        rerun_seconds, rerun_peak = crawl(root / "outlets.yml", db)
        rerun = last_run(db)
    return {
        "size": size,
        "hostile": hostile,
        "seconds": seconds,
        "peak": peak,
        "first": first,
        "rerun_seconds": rerun_seconds,
        "rerun_peak": rerun_peak,
        "rerun": rerun,
    }


def report(results: list[dict]) -> None:
    print("\ncrawl at scale (5% hostile pages), 2 cores")
    for r in results:
        pages = r["size"] + r["hostile"]
        print(
            f"  {r['size']:6} articles + {r['hostile']:4} hostile: "
            f"{pages / r['seconds']:6.1f} pages/s, peak memory {r['peak'] / 1024:6.1f} MiB; "
            f"archived {r['first']['new']}, errors {r['first']['errors']}, "
            f"not articles {r['first']['not_articles']}"
        )
        print(
            f"  {'':6}   rerun, unchanged site: {r['rerun_seconds']:5.1f} s, "
            f"{r['rerun']['requests']} requests, {r['rerun']['skipped']} known URLs skipped "
            f"and {r['rerun']['resting']} failed for good, "
            f"peak memory {r['rerun_peak'] / 1024:6.1f} MiB"
        )
    small, large = results[0], results[-1]
    ratio = large["peak"] / small["peak"]
    print(
        f"  peak memory at {large['size']} / at {small['size']}: {ratio:.2f}x "
        f"(flat would be 1.0x; the site is {large['size'] / small['size']:.0f}x larger)"
    )


DEAD_LINKS = 50_000
GOOD_ARTICLES = 40


def storm(tmp: Path) -> None:
    """The crawl of a site whose first sitemap lists 50,000 dead links."""
    root, port = tmp / "storm", free_port()
    origin = f"http://127.0.0.1:{port}"
    paths = generate_site(root, GOOD_ARTICLES, 1, origin=origin)
    dead = "".join(
        f"<url><loc>{origin}/news/2015/old-story-{n}.html</loc><lastmod>2015-03-01</lastmod></url>"
        for n in range(DEAD_LINKS)
    )
    (root / "sitemap-archive.xml").write_text(f"<urlset>{dead}</urlset>", encoding="utf-8")
    registry = root / "outlets.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace(
            "    sitemaps:\n", f"    sitemaps:\n      - {origin}/sitemap-archive.xml\n"
        ),
        encoding="utf-8",
    )
    db = tmp / "storm.db"
    print(f"crawling {GOOD_ARTICLES} articles behind a sitemap of {DEAD_LINKS} dead links ...")
    with serve(root, port):
        seconds, _ = crawl(registry, db)
    with closing(sqlite3.connect(db)) as conn:
        started, archived, last_archived = conn.execute(
            "SELECT min(r.started), count(a.id), max(a.first_seen) FROM crawl_runs r, articles a"
        ).fetchone()
        shed, storm_why, errors = conn.execute(
            "SELECT sum(shed), group_concat(storm), sum(errors) FROM crawl_runs"
        ).fetchone()
    until_all = (
        datetime.fromisoformat(last_archived) - datetime.fromisoformat(started)
    ).total_seconds()
    print(f"\na stale sitemap of {DEAD_LINKS} dead links before {len(paths)} good articles")
    print(
        f"  every good article archived {until_all:.0f} s into the run "
        f"({archived} of {len(paths)}); the run took {seconds:.0f} s in all"
    )
    print(f"  held back: {shed} requests ({storm_why}); {errors} failed requests recorded")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--storm-only", action="store_true", help="only the misbehaving site")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="libya-scale-") as tmp:
        if not args.storm_only:
            results = [measure(size, Path(tmp)) for size in sorted(args.sizes)]
            report(results)
        storm(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
