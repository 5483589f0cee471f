"""A fresh archive from the WARC store alone: the archive as a view of its captures.

Every record of the store is read in the order it was captured (files by name, records by
offset), indexed in the new archive's `captures`, and each article page among them (a 2xx
HTML response the crawl fetched as an article, or a revisit of one) goes through the
steps a crawl takes (pipelines/ingest.py) at the time it was captured. So the new archive
has the same articles, URLs, versions and clusters as the one the crawls built.

What the records cannot give back: the runs (`crawl_runs`: the rebuild is one run of its
own, and each article's `crawl_run` is it), the failures that left no response
(`fetch_errors`: timeouts, refused connections, robots.txt), and the order of two pages of
one outlet with the same text that a crawl extracted in another order than it fetched them
(which of the two URLs names the article; both are its URLs either way). The old URLs
of redirects come back from the records that keep them (a backfill's redirect captures).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.archive import open_archive
from pipelines.ingest import Ingest, OutletRules, capture_of, page_of
from pipelines.items import ArticlePage
from pipelines.store import ArchiveWriter, keep_old_urls
from pipelines.urls import url_spellings
from pipelines.warcs import (
    OPEN_SUFFIX,
    OUTLET,
    REDIRECT_TO,
    ROLE,
    SUFFIX,
    FileReport,
    folder_for,
    is_html,
    iter_records,
    read_record,
)
from pipelines.workers import ExtractionPool

# The run's start in a store file's name, `<prefix>-<YYYYmmddHHMMSS>-<pid>-<n>.warc.gz`.
STARTED = re.compile(r"(?<=-)\d{14}(?=-\d+-\d+\.)")


@dataclass
class RebuildReport:
    files: list[FileReport] = field(default_factory=list)
    records: int = 0
    pages: int = 0
    unknown_outlets: set[str] = field(default_factory=set)  # in the records, not the registry
    # Redirects kept as records of their own: (old URL, its target's spellings).
    redirects: list[tuple[str, list[str]]] = field(default_factory=list)


def store_files(folder: str | Path) -> list[Path]:
    """The WARC files of a store, in the order they were written: its own, and those of
    the crawlers of a distributed crawl, each in a folder of its own (a file's name starts
    with its run's start time, so the order holds across folders)."""
    folder = Path(folder)
    return sorted(
        [*folder.rglob(f"*{SUFFIX}"), *folder.rglob(f"*{SUFFIX}{OPEN_SUFFIX}")],
        key=lambda p: (_started(p.name), p.name),
    )


def _started(name: str) -> str:
    """The UTC start time in a store file's name (`<prefix>-<UTC start>-<pid>-<n>`)."""
    found = STARTED.search(name)
    return found.group() if found else name


def store_name(folder: Path, path: Path) -> str:
    """A file's name as captures.warc_file gives it: its path in the store, final."""
    return path.relative_to(folder).as_posix().removesuffix(OPEN_SUFFIX)


def rebuild(
    source: str | Path,
    target: str | Path,
    rules: Mapping[str, OutletRules],
    outlet_rows: list[dict],
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Build the archive `target` (a new file) from the WARC store folder `source`.

    The new archive's own store (`<target>.warcs/`) holds the same files, hard-linked
    (copied where links cannot be made), so it is complete without the old one.
    """
    target_folder = folder_for(target)
    target_folder.mkdir(parents=True, exist_ok=True)
    files = store_files(source)
    names = {path: store_name(Path(source), path) for path in files}
    for path, name in names.items():
        _link(path, target_folder / name)
    report = RebuildReport()
    writer = ArchiveWriter(target)
    writer.open(outlet_rows, source="rebuild")
    pool = ExtractionPool(workers)
    pool.start()
    with tempfile.TemporaryDirectory() as scratch:
        locations = _Locations(Path(scratch) / "locations.db")
        pages = _pages(names, target_folder, writer, rules, locations, report, progress)
        try:
            Ingest(writer, pool, rules).pages(pages)
        finally:
            pool.close()
            locations.close()
    writer.finish()
    if report.redirects:  # their targets are all archived now
        with closing(open_archive(target)) as db, db.atomic():
            keep_old_urls(db, report.redirects)
    return report


def _pages(
    files: dict[Path, str],
    folder: Path,
    writer: ArchiveWriter,
    rules: Mapping[str, OutletRules],
    locations: _Locations,
    report: RebuildReport,
    progress: Callable[[int], None] | None,
) -> Iterator[ArticlePage]:
    for path, name in files.items():
        file_report = FileReport(str(path))
        report.files.append(file_report)
        for captured in iter_records(folder / name, file_report):
            report.records += 1
            writer.add(capture_of(captured, name))
            if captured.record_type == "response":
                locations.add(captured.record_id, name, captured.offset, captured.length)
            if progress:
                progress(captured.length)
            outlet = captured.fields.get(OUTLET)
            if captured.fields.get(REDIRECT_TO):
                report.redirects.append((captured.url, url_spellings(captured.fields[REDIRECT_TO])))
            if captured.fields.get(ROLE) != "article" or not outlet:
                continue
            if outlet not in rules:
                report.unknown_outlets.add(outlet)
                continue
            if not (captured.status and 200 <= captured.status < 300):
                continue
            payload = None
            if captured.record_type == "revisit":
                original = locations.find(captured.refers_to)
                if original is None:
                    continue  # its original is not in the store
                payload = read_record(folder, *original).payload
            if not is_html(captured.content_type, captured.payload if payload is None else payload):
                continue
            report.pages += 1
            yield page_of(captured, outlet, rules[outlet].scope, payload)


class _Locations:
    """Where each response record is, by record id: on disk, so memory stays flat."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("CREATE TABLE at (record_id PRIMARY KEY, file, offset, length)")

    def add(self, record_id: str, name: str, offset: int, length: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO at VALUES (?, ?, ?, ?)", (record_id, name, offset, length)
        )

    def find(self, record_id: str | None) -> tuple[str, int, int] | None:
        row = self.conn.execute(
            "SELECT file, offset, length FROM at WHERE record_id = ?", (record_id,)
        ).fetchone()
        return tuple(row) if row else None

    def close(self) -> None:
        self.conn.close()


def _link(source: Path, target: Path) -> None:
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
