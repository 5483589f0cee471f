"""What the archive already knows, so a crawl fetches only what it has not got.

Read once at the start of a crawl, read-only (spiders never write the archive): the URLs of
archived articles with the time they were last seen, and the URLs judged not about Libya.
An archived article is fetched again only when its entry point says it changed since (a
sitemap's lastmod, an Atom entry's updated) or when it was published within the last
`recheck_days` days, so that edits to recent articles are caught.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path


@dataclass
class ArchiveMemory:
    archived: dict[str, str] = field(default_factory=dict)  # url -> last_seen (ISO, UTC)
    rejected: set[str] = field(default_factory=set)

    def skip_reason(self, url: str, changed: str | None = None) -> str | None:
        """Why `url` need not be fetched ("archived", "rejected"), or None to fetch it."""
        if url in self.rejected:
            return "rejected"
        last_seen = self.archived.get(url)
        if last_seen is None:
            return None
        if changed and _as_utc(changed) > _as_utc(last_seen):
            return None  # the entry point says it changed since we last saw it
        return "archived"


def read_memory(
    archive_path: str | None, outlet_ids: list[str], recheck_days: float | None = None
) -> ArchiveMemory:
    """The archive's memory for these outlets; empty for a new or missing archive."""
    memory = ArchiveMemory()
    if not archive_path or not Path(archive_path).exists() or not outlet_ids:
        return memory
    marks = ",".join("?" * len(outlet_ids))
    # Articles published since `recent` are not "known": they are fetched again for edits.
    recent = "9999-12-31"
    if recheck_days is not None:
        recent = (datetime.now(UTC) - timedelta(days=recheck_days)).date().isoformat()
    try:
        with closing(sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)) as conn:
            memory.archived = dict(
                conn.execute(
                    "SELECT u.url, u.last_seen FROM article_urls u JOIN articles a "
                    f"ON a.id = u.article_id WHERE a.outlet IN ({marks}) "
                    "AND coalesce(a.published_date, '0000-00-00') < ?",
                    [*outlet_ids, recent],
                )
            )
            memory.rejected = {
                url
                for (url,) in conn.execute(
                    f"SELECT url FROM rejected_urls WHERE outlet IN ({marks})", outlet_ids
                )
            }
    except sqlite3.OperationalError:
        pass  # an archive from before these tables: nothing known yet
    return memory


def _as_utc(stamp: str) -> datetime:
    """An ISO 8601 stamp as an aware UTC datetime (a bare day or a naive time read as UTC)."""
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
