"""Export articles as CSV or JSON Lines, streamed row by row so memory stays flat."""

from __future__ import annotations

import csv
import json
from typing import TextIO

import sqlite_utils

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
    "description",
    "tags",
    "image",
    "text",
    "first_seen",
    "last_seen",
    "last_changed",
)
JSON_COLUMNS = ("authors", "tags", "libya_terms")


def write(db: sqlite_utils.Database, out: TextIO, fmt: str) -> int:
    """Write every article to `out` in `fmt` ("csv" or "jsonl"); return the row count."""
    rows = db.query(
        f"SELECT {', '.join(COLUMNS)} FROM articles ORDER BY published_date DESC, id DESC"
    )
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    else:
        for row in rows:
            for name in JSON_COLUMNS:
                row[name] = json.loads(row[name]) if row[name] else []
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
