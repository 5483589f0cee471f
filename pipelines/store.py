"""Store: the archive's one writer. Articles, their URLs, versions and story clusters,
fetch failures, rejections and each run's record go into the archive through here.

Items are buffered and committed in batches, one transaction each (one commit per article
is ~60x slower); a killed crawl loses at most the open batch, which the next run fetches
again. Each page's identity (pipelines/dedup.py) is decided inside the transaction that
writes it, so the pages of the open batch count as archived.

Free of Scrapy: a crawl drives it through a thin stage (pipelines/stages.py), and any other
way into the archive can drive it the same way.

Provenance is kept: a changed article's previous text goes to `article_versions` before the
row is updated; an unchanged one only gets a new `last_seen`; every URL spelling seen is a
row of `article_urls`; new and changed articles are placed in their story cluster
(pipelines/clusters.py).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines import dedup, entities
from pipelines.archive import open_archive
from pipelines.clusters import StoryClusters
from pipelines.extract import extractor_version
from pipelines.items import ArticlePage, Capture, FetchFailure
from pipelines.outcomes import NotAboutLibya, PageRejected
from pipelines.timestamps import now_iso
from pipelines.urls import canonical_url, url_key

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = (
    "title",
    "byline",
    "authors",
    "published",
    "published_date",
    "modified",
    "language",
    "description",
    "tags",
    "image",
    "text",
    "word_count",
    "title_source",
    "author_source",
    "date_source",
)
JSON_COLUMNS = ("authors", "tags", "libya_terms", "entities")
# Counter names per outlet, as columns of crawl_runs.
OUTCOME_COLUMNS = {
    "new": "articles_new",
    "changed": "articles_changed",
    "unchanged": "articles_unchanged",
    "alias": "url_aliases",
}
REJECTION_COLUMNS = {"irrelevant": "irrelevant", "no-article": "not_articles"}
RUN_COLUMNS = (*OUTCOME_COLUMNS.values(), *REJECTION_COLUMNS.values(), "errors", "captured_bytes")
CAPTURE_COLUMNS = (
    "record_id",
    "record_type",
    "url",
    "outlet",
    "role",
    "fetched",
    "status",
    "content_type",
    "warc_file",
    "warc_offset",
    "warc_length",
    "payload_digest",
    "refers_to",
    "source",
    "replay_url",
)


class StoreFailed(Exception):
    """The archive could not be written (disk full, file made read-only); the message says
    which file and why. Every batch committed before is intact."""


@dataclass
class Rejection:
    """An article dropped as not about Libya, to record in rejected_urls."""

    page: ArticlePage
    reason: str


@dataclass
class Reread:
    """An archived article read again from its capture (`reextract`)."""

    article_id: int
    page: ArticlePage
    content_hash: str | None = None  # the text's, when the reader already knows it


class ArchiveWriter:
    """Writes items into the archive at `path` in batches, and keeps the run's record.

    `open(outlets)` starts a run, `add(item)` buffers an ArticlePage, Capture or
    FetchFailure, `rejected(page, why)` records a page left out, `finish(extra)` commits
    the rest and closes the run. A failed write raises StoreFailed, after which nothing
    more is written. `before_commit`, when set, is called before each transaction commits:
    the crawl makes its WARC records durable there, before the rows that name them.
    """

    def __init__(self, path: str | Path, batch_size: int = 100, batch_seconds: float = 5.0):
        self.path = str(path)
        self.before_commit = None
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.buffer: list = []
        self.weight = 0  # the buffer's items that count towards the batch size
        self.last_flush = time.monotonic()
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.outlets: list[str] = []
        self.db = None
        self.run: int | None = None
        self.failed: str | None = None
        self.clusters: StoryClusters | None = None

    def open(self, outlets: Iterable[dict], source: str = "crawl") -> int:
        """Open the archive, sync the `outlets` rows (id, name, homepage, ...) and start a
        run for them (a crawl, an import, a rebuild...); return the run's number."""
        self.db = open_archive(self.path)
        try:
            self._start_run(list(outlets), source)
        except sqlite3.Error as exc:
            self._fail(exc)
        return self.run

    def _start_run(self, outlets: list[dict], source: str) -> None:
        started = now_iso()
        self.outlets = [o["id"] for o in outlets]
        with self.db.atomic():
            self.db["outlets"].upsert_all(outlets, pk="id")
            # The gazetteer may have grown since the last run: its entries are rows too.
            self.db["entities"].upsert_all(entities.rows(), pk="id")
            row = self.db.execute("SELECT coalesce(max(run), 0) + 1 FROM crawl_runs").fetchone()
            self.run = row[0]
            self.db["crawl_runs"].insert_all(
                [
                    {"run": self.run, "outlet": o, "started": started, "source": source}
                    for o in self.outlets
                ],
                pk=("run", "outlet"),
            )
        self.clusters = StoryClusters(self.db)
        self.clusters.open()

    def add(self, item: ArticlePage | Capture | FetchFailure) -> None:
        """Buffer an item; commit the buffer when it is full or old enough.

        A capture's row is light and comes with each page: it rides in the batch of the
        pages without counting towards its size (counted, it halved the batches), and
        never commits alone, so that a capture row added just before its page commits with
        the page's own rows (an import or backfill resumed after a kill trusts that).
        """
        self.buffer.append(item)
        if isinstance(item, Capture):
            return
        self.weight += 1
        if (
            self.weight >= self.batch_size
            or time.monotonic() - self.last_flush >= self.batch_seconds
        ):
            self.flush()

    def reread(self, article_id: int, page: ArticlePage, content_hash: str | None = None) -> None:
        """Buffer today's reading of an archived article's capture: its fields are updated
        where they differ, and a changed text keeps the old one as a version and moves the
        article in the search index and its story cluster, as a crawl's change would.
        `content_hash` is the text's, when the caller knows it."""
        self.buffer.append(Reread(article_id, page, content_hash))
        self.weight += 1
        if self.weight >= self.batch_size:
            self.flush()

    def rejected(self, page: ArticlePage, why: PageRejected) -> None:
        """Record a page that does not become an article: an off-topic article in
        rejected_urls, any other reason in fetch_errors; count it by its kind."""
        if why.kind in REJECTION_COLUMNS:
            self.counts[page.outlet][REJECTION_COLUMNS[why.kind]] += 1
        if isinstance(why, NotAboutLibya):
            self.buffer.append(Rejection(page, why.reason))
        else:
            # A page that broke a step, or holds no article: a failure to record, so that
            # it rests before it is fetched again.
            self.add(FetchFailure(page.outlet, page.url, why.kind, why.reason, time=now_iso()))

    def finish(self, extra: dict[str, dict] | None = None) -> None:
        """Commit what is buffered, write the run's record per outlet (this writer's counts
        and the `extra` columns the caller kept, by outlet), and close the archive."""
        self.flush()
        if self.failed:
            self.db.close()
            return
        with self.db.atomic():
            for outlet in self.outlets:
                record = {column: self.counts[outlet][column] for column in RUN_COLUMNS}
                record.update((extra or {}).get(outlet, {}), finished=now_iso())
                self.db["crawl_runs"].update((self.run, outlet), record)
        # Fold the WAL into the file, so an archive copied after a run is complete.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    # Writing --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Commit the buffered items in one transaction.

        A failed transaction is rolled back whole, so the archive keeps every earlier batch
        intact; StoreFailed then tells the caller to stop: pages fetched from now on could
        not be stored (disk full, file made read-only).
        """
        items, self.buffer, self.weight = self.buffer, [], 0
        self.last_flush = time.monotonic()
        if not items or self.failed:
            return
        try:
            self._write(items)
        except sqlite3.Error as exc:
            self._fail(exc)

    def _fail(self, exc: sqlite3.Error) -> None:
        self.failed = f"{self.path}: the archive cannot be written ({exc})"
        raise StoreFailed(self.failed) from exc

    def _write(self, items: list) -> None:
        if self.before_commit is not None:
            self.before_commit()
        with self.db.atomic():
            for item in items:
                if isinstance(item, Capture):
                    self._write_capture(item)
                elif isinstance(item, FetchFailure):
                    self._write_failure(item)
                elif isinstance(item, Rejection):
                    self._write_rejection(item)
                elif isinstance(item, Reread):
                    self._write_reread(item)
                else:
                    self._write_article(item)

    def _write_capture(self, capture: Capture) -> None:
        row = {name: getattr(capture, name) for name in CAPTURE_COLUMNS}
        self.db.execute(
            f"INSERT OR IGNORE INTO captures ({', '.join(CAPTURE_COLUMNS)}, run) "
            f"VALUES ({', '.join('?' * len(CAPTURE_COLUMNS))}, ?)",
            (*row.values(), self.run),
        )
        if capture.outlet:
            self.counts[capture.outlet]["captured_bytes"] += capture.warc_length

    def _write_failure(self, failure: FetchFailure) -> None:
        self.db["fetch_errors"].insert(
            {
                "run": self.run,
                "outlet": failure.outlet,
                "url": failure.url,
                "kind": failure.kind,
                "reason": failure.reason,
                "status": failure.status,
                "time": failure.time,
            }
        )
        self.counts[failure.outlet]["errors"] += 1

    def _write_rejection(self, rejection: Rejection) -> None:
        item = rejection.page
        for url in dict.fromkeys([canonical_url(item.url), *map(canonical_url, item.urls_seen)]):
            self.db.execute(
                "INSERT INTO rejected_urls (url, outlet, reason, title, relevance, first_seen,"
                " last_seen, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE"
                " SET last_seen = excluded.last_seen, relevance = excluded.relevance",
                (
                    url,
                    item.outlet,
                    rejection.reason,
                    item.article.title if item.article else None,
                    item.relevance,
                    item.fetched,
                    item.fetched,
                    self.run,
                ),
            )

    def _write_article(self, item: ArticlePage) -> None:
        articles = self.db["articles"]
        seen = item.fetched
        decision = dedup.decide(self.db.conn, item)
        text = item.article.text
        if decision.kind == "new":
            article_id = articles.insert(
                {
                    **self._columns(item, decision),
                    "url": decision.article_url,
                    "outlet": item.outlet,
                    "first_seen": seen,
                    "last_seen": seen,
                    "last_changed": seen,
                    "crawl_run": self.run,
                    "source": item.source,
                }
            ).last_pk
            self.clusters.place(article_id, text, seen, item.fingerprint)
            write_mentions(self.db, article_id, item.entities)
        else:
            article_id = self.db.execute(
                "SELECT id FROM articles WHERE url = ?", (decision.article_url,)
            ).fetchone()[0]
            changes = {"last_seen": seen}
            if decision.kind == "changed":
                self._keep_version(article_id, seen)
                changes.update(self._columns(item, decision), last_changed=seen, crawl_run=self.run)
            self._update_article(article_id, changes)
            if decision.kind == "changed":
                self.clusters.place(article_id, text, seen, item.fingerprint)
                write_mentions(self.db, article_id, item.entities)
        for url in dict.fromkeys([*decision.urls, *item.urls_seen]):
            self.db.execute(
                "INSERT INTO article_urls (url, url_key, article_id, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen",
                (url, url_key(url), article_id, seen, seen),
            )
        if item.captures:
            marks = ", ".join("?" * len(item.captures))
            self.db.execute(
                f"UPDATE captures SET article_id = ? WHERE record_id IN ({marks})",
                (article_id, *item.captures),
            )
        self.counts[item.outlet][OUTCOME_COLUMNS[decision.kind]] += 1

    def _write_reread(self, reread: Reread) -> None:
        page, article_id = reread.page, reread.article_id
        digest = reread.content_hash or dedup.page_digest(page)
        decision = dedup.Decision("reread", "", [], digest)
        new = self._columns(page, decision)
        old = dict(
            zip(
                new,
                self.db.execute(
                    f"SELECT {', '.join(new)} FROM articles WHERE id = ?", (article_id,)
                ).fetchone(),
                strict=True,
            )
        )
        changes = {name: value for name, value in new.items() if old[name] != value}
        mentions_changed = write_mentions(self.db, article_id, page.entities)
        if not changes and not mentions_changed:
            self.counts[page.outlet]["articles_unchanged"] += 1
            return
        now = now_iso()
        text_changed = "content_hash" in changes
        if text_changed:
            self._keep_version(article_id, now)
            changes.update(last_changed=now, crawl_run=self.run)
        if changes:
            self._update_article(article_id, changes)
        if text_changed:
            self.clusters.place(article_id, page.article.text, now, page.fingerprint)
        self.counts[page.outlet]["articles_changed" if text_changed else "articles_updated"] += 1

    def _keep_version(self, article_id: int, replaced: str) -> None:
        """Copy the article's current text into article_versions before it is overwritten."""
        self.db.execute(
            "INSERT INTO article_versions (article_id, title, byline, modified, text, word_count,"
            " content_hash, first_seen, last_seen, replaced, crawl_run) SELECT id, title, byline,"
            " modified, text, word_count, content_hash, last_changed, last_seen, ?, ?"
            " FROM articles WHERE id = ?",
            (replaced, self.run, article_id),
        )

    def _update_article(self, article_id: int, changes: dict) -> None:
        # Plain SQL, not sqlite-utils' Table.update, which reads the table's schema again on
        # every call (its columns, its primary key): a quarter of reextract's own time. The
        # columns are the archive's own; `_columns` made their values plain.
        assignments = ", ".join(f"[{name}] = ?" for name in changes)
        self.db.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?", [*changes.values(), article_id]
        )

    @staticmethod
    def _columns(item: ArticlePage, decision: dedup.Decision) -> dict:
        """The article's columns, as the page gives them."""
        article = item.article
        row = {name: getattr(article, name) for name in ARTICLE_FIELDS}
        row.update(
            relevance=item.relevance,
            libya_terms=item.libya_terms,
            entities=[mention.entity_id for mention in item.entities],
            content_hash=decision.content_hash,
            extractor_version=extractor_version(),
            published_before=None,
        )
        if not article.published_date and item.published_before:
            row.update(published_before=item.published_before, date_source="first-capture")
        for name in JSON_COLUMNS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        return row


