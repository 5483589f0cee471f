"""WARC and ARC files written by others, taken into the archive (`import-warc`).

wget's `--warc-file`, Heritrix, Common Crawl's CC-NEWS, a Wayback download, warcio: any
WARC or ARC file, gzipped or not, read one record at a time (memory stays flat). Each
response record that is an HTML page (2xx) goes to its outlet, by host (the registry's
homepage and `domains`) or to the one outlet named; it is copied into the archive's own
WARC store (source `import`, its record id kept, the outlet written beside it) and
archived by the steps a crawl takes (pipelines/ingest.py): relevance applies to general
outlets, and a page the archive has is an alias, a version or unchanged, as in a crawl.

Everything else is counted per file and skipped: revisits (their payload is elsewhere),
other statuses, non-HTML payloads, hosts no outlet claims, records already imported,
unreadable records and truncated ends. One bad file or record never stops the import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines.ingest import Ingest, OutletRules, capture_of, page_of
from pipelines.store import ArchiveWriter
from pipelines.urls import site_host
from pipelines.warcs import (
    OUTLET,
    ROLE,
    SOURCE,
    WAYBACK_REPLAY,
    Captured,
    Exchange,
    FileReport,
    WarcWriter,
    is_html,
    iter_records,
)

WARC_NAMES = ("*.warc", "*.warc.gz", "*.arc", "*.arc.gz")
IMPORTED_FROM = "Libya-Archive-Imported-From"
# Unclaimed hosts counted by name, for the report (a news crawl file names thousands).
MAX_HOSTS = 1000


@dataclass
class ImportReport(FileReport):
    """What one file held, beside FileReport's records, corrupt and truncated counts."""

    pages: int = 0  # HTML pages taken in
    revisits: int = 0
    other_status: int = 0
    not_html: int = 0
    unclaimed: int = 0  # of hosts no outlet claims
    not_articles: int = 0  # an outlet's pages whose URL is not one of its article URLs
    already: int = 0  # imported before
    hosts: dict[str, int] = field(default_factory=dict)  # unclaimed, a sample for the report

    @property
    def trouble(self) -> bool:
        return bool(self.corrupt or self.truncated_at is not None)


def warc_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the WARC and ARC files inside the folders named."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted({p for pattern in WARC_NAMES for p in path.rglob(pattern)})
        else:
            found.append(path)
    return found


def import_files(
    files: list[Path],
    writer: ArchiveWriter,
    store: WarcWriter,
    claim: Callable[[str], tuple[str | None, str]],
    rules: Mapping[str, OutletRules],
    workers_pool,
    progress: Callable[[int], None] | None = None,
) -> list[ImportReport]:
    """Import `files` into the archive `writer` writes, copying records into `store`.

    `claim(url)` says whose page a URL is: (outlet id, "") or (None, why not: "host" when
    no outlet claims its host, "pattern" when it is not one of the outlet's article URLs).
    """
    reports: list[ImportReport] = []
    pages = _pages(files, writer, store, claim, rules, reports, progress)
    Ingest(writer, workers_pool, rules).pages(pages)
    return reports


def _pages(files, writer, store, claim, rules, reports, progress) -> Iterator[tuple]:
    for path in files:
        report = ImportReport(str(path))
        reports.append(report)
        if not path.is_file():
            report.problems.append("no such file")
            continue
        for captured in iter_records(path, report):
            if progress:
                progress(captured.length)
            if captured.record_type == "revisit":
                report.revisits += 1
                continue
            if not (captured.status and 200 <= captured.status < 300):
                report.other_status += 1
                continue
            if not captured.body or not is_html(captured.content_type, captured.payload):
                report.not_html += 1
                continue
            _as_originally_published(captured)
            outlet, why_not = claim(captured.url)
            if why_not == "pattern":
                report.not_articles += 1
                continue
            if outlet is None or outlet not in rules:
                report.unclaimed += 1
                host = site_host(captured.url)
                if host in report.hosts or len(report.hosts) < MAX_HOSTS:
                    report.hosts[host] = report.hosts.get(host, 0) + 1
                continue
            if _imported(writer, captured.record_id):
                report.already += 1
                continue
            written = store.write(
                Exchange(
                    url=captured.url,
                    status=captured.status,
                    response_headers=captured.http_headers,
                    body=captured.body,
                    fetched=datetime.fromisoformat(captured.date),
                    facts={
                        OUTLET: outlet,
                        ROLE: "article",
                        SOURCE: "import",
                        IMPORTED_FROM: path.name,
                        **{k: v for k, v in captured.fields.items() if k == WAYBACK_REPLAY},
                    },
                    record_id=captured.record_id or None,
                )
            )
            captured.offset, captured.length = written.offset, written.length
            captured.payload_digest = written.payload_digest
            report.pages += 1
            yield (
                page_of(captured, outlet, rules[outlet].scope),
                [capture_of(captured, written.warc_file, outlet, "article", "import")],
            )


# A page saved from a Wayback Machine's replay: /web/<14-digit time>[id_]/<original URL>.
REPLAY_URL = re.compile(r"^https?://[^/]+/web/(\d{14})(?:[a-z]{2}_)?/(https?://.+)$")


def _as_originally_published(captured: Captured) -> None:
    """A Wayback download names the replay, not the page: its URL becomes the original's,
    and its time the time the Wayback Machine captured it (the replay kept in a field)."""
    match = REPLAY_URL.match(captured.url)
    if not match:
        return
    stamp, original = match.groups()
    captured.fields[WAYBACK_REPLAY] = captured.url
    captured.url = original
    captured.date = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()


def _imported(writer: ArchiveWriter, record_id: str) -> bool:
    """Whether the record is in the archive already (committed, or in the open batch)."""
    if any(getattr(item, "record_id", None) == record_id for item in writer.buffer):
        return True
    row = writer.db.execute("SELECT 1 FROM captures WHERE record_id = ?", (record_id,))
    return row.fetchone() is not None
