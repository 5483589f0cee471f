"""What the archive knows, published by the writer for crawlers on other machines.

A crawler of a distributed crawl has no archive to read: the archive is on the writer's
machine, and SQLite wants no second party on it. So the writer, when it opens a run,
publishes in Redis what `ArchiveMemory` (scrapers/known.py) would answer for the run's
outlets, one field per URL: `archived <last_seen>`, `rejected`, or `failed <time>`. A
crawler asks one URL at a time (one HGET, ~50 microseconds on the same machine), as
ArchiveMemory asks SQLite; nothing is loaded into its memory.

The snapshot is made once per run, before any crawler starts (crawlers wait for it): within
the run, the shared duplicate filter already keeps a page from being fetched twice, so
what the run itself stores need not be published. It is built under a scratch key and
renamed into place, so a crawler never reads half of one. Its cost grows with the
archive: about a second and 150 bytes of Redis memory per 10,000 URLs known.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from pipelines.queue_items import KNOWN, KNOWN_RUN
from pipelines.timestamps import as_utc, now
from scrapers.known import FAILED_REST_DAYS, LASTING_FAILURES, LASTING_STATUSES, NEVER

CHUNK = 5000  # fields per HSET: few round trips, no huge command


def publish(
    redis,
    archive_path: str | Path,
    outlet_ids: Iterable[str],
    recheck_days: float | None,
    run_id: str,
) -> int:
    """Publish what the archive knows of the URLs of `outlet_ids` for the run `run_id`;
    return the number of URLs published."""
    scratch = f"{KNOWN}:building"
    redis.delete(scratch)
    count = 0
    if Path(archive_path).exists():
        with closing(sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)) as conn:
            conn.execute("PRAGMA busy_timeout = 10000")
            for chunk in _chunks(_facts(conn, list(outlet_ids), recheck_days)):
                redis.hset(scratch, mapping=chunk)
                count += len(chunk)
    pipe = redis.pipeline(transaction=True)
    if count:
        pipe.rename(scratch, KNOWN)
    else:
        pipe.delete(KNOWN)
    pipe.set(KNOWN_RUN, run_id)
    pipe.execute()
    return count


def _facts(
    conn: sqlite3.Connection, outlets: list[str], recheck_days: float | None
) -> Iterator[tuple[str, str]]:
    """(URL, what is known) in the order ArchiveMemory lets one answer win over another:
    a later pair for the same URL replaces an earlier one (rejected over archived over
    failed)."""
    if not outlets:
        return
    marks = ",".join("?" * len(outlets))
    rested = (now() - timedelta(days=FAILED_REST_DAYS)).isoformat(timespec="seconds")
    recent = "9999-12-31"
    if recheck_days is not None:
        recent = (now() - timedelta(days=recheck_days)).date().isoformat()
    queries = (
        (
            "failed",
            f"SELECT url, max(time) FROM fetch_errors WHERE outlet IN ({marks}) AND time >= ? "
            f"AND (kind IN ({','.join('?' * len(LASTING_FAILURES))}) OR (kind = 'http' AND "
            f"status IN ({','.join('?' * len(LASTING_STATUSES))}))) GROUP BY url",
            (*outlets, rested, *LASTING_FAILURES, *LASTING_STATUSES),
        ),
        (
            "archived",
            "SELECT u.url, u.last_seen FROM article_urls u JOIN articles a ON a.id = u.article_id "
            f"WHERE a.outlet IN ({marks}) AND coalesce(a.published_date, '0000-00-00') < ?",
            (*outlets, recent),
        ),
        ("rejected", f"SELECT url, '' FROM rejected_urls WHERE outlet IN ({marks})", outlets),
    )
    for reason, sql, params in queries:
        try:
            rows = conn.execute(sql, params)
        except sqlite3.OperationalError:
            continue  # an archive from before this table: nothing known of this kind
        for url, since in rows:
            yield url, f"{reason} {since or ''}".rstrip()


def _chunks(pairs: Iterator[tuple[str, str]]) -> Iterator[dict[str, str]]:
    chunk: dict[str, str] = {}
    for url, fact in pairs:
        chunk[url] = fact
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = {}
    if chunk:
        yield chunk


class SnapshotMemory:
    """ArchiveMemory's answers for a crawler, from the snapshot the writer published."""

    def __init__(self, redis):
        self.redis = redis

    def skip_reason(self, url: str, changed: str | None = None) -> str | None:
        """Why `url` need not be fetched ("archived", "rejected", "failed"), or None to
        fetch it; as `ArchiveMemory.skip_reason`."""
        fact = self.redis.hget(KNOWN, url)
        if fact is None:
            return None
        reason, _, since = fact.decode("utf-8").partition(" ")
        if reason == "rejected":
            return reason
        if changed and (as_utc(changed) or NEVER) > (as_utc(since) or NEVER):
            return None  # the entry point says it changed since
        return reason

    def close(self) -> None:
        self.redis.close()
