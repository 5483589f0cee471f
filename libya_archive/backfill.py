"""The `backfill` command: an outlet's past, from the Wayback Machine and its own archives.

At a terminal it shows the listing as it goes and a progress bar with the time left; under
cron it prints nothing unless something failed (then one line per failure, exit 1). Killed
at any point, the next run resumes where it stopped (scrapers/backfill.py).
"""

from __future__ import annotations

import os
import sys
from contextlib import closing
from pathlib import Path

import click

from libya_archive.lock import AlreadyRunning, archive_lock
from libya_archive.options import (
    EXIT_ARCHIVE,
    EXIT_RUNNING,
    EXIT_TROUBLE,
    db_option,
    fail,
    load,
    outlet_rules,
    outlets_option,
    progress_bar,
    warcs_option,
)
from pipelines.archive import ArchiveError, open_archive, settle
from scrapers.wayback import WAYBACK_ENV, Limits

DAY = click.DateTime(["%Y-%m-%d"])


@click.command()
@click.option(
    "--outlet", "outlet_ids", multiple=True, required=True, metavar="ID",
    help="The outlet to backfill (repeatable).",
)  # fmt: skip
@click.option("--from", "first", type=DAY, required=True, help="First publication day.")
@click.option("--to", "last", type=DAY, required=True, help="Last publication day.")
@click.option(
    "--source",
    type=click.Choice(["wayback", "site", "both"]),
    default="wayback",
    show_default=True,
    help="Where the past comes from: the Wayback Machine, the outlet's own archives, or both.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Fetch at most N captures this run.")
@click.option(
    "--wayback-url",
    envvar=WAYBACK_ENV,
    show_envvar=True,
    help="The Wayback Machine to ask (default: the Internet Archive's).",
)
@click.option(
    "--cdx-per-minute",
    type=click.FloatRange(min=0.1),
    default=Limits.cdx_per_minute,
    show_default=True,
    help="CDX listing requests a minute (the Internet Archive allows about 15).",
)
@click.option(
    "--replays-per-second",
    type=click.FloatRange(min=0.01),
    default=Limits.replays_per_second,
    show_default=True,
    help="Captures fetched a second (the Internet Archive allows a few).",
)
@click.option(
    "--cdx-page-size",
    type=click.IntRange(min=1),
    default=Limits.page_size,
    show_default=True,
    help="Captures per CDX listing request.",
)
@click.option(
    "--lag-days",
    type=click.IntRange(min=0),
    default=365,
    show_default=True,
    help="How long after --to a page first captured may still be of the range.",
)
@db_option
@outlets_option
@warcs_option
@click.option(
    "--workers",
    type=int,
    default=os.cpu_count() or 1,
    show_default="one per core",
    help="Extraction worker processes.",
)
def backfill(
    outlet_ids,
    first,
    last,
    source,
    limit,
    wayback_url,
    cdx_per_minute,
    replays_per_second,
    cdx_page_size,
    lag_days,
    db_path,
    outlets_file,
    warcs,
    workers,
):
    """Archive an outlet's articles of the past, from the Wayback Machine.

    Lists the Wayback's captures of the outlet's hosts (the earliest capture of each of its
    article URLs), fetches each as first captured, follows redirect captures to their
    target, and archives the pages as a crawl would, with the original URL and the page's
    own date (a page without one keeps its earliest capture time as an upper bound).
    Error captures and pages that are not HTML are recorded and skipped. Within the
    Wayback's rate limits, pausing as it asks; killed, the next run resumes where it
    stopped and fetches no capture twice.

    Example:

        libya-archive backfill --outlet libya-herald --from 2014-05-01 --to 2014-12-31
    """
    if first > last:
        raise click.UsageError("--from is after --to")
    if wayback_url and not wayback_url.startswith(("http://", "https://")):
        raise click.UsageError(f"--wayback-url {wayback_url!r}: expected an http(s) address")
    selected = load(outlets_file, outlet_ids)
    try:
        open_archive(db_path).close()
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    limits = Limits(
        cdx_per_minute=cdx_per_minute,
        replays_per_second=replays_per_second,
        page_size=cdx_page_size,
    )
    failures: list[str] = []
    try:
        with archive_lock(db_path):
            if source in ("wayback", "both"):
                failures += _wayback(
                    selected, db_path, outlets_file, warcs, first.date(), last.date(),
                    lag_days, limit, wayback_url, limits, workers,
                )  # fmt: skip
            if source in ("site", "both"):
                failures += _site(selected, db_path, warcs, first.date(), last.date(), limit)
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    for failure in failures:
        click.echo(failure, err=True)
    if failures:
        sys.exit(EXIT_TROUBLE)


