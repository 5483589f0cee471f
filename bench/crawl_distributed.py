"""Distributed crawl benchmark: one and two crawler processes and one writer, against a
single-process crawl of the same site, and the writer's ceiling.

    python bench/crawl_distributed.py [--articles 600] [--seed 1]

Generates a news site (site_generator.py), serves it from its own process on 127.0.0.1,
starts a redis-server on 127.0.0.1 (Debian's /usr/bin/redis-server), and measures in the
same run:

* floor: `libya-archive crawl` of the site, one process, no Redis (the design's own way).
* `crawl --queue`, one crawler and `store --queue`, then two crawlers and the writer:
  wall clock from the seed to the writer's exit, every article stored.
* the writer's ceiling: a two-crawler run with the writer held (SIGSTOP) until the crawl
  is over, then timed draining the whole queue; its floor is `ArchiveWriter` storing the
  same messages in this process, without Redis.

Each crawl runs once (the figures on a shared 2-core machine vary by about 10%); the run
fails (exit 1) only when a measurement is invalid: a process fails, times out, or fewer
than 99% of the pages are archived.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_throughput import (  # noqa: E402
    BenchError,
    _crawler_env,
    _tail,
    free_port,
    measured,
    read_archive,
    serve,
)
from site_generator import generate_site  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# The tests' redis-server: on a free port of 127.0.0.1, in memory, for the block's life.
from tests.redis_server import REDIS_SERVER, RedisServer  # noqa: E402

TIMEOUT_S = 15 * 60
MIN_ARCHIVED = 0.99
STORE_BATCH = 100  # the project's STORE_BATCH_SIZE: the writer takes twice this many messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=600, help="article pages to generate")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generated site")
    args = parser.parse_args(argv)
    return measured(_run, args.articles, args.seed)


def _run(tmp: Path, n_articles: int, seed: int) -> None:
    port = free_port()
    root = tmp / "site"
    print(f"generating {n_articles} article pages ...", flush=True)
    generate_site(root, n_articles, seed, origin=f"http://127.0.0.1:{port}")
    outlets = root / "outlets.yml"
    if not shutil.which("redis-server") and not Path(REDIS_SERVER).exists():
        raise BenchError("redis-server is not installed (apt-get install redis-server)")
    with serve(root, port), RedisServer() as redis:
        redis_url = redis.url(0)
        print("floor: libya-archive crawl, one process ...", flush=True)
        floor_s = _single(outlets, tmp / "single.db", tmp / "single.log", n_articles)
        print("one crawler and the writer ...", flush=True)
        one_s = _distributed(redis_url, outlets, tmp / "one", 1, n_articles)
        print("two crawlers and the writer ...", flush=True)
        two_s = _distributed(redis_url, outlets, tmp / "two", 2, n_articles)
        print("the writer's ceiling: two crawlers, then the writer alone ...", flush=True)
        messages, pages, store_s = _writer_ceiling(redis_url, outlets, tmp / "held", n_articles)
    print("the writer's floor: the same messages stored in this process ...", flush=True)
    direct_s = _store_directly(messages, tmp / "direct.db")
    _report(n_articles, floor_s, one_s, two_s, len(messages), pages, store_s, direct_s)


def _env(**extra: str) -> dict[str, str]:
    return {**_crawler_env(), "PYTHONWARNINGS": "ignore::DeprecationWarning", **extra}


def _cli(*args: str, log: Path, env: dict | None = None) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "libya_archive", *args],
        cwd=REPO,
        env=env or _env(),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def _wait(process: subprocess.Popen, log: Path) -> None:
    try:
        code = process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        raise BenchError(f"{process.args[3:5]} did not finish:\n{_tail(log)}") from None
    if code != 0:
        raise BenchError(f"{process.args[3:5]} exited {code}:\n{_tail(log)}")


def _check(db: Path, n_articles: int, log: Path) -> None:
    archived, _ = read_archive(db)
    if archived < MIN_ARCHIVED * n_articles:
        raise BenchError(f"only {archived} of {n_articles} pages archived:\n{_tail(log)}")


def _single(outlets: Path, db: Path, log: Path, n_articles: int) -> float:
    start = time.perf_counter()
    _wait(_cli("crawl", "--outlets", str(outlets), "--db", str(db), log=log), log)
    elapsed = time.perf_counter() - start
    _check(db, n_articles, log)
    return elapsed


def _distributed(url: str, outlets: Path, folder: Path, crawlers: int, n_articles: int) -> float:
    """Seconds from the seed to the writer's exit with every item stored."""
    queue, db = _fresh_queue(url, folder)
    env = _crawler_env_for(crawlers)
    start = time.perf_counter()
    _seed(queue, outlets, folder)
    writer = _cli(*_store_args(queue, db), log=folder / "writer.log")
    started = [
        _cli("crawl", "--queue", queue, "--db", str(db), log=folder / f"crawler-{n}.log", env=env)
        for n in range(crawlers)
    ]
    for n, process in enumerate(started):
        _wait(process, folder / f"crawler-{n}.log")
    _wait(writer, folder / "writer.log")
    elapsed = time.perf_counter() - start
    _check(db, n_articles, folder / "writer.log")
    return elapsed