def write_mentions(db, article_id: int, mentions: list) -> bool:
    """Make `article_entities` say what the article names now; whether that changed."""
    new = {(m.entity_id, m.count, int(m.in_title)) for m in mentions}
    old = set(
        db.execute(
            "SELECT entity_id, mentions, in_title FROM article_entities WHERE article_id = ?",
            (article_id,),
        ).fetchall()
    )
    if new == old:
        return False
    db.execute("DELETE FROM article_entities WHERE article_id = ?", (article_id,))
    db.conn.executemany(
        "INSERT INTO article_entities (article_id, entity_id, mentions, in_title) "
        "VALUES (?, ?, ?, ?)",
        [(article_id, *row) for row in new],
    )
    return True


def keep_old_urls(db, redirects: Iterable[tuple[str, list[str]]]) -> int:
    """Old URLs that redirect to archived pages join their articles: (old URL, the
    spellings of its target) pairs, as a backfill learns them from redirect captures whose
    target it archived from its own capture. Returns how many joined."""
    seen, joined = now_iso(), 0
    for url, targets in redirects:
        found = db.execute(
            "SELECT article_id FROM article_urls WHERE url IN (SELECT value FROM json_each(?))",
            (json.dumps(targets),),
        ).fetchone()
        if found:
            db.execute(
                "INSERT OR IGNORE INTO article_urls (url, url_key, article_id, first_seen, "
                "last_seen) VALUES (?, ?, ?, ?, ?)",
                (url, url_key(url), found[0], seen, seen),
            )
            joined += 1
    return joined
