"""What a crawl has seen so far, kept on disk in its job folder rather than in memory.

A crawl of a site of 20,000 pages, or of a sitemap of a million, must not hold a Python
object per URL for the whole run: its memory would grow with the site (bench/crawl_scale.py).
The job folder is emptied before and removed after each run (scrapers/crawl.py), so these
files need no durability: nothing is synced.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir


class SeenOnce:
    """A set of keys (text or bytes) for one run, in `<folder>/<name>.db`; in memory when
    there is no folder (a crawl without a job folder, a test)."""

    def __init__(self, folder: str | Path | None = None, name: str = "seen"):
        self.members: set | None = None
        self.conn: sqlite3.Connection | None = None
        if folder is None:
            self.members = set()
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(Path(folder) / f"{name}.db", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("CREATE TABLE IF NOT EXISTS seen (key PRIMARY KEY) WITHOUT ROWID")

    def add(self, key: str | bytes) -> bool:
        """Add `key`; True if it was not there yet."""
        if self.conn is None:
            new = key not in self.members
            self.members.add(key)
            return new
        return self.conn.execute("INSERT OR IGNORE INTO seen VALUES (?)", (key,)).rowcount == 1

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class DiskDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate-request filter, its fingerprints in the job folder.

    Scrapy's own keeps every fingerprint in a set in memory even with a JOBDIR (about 80
    bytes a request). Same fingerprints, same decisions; only where they are kept differs.
    """

    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self.seen = SeenOnce(path, "requests")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            job_dir(crawler.settings),
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )

    def request_seen(self, request) -> bool:
        return not self.seen.add(self.fingerprinter.fingerprint(request))

    def close(self, reason: str) -> None:
        self.seen.close()
