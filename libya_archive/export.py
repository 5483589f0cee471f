"""Export articles as CSV or JSON Lines, streamed row by row so memory stays flat."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

import sqlite_utils

from libya_archive.search import fts_query
from pipelines.archive import article_filter

# The exported columns, in the order a spreadsheet shows them; documented in the README.
COLUMNS = (
    "id",
    "url",
    "outlet",
    "title",
    "byline",
    "authors",
    "published",
    "published_date",
    "modified",
    "language",
    "word_count",
    "relevance",
    "libya_terms",
    "entities",
    "description",
    "tags",
    "image",
    "text",
    "first_seen",
    "last_seen",
    "last_changed",
)
JSON_COLUMNS = ("authors", "tags", "libya_terms", "entities")


@dataclass
class Selection:
    """Which articles to export; every part left empty means "any"."""

    outlets: Sequence[str] = field(default_factory=tuple)
    languages: Sequence[str] = field(default_factory=tuple)
    since: str | None = None  # YYYY-MM-DD, inclusive, the publisher's date
    until: str | None = None  # YYYY-MM-DD, inclusive
    search: str | None = None  # words, as in Datasette's search box (folded the same way)
    entities: Sequence[str] = field(default_factory=tuple)  # ids: articles naming any of them

    def where(self) -> tuple[str, list]:
        """The SQL WHERE clause and its parameters."""
        clauses, params = article_filter(self.outlets, self.languages, self.since, self.until)
        if self.search:
            clauses.append("id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(fts_query(self.search))
        if self.entities:
            marks = ", ".join("?" * len(self.entities))
            clauses.append(
                f"id IN (SELECT article_id FROM article_entities WHERE entity_id IN ({marks}))"
            )
            params.extend(self.entities)
        return " AND ".join(clauses), params


@contextmanager
def open_output(path: str, bom: bool = False) -> Iterator[TextIO]:
    """A text stream to `path` ("-": standard output) for `write`: UTF-8 whatever the locale
    (cron's is often C), line ends left to the CSV module (CRLF, as spreadsheets expect), and
    with `bom` a byte order mark first, without which Excel reads UTF-8 as a legacy code page
    and garbles Arabic."""
    encoding = "utf-8-sig" if bom else "utf-8"
    if path != "-":
        with open(path, "w", encoding=encoding, newline="") as handle:
            yield handle
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # standard output stays open


def count(db: sqlite_utils.Database, selection: Selection) -> int:
    """How many articles `selection` holds."""
    where, params = selection.where()
    return db.execute(f"SELECT count(*) FROM articles WHERE {where}", params).fetchone()[0]


def write(
    db: sqlite_utils.Database,
    out: TextIO,
    fmt: str,
    selection: Selection | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the selected articles (default: all) to `out` in `fmt` ("csv" or "jsonl"),
    newest first; call `progress(n)` after every n rows; return the row count."""
    where, params = (selection or Selection()).where()
    # published_order is unique: the same order as Datasette's newest first.
    rows = db.query(
        f"SELECT {', '.join(COLUMNS)} FROM articles WHERE {where} ORDER BY published_order DESC",
        params,
    )
    written = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        emit = writer.writerow
    else:

        def emit(row: dict) -> None:
            for name in JSON_COLUMNS:
                row[name] = json.loads(row[name]) if row[name] else []
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    for row in rows:
        emit(row)
        written += 1
        if progress and written % 1000 == 0:
            progress(1000)
    if progress:
        progress(written % 1000)
    return written
