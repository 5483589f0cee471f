"""What the commands share: the common options, the exit codes, and failing clearly."""

from __future__ import annotations

import sys
from contextlib import closing, nullcontext
from pathlib import Path

import click

from pipelines.archive import open_archive
from scrapers.registry import DEFAULT_REGISTRY, RegistryError, load_outlets, select_outlets

DEFAULT_DB = "archive.db"

# Exit codes cron can tell apart.
EXIT_TROUBLE = 1  # the crawl ran, but an outlet gave no answer at all
EXIT_REGISTRY = 2
EXIT_ARCHIVE = 3
EXIT_RUNNING = 4  # another crawl holds the archive
EXIT_STALE = 5  # status: an outlet has yielded nothing for too long

outlets_option = click.option(
    "--outlets",
    "outlets_file",
    default=str(DEFAULT_REGISTRY),
    show_default="the registry shipped with libya-archive",
    type=click.Path(dir_okay=False),
    help="The outlet registry.",
)
db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive file (SQLite).",
)
warcs_option = click.option(
    "--warcs",
    type=click.Path(file_okay=False),
    help="The WARC store (default: the folder beside the archive, ARCHIVE.warcs).",
)


def fail(message: str, code: int):
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(code)


def load(outlets_file: str, outlet_ids: tuple[str, ...], text: str | None = None):
    try:
        return select_outlets(load_outlets(outlets_file, text=text), outlet_ids)
    except RegistryError as exc:
        fail(f"{exc}\nNothing was fetched, read or written.", EXIT_REGISTRY)


def outlet_rules(registry, archive: str | Path | None = None) -> tuple[list[dict], dict]:
    """The outlets rows and the steps' rules: the archive's own `outlets` table (what the
    crawls that filled it knew), overlaid by the registry (what is known today)."""
    from pipelines.ingest import OutletRules  # the extractor's import: not for every command

    rows: dict[str, dict] = {}
    if archive and Path(archive).exists():
        with closing(open_archive(archive, readonly=True)) as db:
            rows = {row["id"]: row for row in db.query("SELECT * FROM outlets")}
    rows.update({o.id: o.as_row() for o in registry})
    selectors = {o.id: o.extract for o in registry}
    rules = {
        outlet: OutletRules(row.get("scope") or "libya", selectors.get(outlet, {}))
        for outlet, row in rows.items()
    }
    return list(rows.values()), rules


def progress_bar(length: int, label: str):
    """A progress bar on a terminal; nothing under cron or in a pipe."""
    if not sys.stderr.isatty() or not length:
        return nullcontext(None)
    return click.progressbar(length=length, label=label, file=sys.stderr)