def _writer_ceiling(
    url: str, outlets: Path, folder: Path, n_articles: int
) -> tuple[list[bytes], int, float]:
    """(the messages, the pages among them, seconds the writer took to store them all)."""
    import redis

    from pipelines import queue_items as wire

    queue, db = _fresh_queue(url, folder)
    client = redis.Redis.from_url(queue)
    # The held writer must not lose its claim, nor the crawlers their leases, meanwhile.
    patient = {"LIBYA_ARCHIVE_WORKER_TIMEOUT": "600"}
    _seed(queue, outlets, folder)
    writer = _cli(*_store_args(queue, db), log=folder / "writer.log", env=_env(**patient))
    while client.get(wire.KNOWN_RUN) is None:  # the snapshot is out: crawlers may start
        time.sleep(0.05)
    writer.send_signal(signal.SIGSTOP)
    env = {**_crawler_env_for(2), **patient}
    started = [
        _cli("crawl", "--queue", queue, "--db", str(db), log=folder / f"crawler-{n}.log", env=env)
        for n in range(2)
    ]
    for n, process in enumerate(started):
        _wait(process, folder / f"crawler-{n}.log")
    messages = client.lrange(wire.ITEMS, 0, -1)
    pages = sum(wire.decode(m)[0] == "page" for m in messages)
    start = time.perf_counter()
    writer.send_signal(signal.SIGCONT)
    while client.llen(wire.ITEMS) or client.llen(wire.STORING):
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    _wait(writer, folder / "writer.log")
    _check(db, n_articles, folder / "writer.log")
    return messages, pages, elapsed


def _store_directly(messages: list[bytes], db: Path) -> float:
    """Seconds for `ArchiveWriter` to decode and store the messages, batch for batch."""
    from pipelines import queue_items as wire
    from pipelines.store import ArchiveWriter

    writer = ArchiveWriter(db, batch_size=2**62, batch_seconds=float("inf"))
    outlets = [{"id": "bench", "name": "Bench Gazette", "scope": "libya"}]
    writer.open(outlets)
    start = time.perf_counter()
    for first in range(0, len(messages), 2 * STORE_BATCH):
        for message in messages[first : first + 2 * STORE_BATCH]:
            kind, item = wire.decode(message)
            writer.rejected(*item) if kind == "rejected" else writer.add(item)
        writer.flush()
    elapsed = time.perf_counter() - start
    writer.finish()
    return elapsed


def _fresh_queue(url: str, folder: Path) -> tuple[str, Path]:
    """A Redis database of its own for each measurement."""
    folder.mkdir(parents=True)
    number = {"one": 1, "two": 2, "held": 3}[folder.name]
    return f"{url}/{number}", folder / "archive.db"


def _seed(queue: str, outlets: Path, folder: Path) -> None:
    log = folder / "seed.log"
    _wait(_cli("crawl", "--queue", queue, "--seed", "--outlets", str(outlets), log=log), log)


def _store_args(queue: str, db: Path) -> tuple[str, ...]:
    return ("store", "--queue", queue, "--db", str(db), "--until-idle", "0.5")


def _crawler_env_for(crawlers: int) -> dict[str, str]:
    """As many extraction processes in all as the single-process crawl has (one per core):
    the crawlers share the machine's cores."""
    per_crawler = max(1, (os.cpu_count() or 1) // crawlers)
    return _env(LIBYA_ARCHIVE_EXTRACT_WORKERS=str(per_crawler))


def _report(
    n: int,
    floor_s: float,
    one_s: float,
    two_s: float,
    messages: int,
    pages: int,
    store_s: float,
    direct_s: float,
) -> None:
    cores = len(os.sched_getaffinity(0))
    floor = n / floor_s
    print()
    print(f"distributed crawl, {n} generated article pages, {cores} cores, Redis on 127.0.0.1")
    print(f"  floor: libya-archive crawl, one process, no Redis  {floor:6.1f} pages/s")
    for label, seconds in (("one crawler + writer", one_s), ("two crawlers + writer", two_s)):
        rate = n / seconds
        print(f"  crawl --queue: {label:34} {rate:6.1f} pages/s  ({rate / floor:.2f}x floor)")
    direct, stored = messages / direct_s, messages / store_s
    print(f"one writer's ceiling, {messages} messages ({pages} pages, their captures)")
    print(
        f"  floor: ArchiveWriter in this process, no Redis    {direct:6.0f} items/s "
        f"({pages / direct_s:.0f} pages/s)"
    )
    print(
        f"  store --queue, draining Redis                     {stored:6.0f} items/s "
        f"({pages / store_s:.0f} pages/s, {stored / direct:.2f}x floor)"
    )
    per_crawler = n / two_s / 2
    print(
        f"  one writer keeps up with ~{pages / store_s / per_crawler:.0f} crawlers of "
        f"{per_crawler:.0f} pages/s each (this machine's, sharing its {cores} cores)"
    )


if __name__ == "__main__":
    sys.exit(main())
