"""The command line's side of a distributed crawl: `crawl --queue [--seed]` and `store`.

Each function here is one command's work with its messages and exit codes; the crawl
itself is scrapers/distributed.py, the writer pipelines/queue_writer.py. Redis and
scrapy-redis are imported here only, inside the functions, so the other commands never
load them.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from libya_archive.lock import AlreadyRunning, archive_lock
from libya_archive.options import EXIT_ARCHIVE, EXIT_RUNNING, fail, load
from pipelines.archive import ArchiveError, open_archive, settle
from pipelines.warcs import folder_for
from scrapers import settings as project

EXIT_QUEUE = EXIT_ARCHIVE  # the crawl's Redis is a distributed crawl's archive until stored
POLL_SECONDS = 1.0


def open_queue(url: str):
    """A client of the Redis at `url`; exits with a clear message when it does not answer."""
    from redis.exceptions import RedisError

    from scrapers.distributed import connect

    try:
        return connect(url)
    except (RedisError, ValueError) as exc:
        fail(f"the crawl's queue {url} does not answer ({exc})", EXIT_QUEUE)


def crawl_queue(
    queue: str | None,
    seed: bool,
    outlets_file: str,
    outlet_ids: tuple[str, ...],
    options: dict,
    db_path: str,
    verbose: bool,
    capture: str,
    warcs: str | None,
    budget: int | None,
    log_file: str | None,
) -> None:
    """`crawl --queue URL [--seed]`: seed a distributed run, or be one of its crawlers."""
    if not queue:
        raise click.UsageError("--seed goes with --queue URL.")
    say = teller(verbose)
    if seed:
        seed_run(queue, outlets_file, outlet_ids, options, say)
        return
    if outlet_ids or any(value is not None for value in options.values()):
        raise click.UsageError(
            "--outlet, --recheck-days and --backfill-pages go with --seed: a crawler takes "
            "the run's outlets and options from the queue."
        )
    settings = {"CAPTURE": capture}
    if budget is not None:
        settings["OUTLET_REQUEST_BUDGET"] = budget
    crawl_worker(queue, db_path, warcs, verbose, log_file, say, **settings)


def seed_run(url: str, outlets_file: str, outlet_ids: tuple[str, ...], options: dict, say) -> None:
    """`crawl --queue URL --seed`: queue the run's entry points once."""
    from scrapers.distributed import RunInProgress, seed

    outlets = load(outlets_file, outlet_ids)
    redis = open_queue(url)
    try:
        run = seed(redis, outlets, Path(outlets_file).read_text("utf-8"), options)
    except RunInProgress as exc:
        fail(
            f"{exc}. Let its crawlers and writer finish it (`libya-archive crawl --queue "
            f"{url}`, `libya-archive store --queue {url}`); nothing was seeded.",
            EXIT_RUNNING,
        )
    say(
        f"run {run['id']}: {run['entry_points']} entry points of {len(outlets)} outlets "
        f"queued at {url}"
    )


def crawl_worker(
    url: str, db_path: str, warcs: str | None, verbose: bool, log_file: str | None, say, **settings
) -> None:
    """`crawl --queue URL`: crawl the seeded run's queue until the crawl is over."""
    from scrapers import distributed
    from scrapers.frontier import Frontier

    redis = open_queue(url)
    run = wait_for(
        lambda: distributed.current_run(redis),
        "waiting for a run to be seeded (libya-archive crawl --queue URL --seed)",
        say,
    )
    frontier = Frontier(redis)
    frontier.reap()
    if not frontier.pending():
        say(f"run {run['id']}: nothing left to crawl")
        return
    published = wait_for(
        lambda: distributed.snapshot_ready(redis, run),
        "waiting for the writer to publish what the archive knows (libya-archive store)",
        say,
        timeout=project.QUEUE_WORKER_TIMEOUT,
    )
    if not published:
        # Better a crawl that fetches again what the archive has (the writer stores it as
        # unchanged) than crawlers waiting for a writer that is not started yet.
        click.echo(
            f"libya-archive crawl: no writer published what the archive knows within "
            f"{project.QUEUE_WORKER_TIMEOUT} s; crawling without it, archived pages may be "
            "fetched again (start `libya-archive store --queue URL`)",
            err=True,
        )
    name = distributed.crawler_name()
    warc_dir = Path(warcs or folder_for(db_path)) / name
    level = "INFO" if verbose else "WARNING"
    stats = distributed.run_worker(url, run, name, warc_dir, log_file, LOG_LEVEL=level, **settings)
    if stats.get("archive_error"):
        fail(
            f"{stats['archive_error']}: this crawler stopped; its unfinished requests go back "
            "to the queue for the others",
            EXIT_QUEUE,
        )
    say(
        f"crawler {name}: {stats.get('downloader/request_count', 0)} requests, "
        f"{stats.get('queue/items_pushed', 0)} items pushed, WARC files in {warc_dir}"
    )


def store_queue(url: str, db_path: str, until_idle: float | None, verbose: bool, say) -> list:
    """`store --queue URL`: the one writer; returns the numbers of the runs it recorded."""
    from pipelines.queue_writer import QueueTaken, QueueWriter
    from scrapers.frontier import Frontier
    from scrapers.snapshot import publish

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    redis = open_queue(url)
    frontier = Frontier(redis)

    def snapshot(run: dict) -> None:
        known = publish(
            redis, db_path, run["outlets"], run["options"].get("recheck_days"), run["id"]
        )
        say(f"run {run['id']}: storing into {db_path}; {known} known URLs published")

    writer = QueueWriter(
        redis,
        db_path,
        batch_size=2 * project.STORE_BATCH_SIZE,  # a page and its capture: two messages
        crawl_over=frontier.crawl_over,
        on_run_opened=snapshot,
        claim_seconds=project.QUEUE_WORKER_TIMEOUT,
    )
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    try:
        with archive_lock(db_path):
            try:
                open_archive(db_path).close()  # a broken archive fails here, before draining
            except ArchiveError as exc:
                fail(str(exc), EXIT_ARCHIVE)
            try:
                writer.take_queue()
            except QueueTaken as exc:
                fail(str(exc), EXIT_RUNNING)
            try:
                writer.run(until_idle, stop)
            except Exception as exc:  # noqa: BLE001 - StoreFailed, a lost Redis: stop clearly
                fail(f"{exc}: the writer stopped; the batch it was storing waits in Redis", 3)
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    drained = writer.drained
    if drained.batches:
        rate = drained.total / max(drained.seconds, 1e-9)
        say(
            f"stored {drained.total} items in {drained.batches} batches "
            f"({rate:.0f} items/s): "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(drained.items.items()))
        )
    return drained.runs


def wait_for(ready: Callable, message: str, say, timeout: float | None = None):
    """What `ready()` returns once it is truthy, polling, or None after `timeout` seconds;
    `message` said once meanwhile."""
    deadline = None if timeout is None else time.monotonic() + timeout
    said = False
    while not (found := ready()):
        if deadline is not None and time.monotonic() >= deadline:
            return None
        if not said:
            say(message)
            said = True
        time.sleep(POLL_SECONDS)
    return found


def teller(verbose: bool) -> Callable[[str], None]:
    """Progress lines for a person at a terminal (or with -v); silence under cron."""
    if verbose or sys.stderr.isatty():
        return lambda line: click.echo(line, err=True)
    return lambda line: None
