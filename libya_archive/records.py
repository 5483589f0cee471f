"""The commands over the WARC store: reextract, rebuild, import-warc.

The captured bytes are the archive's source of truth; these read them (or others' WARC
files) and archive what they hold by the steps a crawl takes. At a terminal each shows a
progress bar and a summary; under cron each is quiet unless something went wrong.
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
    EXIT_REGISTRY,
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

workers_option = click.option(
    "--workers",
    type=int,
    default=os.cpu_count() or 1,
    show_default="one per core",
    help="Extraction worker processes.",
)


def _check_archive(db_path: str) -> None:
    try:
        open_archive(db_path, readonly=True).close()
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)


@click.command()
@db_option
@outlets_option
@warcs_option
@click.option(
    "--outlet", "outlet_ids", multiple=True, metavar="ID", help="Only this outlet (repeatable)."
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before this day.")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Read again also the articles today's extractor has read already.",
)
@workers_option
def reextract(db_path, outlets_file, warcs, outlet_ids, since, until, everything, workers):
    """Run today's extraction, relevance and dedup over the stored captures.

    Each article (of the outlets and publication days given) is read again from its latest
    capture in the WARC store, in worker processes; what differs is updated as a crawl
    would (a changed text keeps the old one as a version; search and clusters follow), and
    the article records the extractor_version that read it. Articles already read by
    today's extractor are left alone, so running it twice changes nothing.

    Example:

        libya-archive reextract --outlet libya-observer --since 2023-09-01
    """
    from pipelines import reextract as rereading
    from pipelines.warcs import folder_for

    _check_archive(db_path)
    registry = load(outlets_file, ())
    rows, rules = outlet_rules(registry, db_path)
    selected = tuple(outlet_ids)
    unknown = [o for o in selected if o not in rules]
    if unknown:
        fail(f"unknown outlet id(s): {', '.join(unknown)}", EXIT_REGISTRY)
    selection = rereading.Selection(
        outlets=selected,
        since=since and since.strftime("%Y-%m-%d"),
        until=until and until.strftime("%Y-%m-%d"),
        everything=everything,
    )
    folder = warcs or folder_for(db_path)
    try:
        with archive_lock(db_path):
            total = rereading.count(db_path, selection)
            with progress_bar(total, "Re-extracting") as bar:
                report = rereading.reextract(
                    db_path,
                    folder,
                    rules,
                    [row for row in rows if not selected or row["id"] in selected],
                    selection,
                    workers,
                    bar.update if bar else None,
                )
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    if sys.stderr.isatty() or report.no_capture:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.counts.items()) if n)
        click.echo(
            f"{report.selected} articles selected, {report.read} read again from their "
            f"captures{': ' + counts if counts else ''}",
            err=True,
        )
        if report.no_capture:
            click.echo(
                f"{report.no_capture} articles have no capture to read (archived before raw "
                "capture, or their outlet is not in the registry): left as they are",
                err=True,
            )


@click.command()
@click.option(
    "--from",
    "source_db",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive whose WARC store is read (its folder beside it, unless --warcs).",
)
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The new archive to build (must not exist).",
)
@outlets_option
@warcs_option
@workers_option
def rebuild(source_db, db_path, outlets_file, warcs, workers):
    """Build a fresh archive from the WARC store alone.

    Reads every record of the store in the order it was captured and archives each
    article page as the crawl did: the new archive has the same articles, URLs, versions
    and clusters. It cannot give back what the records do not hold: the crawl runs
    (crawl_runs) and the failures that left no response (fetch_errors). The new archive's
    store holds the same WARC files (hard-linked where the file system allows).

    Example:

        libya-archive rebuild --from archive.db --db rebuilt.db
    """
    from pipelines.rebuild import rebuild as rebuild_archive
    from pipelines.rebuild import store_files
    from pipelines.warcs import folder_for

    source = Path(warcs) if warcs else folder_for(source_db)
    if not source.is_dir():
        fail(f"{source}: no WARC store there (crawl first, or give --warcs)", EXIT_ARCHIVE)
    if Path(db_path).exists():
        fail(f"{db_path}: exists already; rebuild writes a new archive", EXIT_ARCHIVE)
    rows, rules = outlet_rules(load(outlets_file, ()), source_db)
    try:
        with archive_lock(db_path):
            total = sum(path.stat().st_size for path in store_files(source))
            with progress_bar(total, "Rebuilding") as bar:
                report = rebuild_archive(
                    source,
                    db_path,
                    rules,
                    rows,
                    workers,
                    bar.update if bar else None,
                )
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    troubled = [f for f in report.files if f.problems]
    for file_report in troubled:
        for problem in file_report.problems:
            click.echo(f"{file_report.path}: {problem}", err=True)
    if report.unknown_outlets:
        click.echo(
            f"records of outlets not in the registry, not archived: "
            f"{', '.join(sorted(report.unknown_outlets))}",
            err=True,
        )
    if sys.stderr.isatty():
        with closing(open_archive(db_path, readonly=True)) as db:
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        click.echo(
            f"{report.records} records in {len(report.files)} files, {report.pages} article "
            f"pages: {articles} articles in {db_path}",
            err=True,
        )
    if troubled:
        sys.exit(EXIT_TROUBLE)


@click.command("import-warc")
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="FILE_OR_DIR...")
@db_option
@outlets_option
@warcs_option
@click.option(
    "--outlet",
    "outlet_id",
    metavar="ID",
    help="Give every page to this outlet, whatever its host.",
)
@workers_option
def import_warc(paths, db_path, outlets_file, warcs, outlet_id, workers):
    """Take WARC and ARC files written by others into the archive.

    Reads WARC and ARC files (wget --warc-file, Heritrix, Common Crawl's CC-NEWS, Wayback
    downloads, warcio), gzipped or not, and folders of them. Each response record that is
    an HTML page goes to its outlet by host (the registry's homepage and domains), or to
    the --outlet named, is copied into the archive's WARC store, and is archived as a
    crawled page would be. Records of hosts no outlet claims, other statuses, non-HTML
    payloads, unreadable records and truncated files are counted per file and skipped;
    exits 1 when a file was unreadable in part.

    Example:

        libya-archive import-warc CC-NEWS-20230912*.warc.gz --db archive.db
    """
    from pipelines.imports import import_files, warc_files
    from pipelines.store import ArchiveWriter
    from pipelines.warcs import WarcWriter, folder_for, recover
    from pipelines.workers import ExtractionPool

    registry = load(outlets_file, ())
    if outlet_id:
        load(outlets_file, (outlet_id,))  # an unknown id fails clearly here
    rows, rules = outlet_rules(registry)
    files = warc_files(paths)
    folder = Path(warcs) if warcs else folder_for(db_path)
    try:
        open_archive(db_path).close()
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    try:
        with archive_lock(db_path):
            for message in recover(folder) if folder.exists() else []:
                click.echo(message, err=True)
            writer = ArchiveWriter(db_path)
            store = WarcWriter(folder, info={"operator": "libya-archive import-warc"})
            writer.before_commit = store.sync
            writer.open(rows, source="import")
            pool = ExtractionPool(workers)
            pool.start()
            total = sum(path.stat().st_size for path in files if path.is_file())
            try:
                with progress_bar(total, "Importing") as bar:
                    reports = import_files(
                        files,
                        writer,
                        store,
                        _claimer(registry, outlet_id),
                        rules,
                        pool,
                        bar.update if bar else None,
                    )
            finally:
                pool.close()
                writer.finish()
                store.close()
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    troubled = [r for r in reports if r.trouble or r.problems]
    for report in reports if sys.stderr.isatty() else troubled:
        click.echo(_describe(report), err=True)
    if troubled:
        sys.exit(EXIT_TROUBLE)


def _claimer(registry, only: str | None):
    """Whose page a URL is: the outlet named, or the outlet whose host it is on, when it
    is one of that outlet's article URLs (its `article_patterns`, as a crawl decides)."""

    def claim(url: str) -> tuple[str | None, str]:
        if only:
            return only, ""
        owners = [outlet for outlet in registry if outlet.owns(url)]
        # Outlets may share a host (editions, sections): the one whose patterns match.
        found = next((outlet.id for outlet in owners if outlet.is_article_url(url)), None)
        return found, "" if found else ("pattern" if owners else "host")

    return claim


def _describe(report) -> str:
    parts = [f"{report.pages} pages imported"]
    for count, what in (
        (report.already, "imported before"),
        (report.unclaimed, "of hosts no outlet claims"),
        (report.not_articles, "not article URLs of their outlet"),
        (report.not_html, "not HTML"),
        (report.other_status, "not a 2xx response"),
        (report.revisits, "revisits"),
        (report.corrupt, "unreadable, skipped"),
    ):
        if count:
            parts.append(f"{count} {what}")
    line = f"{report.path}: {report.records} records: " + ", ".join(parts)
    if report.hosts:
        top = sorted(report.hosts.items(), key=lambda item: -item[1])[:3]
        line += f" (hosts: {', '.join(f'{h} {n}' for h, n in top)})"
    for problem in report.problems:
        line += f"\n  {problem}"
    return line