def _wayback(
    selected, db_path, outlets_file, warcs, first, last, lag_days, limit, base, limits, workers
) -> list[str]:
    from pipelines.store import ArchiveWriter
    from pipelines.warcs import WarcWriter, folder_for, recover
    from pipelines.workers import ExtractionPool
    from scrapers.backfill import WaybackBackfill, Window, finish_queue
    from scrapers.wayback import WaybackClient

    at_terminal = sys.stderr.isatty()
    folder = Path(warcs) if warcs else folder_for(db_path)
    for message in recover(folder) if folder.exists() else []:
        click.echo(message, err=True)
    _, rules = outlet_rules(load(outlets_file, ()), db_path)
    writer = ArchiveWriter(db_path)
    store = WarcWriter(folder, prefix="libya-archive-wayback", info={"operator": "backfill"})
    writer.open([outlet.as_row() for outlet in selected], source="wayback")
    client = WaybackClient(base, limits)
    job = WaybackBackfill(
        writer, store, client, selected, rules, Window(first, last, lag_days), limit,
        say=(lambda line: click.echo(line, err=True)) if at_terminal else (lambda line: None),
    )  # fmt: skip
    pool = ExtractionPool(workers)
    try:
        job.list_all()
        total = job.pending() if limit is None else min(limit, job.pending())
        pool.start()
        with progress_bar(total, "Fetching captures") as bar:
            job.archive(pool, bar.update if bar else None)
    finally:
        pool.close()
        job.close()
        writer.finish({o.id: {"errors": len(job.report.failures)} for o in selected})
        store.close()
    report = job.report
    report.pending = finish_queue(db_path, [o.id for o in selected])
    report.pauses = client.pauses
    if at_terminal:
        with closing(open_archive(db_path, readonly=True)) as db:
            new = db.execute(
                "SELECT coalesce(sum(articles_new), 0) FROM crawl_runs WHERE run = ?",
                (writer.run,),
            ).fetchone()[0]
        click.echo(describe(report, new), err=True)
    return report.failures


def describe(report, new_articles: int) -> str:
    lines = [
        f"{report.listed} captures listed ({report.not_articles} not article URLs); "
        f"{report.fetched} replays fetched, {report.resumed} pages read back from the store; "
        f"{new_articles} new articles; {report.pending} captures left for a later run"
    ]
    if report.old_urls:
        lines.append(f"  {report.old_urls} redirects to pages archived: their old URLs kept")
    if report.pauses:
        lines.append(f"  the Wayback asked to slow down or failed {report.pauses} times")
    for reason, count in report.skipped.most_common():
        lines.append(f"  skipped {count}: {reason}")
    return "\n".join(lines)


def _site(selected, db_path, warcs, first, last, limit) -> list[str]:
    """A crawl of the outlets' own past: their `archives:` pages (by year, month, day or
    page) and their sitemaps, for the pages published in the window (scrapers/spiders)."""
    from scrapers.crawl import run_crawl  # imports Twisted: only when it crawls

    settings = {"RUN_SOURCE": "backfill", "LOG_LEVEL": "WARNING"}
    if warcs:
        settings["WARC_DIR"] = warcs
    if limit:
        settings["OUTLET_REQUEST_BUDGET"] = limit
    window = {"window": (first.isoformat(), last.isoformat())}
    stats = run_crawl(selected, db_path, window, **settings)
    if stats.get("archive_error"):
        return [f"{stats['archive_error']}: the backfill stopped; what was committed is intact"]
    return []
