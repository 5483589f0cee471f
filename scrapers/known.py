"""What the archive already knows, so a crawl fetches only what it has not got.

Asked URL by URL, read-only (spiders never write the archive): is it the URL of an archived
article, and when was it last seen; was it judged not about Libya. An archived article is
fetched again only when its entry point says it changed since (a sitemap's lastmod, an Atom
entry's updated) or when it was published within the last `recheck_days` days, so that
edits to recent articles are caught.

A page whose last fetch failed for good (gone, not HTML, not an article, too large, a
redirect that is not followed) rests for `FAILED_REST_DAYS` before it is tried again, unless
its entry point says it changed since; a failure that may pass (a server error, a timeout,
a refused connection) is tried again on the next run.

Asked, not loaded: reading every known URL into a dict at the start took memory and time in
proportion to the archive (about 200 bytes a URL), which a crawl run from cron for years
cannot afford. A lookup is one primary-key probe, about 10 microseconds.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.timestamps import as_utc, now

FAILED_REST_DAYS = 7
NEVER = datetime.min.replace(tzinfo=UTC)  # a stamp that cannot be read
# fetch_errors kinds (scrapers/spiders/outlets.py, pipelines/outcomes.py) that fetching again
# soon would not change; HTTP statuses likewise (3xx here: a redirect that is not followed).
LASTING_FAILURES = ("no-article", "not-html", "too-large", "redirect", "robots")
LASTING_STATUSES = (301, 302, 303, 307, 308, 404, 410)


class ArchiveMemory:
    """The archive's memory for some outlets; knows nothing for a new or missing archive."""

    def __init__(
        self,
        archive_path: str | None = None,
        outlet_ids: list[str] | tuple[str, ...] = (),
        recheck_days: float | None = None,
    ):
        self.conn: sqlite3.Connection | None = None
        self.outlet_ids = list(outlet_ids)
        # Articles published since `recent` are not "known": they are fetched again for edits.
        self.recent = "9999-12-31"
        if recheck_days is not None:
            self.recent = (now() - timedelta(days=recheck_days)).date().isoformat()
        if archive_path and Path(archive_path).exists() and self.outlet_ids:
            self.conn = sqlite3.connect(f"file:{archive_path}?mode=ro", uri=True)
            self.conn.execute("PRAGMA busy_timeout = 10000")
            marks = ",".join("?" * len(self.outlet_ids))
            self._archived_sql = (
                "SELECT u.last_seen FROM article_urls u JOIN articles a ON a.id = u.article_id "
                f"WHERE u.url = ? AND a.outlet IN ({marks}) "
                "AND coalesce(a.published_date, '0000-00-00') < ?"
            )
            self._rejected_sql = (
                f"SELECT 1 FROM rejected_urls WHERE url = ? AND outlet IN ({marks})"
            )
            self._failed_sql = (
                f"SELECT max(time) FROM fetch_errors WHERE url = ? AND outlet IN ({marks}) "
                f"AND time >= ? AND (kind IN ({','.join('?' * len(LASTING_FAILURES))}) "
                f"OR (kind = 'http' AND status IN ({','.join('?' * len(LASTING_STATUSES))})))"
            )
            rested = now() - timedelta(days=FAILED_REST_DAYS)
            self._failed_params = (
                *self.outlet_ids,
                rested.isoformat(timespec="seconds"),
                *LASTING_FAILURES,
                *LASTING_STATUSES,
            )

    def skip_reason(self, url: str, changed: str | None = None) -> str | None:
        """Why `url` need not be fetched ("archived", "rejected", "failed"), or None to
        fetch it."""
        if self.conn is None:
            return None
        try:
            if self.conn.execute(self._rejected_sql, (url, *self.outlet_ids)).fetchone():
                return "rejected"
            (last_seen,) = self.conn.execute(
                self._archived_sql, (url, *self.outlet_ids, self.recent)
            ).fetchone() or (None,)
            if last_seen is not None:
                reason, since = "archived", last_seen
            else:
                reason = "failed"
                (since,) = self.conn.execute(
                    self._failed_sql, (url, *self._failed_params)
                ).fetchone()
        except sqlite3.OperationalError:
            return None  # an archive from before these tables: nothing known yet
        if since is None:
            return None
        if changed and (as_utc(changed) or NEVER) > (as_utc(since) or NEVER):
            return None  # the entry point says it changed since
        return reason

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
