"""Backfill from the Wayback Machine: an outlet's past pages, as it first published them.

A backfill runs in two steps, each of which keeps its place in the archive, so that a run
killed at any point resumes where it stopped and fetches no capture twice:

1. **Listing.** The CDX server lists the captures of each of the outlet's hosts: HTML
   answered 200, the earliest capture of each URL. Each page of the listing and its resume
   key commit together into `backfill_queue` and `backfill_listings`. A URL the outlet's
   `article_patterns` do not call an article is left out; a URL whose own path dates it
   outside the range, or whose earliest capture is older than the range (a page cannot be
   captured before it is published), is queued as skipped, with the reason.
2. **Replays.** Each queued capture is fetched in its `id_` form (the bytes as captured),
   redirects followed to their target's capture, within the Wayback's rate limits
   (scrapers/wayback.py). Its WARC record is written (source `wayback`, the original URL as
   target, the capture time as date, the replay address kept) and the queue notes where,
   before the page goes through the steps a crawl takes (pipelines/ingest.py). A resumed
   run reads the pages it had written but not archived back from the store, not from the
   Wayback. An error capture or a page that is not HTML is skipped with the reason.

Dates come from the page, never from the capture time: a page that gives none keeps its
earliest capture time as an upper bound (`published_before`, date source `first-capture`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from pipelines.archive import open_archive
from pipelines.extraction.dates import url_days
from pipelines.ingest import Ingest, OutletRules, capture_of, page_of
from pipelines.store import ArchiveWriter, keep_old_urls
from pipelines.timestamps import now_iso
from pipelines.urls import url_spellings
from pipelines.warcs import (
    OUTLET,
    REDIRECT_TO,
    REDIRECTS,
    ROLE,
    SOURCE,
    WAYBACK_REPLAY,
    Exchange,
    WarcWriter,
    Written,
    is_html,
    read_record,
)
from pipelines.workers import ExtractionPool
from scrapers.registry import Outlet
from scrapers.wayback import (
    MAX_REPLAY_HOPS,
    Replay,
    TooLarge,
    WaybackClient,
    WaybackUnavailable,
    capture_time,
)

# The captures listed: pages, then redirects, whose targets' captures are then fetched.
LISTED_STATUSES = ("200", "301", "302")
QUEUE_CHUNK = 500  # queued captures read at a time: memory stays flat over any backlog


@dataclass(frozen=True)
class Window:
    """The publication days a backfill reaches for, and how long after its last day a page
    may have been captured for the first time (`lag_days`) and still be looked at."""

    first: date
    last: date
    lag_days: int = 365

    @property
    def listing_until(self) -> str:
        return (self.last + timedelta(days=self.lag_days)).strftime("%Y%m%d")


@dataclass
class BackfillReport:
    listed: int = 0  # CDX rows read this run
    not_articles: int = 0  # rows whose URL is not one of the outlet's article URLs
    skipped: Counter = field(default_factory=Counter)  # reason -> captures, this run
    fetched: int = 0  # replays fetched this run
    resumed: int = 0  # pages of a killed run read back from the store
    pending: int = 0  # left in the queue for a later run
    failures: list[str] = field(default_factory=list)  # what went wrong, for the person
    pauses: int = 0  # 429s and 5xx the Wayback answered
    old_urls: int = 0  # redirect captures to pages archived: their URLs kept as aliases


def hosts_to_list(outlet: Outlet) -> list[str]:
    """The outlet's hosts, without those a listing of another covers (a domain listing
    includes its subdomains)."""
    hosts = list(dict.fromkeys(outlet.hosts))
    return [h for h in hosts if not any(h != o and h.endswith("." + o) for o in hosts)]


def triage(row: dict[str, str], window: Window) -> str | None:
    """Why a listed capture is not worth fetching, or None when it is."""
    status = row.get("statuscode") or "200"
    if status != "200" and not status.startswith("3"):
        return f"an error capture ({status})"
    mimetype = row.get("mimetype") or ""
    # A redirect's own type says nothing (the Wayback often has it unk or text/plain).
    if status == "200" and mimetype and "html" not in mimetype:
        return f"not HTML ({mimetype})"
    days = url_days(row["original"])
    if days:
        day = days[0].text[:10]
        if not window.first.isoformat() <= day <= window.last.isoformat():
            return "its URL dates it outside the range"
    if row["timestamp"][:8] < window.first.strftime("%Y%m%d"):
        return "first captured before the range: published before it"
    return None


class WaybackBackfill:
    """One backfill run of `outlets` over `window`, into the archive `writer` writes."""

    def __init__(
        self,
        writer: ArchiveWriter,
        store: WarcWriter,
        client: WaybackClient,
        outlets: list[Outlet],
        rules: dict[str, OutletRules],
        window: Window,
        limit: int | None = None,
        say: Callable[[str], None] = lambda message: None,
    ):
        self.writer = writer
        self.db = writer.db
        self.store = store
        self.client = client
        self.outlets = {outlet.id: outlet for outlet in outlets}
        self.rules = rules
        self.window = window
        self.limit = limit
        self.say = say
        self.report = BackfillReport()
        # Fetching threads write each replay's record and note it in the queue as soon as
        # it arrives (a kill loses at most the replays in flight), through one lock: the
        # store, the queue's own connection to the archive and the report.
        self.lock = threading.RLock()
        self.queue_db = sqlite_utils.Database(
            sqlite3.connect(writer.path, timeout=60, check_same_thread=False)
        )
        writer.before_commit = self._sync

    def _sync(self) -> None:
        """The store made durable before the writer commits rows that name its records:
        every such record was written before this is called. The fsync runs outside the
        lock, so the fetching threads go on writing meanwhile."""
        with self.lock:
            handle = self.store.handle
            if handle is None:
                return
            handle.flush()
            descriptor = os.dup(handle.fileno())  # the file may rotate meanwhile
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def close(self) -> None:
        self.queue_db.close()

    @contextmanager
    def _immediate(self):
        """A transaction on the queue that holds the archive's write lock from its start:
        the record is written only once the lock is ours (after the writer's commit, if
        one is under way), so that a kill between the record and the row that notes it
        has a window of a commit, not of a wait for the writer."""
        db = self.queue_db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()

    # 1. Listing ------------------------------------------------------------------------

    def list_all(self) -> None:
        """Bring the queue up to date with the CDX listings; a listing the Wayback does not
        answer is reported and left to the next run, the others go on."""
        for outlet in self.outlets.values():
            for host in hosts_to_list(outlet):
                # Pages first: a URL captured both as a page and as a redirect is queued
                # as its page.
                for status in LISTED_STATUSES:
                    try:
                        self._list(outlet, host, status)
                    except WaybackUnavailable as exc:
                        self.report.failures.append(f"{outlet.id}: listing {host}: {exc}")
                        break
                    if self._enough_queued():
                        return

    def _list(self, outlet: Outlet, host: str, status: str) -> None:
        key = {"outlet": outlet.id, "host": host, "status": status}
        key["until"] = until = self.window.listing_until
        where = " AND ".join(f"{name} = ?" for name in key)
        state = self.db.execute(
            f"SELECT resume_key, rows, finished FROM backfill_listings WHERE {where}",
            list(key.values()),
        ).fetchone()
        if state is None:
            with self.db.atomic():
                self.db["backfill_listings"].insert({**key, "rows": 0})
            state = (None, 0, None)
        resume_key, rows, finished = state
        if finished:
            if finished[:10].replace("-", "") > until:
                return  # it listed every capture up to its last day
            # Listed before its last day was over: new captures may have come since. Listed
            # again from the start (the queue keeps one capture per URL).
            resume_key, rows = None, 0
        while True:
            page = self.client.cdx_page(host, until, resume_key, status)
            queued = []
            for row in page.rows:
                if not row.get("original") or not row.get("timestamp"):
                    continue
                if not outlet.is_article_url(row["original"]):
                    self.report.not_articles += 1
                    continue
                why = triage(row, self.window)
                queued.append(
                    {
                        "outlet": outlet.id,
                        "url": row["original"],
                        "urlkey": row.get("urlkey") or row["original"],
                        "timestamp": row["timestamp"],
                        "state": "skipped" if why else "pending",
                        "reason": why,
                    }
                )
                if why:
                    self.report.skipped[why] += 1
            self.report.listed += len(page.rows)
            rows += len(page.rows)
            resume_key = page.resume_key
            with self.db.atomic():
                self.db["backfill_queue"].insert_all(queued, ignore=True)
                self.db.execute(
                    f"UPDATE backfill_listings SET resume_key = ?, rows = ?, finished = ? "
                    f"WHERE {where}",
                    (resume_key, rows, None if resume_key else now_iso(), *key.values()),
                )
            self.say(f"{outlet.id}: {host}: {rows} captures listed ({status})")
            if not resume_key or not page.rows or self._enough_queued():
                return

    def _enough_queued(self) -> bool:
        return self.limit is not None and self.pending() >= self.limit

    def pending(self) -> int:
        marks = ", ".join("?" * len(self.outlets))
        return self.db.execute(
            f"SELECT count(*) FROM backfill_queue WHERE state = 'pending' AND outlet IN ({marks})",
            list(self.outlets),
        ).fetchone()[0]

    # 2. Replays ------------------------------------------------------------------------

    def archive(self, pool: ExtractionPool, progress: Callable[[int], None] | None) -> None:
        """Archive the pages a killed run wrote but did not archive, then fetch and archive
        the queued captures (at most `limit`)."""
        pages = self._pages(progress)
        Ingest(self.writer, pool, self.rules).pages(pages)

    def _pages(self, progress) -> Iterator[tuple]:
        yield from self._written_before()
        for result in self._replays():
            if progress:
                progress(1)
            if isinstance(result, list):
                for row in result:  # a record that makes no page
                    self.writer.add(row)
            elif result is not None:
                yield result

    def _written_before(self) -> Iterator[tuple]:
        """Pages whose records a killed run wrote, whose rows it did not commit."""
        marks = ", ".join("?" * len(self.outlets))
        rows = self.db.execute(
            "SELECT q.id, q.outlet, q.warc_file, q.warc_offset, q.warc_length "
            "FROM backfill_queue q WHERE q.state = 'captured' "
            f"AND q.outlet IN ({marks}) AND NOT EXISTS "
            "(SELECT 1 FROM captures c WHERE c.record_id = q.record_id)",
            list(self.outlets),
        ).fetchall()
        for _, outlet, name, offset, length in rows:
            captured = read_record(self.store.folder, name, offset, length)
            self.report.resumed += 1
            yield page_of(captured, outlet, self.rules[outlet].scope), [capture_of(captured, name)]

    def _replays(self) -> Iterator[tuple | None]:
        """The page of each queued capture (None: skipped or failed), fetched and written
        `connections` at a time."""
        in_flight: deque[Future] = deque()
        with ThreadPoolExecutor(self.client.limits.connections) as fetchers:
            for row in self._queued():
                in_flight.append(fetchers.submit(self._fetch, row))
                if len(in_flight) >= 2 * self.client.limits.connections:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()

    def _ahead(self) -> int:
        """Captures queued for the fetching threads: enough for two seconds at the pace,
        so that they keep it while this thread waits on extraction. Only the ones being
        fetched can be lost to a kill; the others are not asked for yet."""
        limits = self.client.limits
        return max(4 * limits.connections, int(2 * limits.replays_per_second))

    def _fetch(self, row: dict) -> tuple | None:
        """In a fetching thread: the replay of a queued capture, written and noted."""
        try:
            outcome = self.client.replay(row["timestamp"], row["url"])
        except (WaybackUnavailable, TooLarge) as exc:
            outcome = exc
        return self._settle(row, outcome)

    def _queued(self) -> Iterator[dict]:
        marks = ", ".join("?" * len(self.outlets))
        last, taken = 0, 0
        while True:
            rows = self.db.execute(
                "SELECT id, outlet, url, timestamp FROM backfill_queue WHERE state = 'pending' "
                f"AND outlet IN ({marks}) AND id > ? ORDER BY id LIMIT {QUEUE_CHUNK}",
                [*self.outlets, last],
            ).fetchall()
            if not rows:
                return
            for row_id, outlet, url, timestamp in rows:
                if self.limit is not None and taken >= self.limit:
                    return
                taken += 1
                yield {"id": row_id, "outlet": outlet, "url": url, "timestamp": timestamp}
            last = rows[-1][0]

    def _settle(self, row: dict, outcome: Replay | Exception) -> tuple | None:
        """Write a replay's record and note it in the queue; the page to archive, or None
        when the capture is skipped (the reason noted) or failed (left pending)."""
        if isinstance(outcome, WaybackUnavailable):
            self._failed(row, outcome)
            return None
        if isinstance(outcome, TooLarge):
            return self._skip(row, "larger than a page is allowed to be")
        replay = outcome
        self._fetched()
        outlet = self.outlets[row["outlet"]]
        while replay.redirect_to and not replay.problem:
            replay = self._follow(row, outlet, replay)
            if not isinstance(replay, Replay):
                return replay  # skipped or failed (None), or a redirect kept (its rows)
        if replay.problem:
            return self._skip(row, replay.problem)
        if not 200 <= replay.status < 300:
            return self._skip(row, f"an error capture ({replay.status})")
        if not replay.body or not is_html(replay.content_type, replay.body):
            return self._skip(row, f"not HTML ({replay.content_type.split(';')[0] or 'empty'})")
        hops = {REDIRECTS: " ".join(replay.hops)} if replay.hops else {}
        written = self._keep(row, replay, {ROLE: "article", **hops}, "captured")
        # The page as the store holds it, read back as a rebuild would read it.
        captured = read_record(self.store.folder, written.warc_file, written.offset, written.length)
        page = page_of(captured, outlet.id, self.rules[outlet.id].scope)
        return page, [capture_of(captured, written.warc_file)]

    def _keep(
        self, row: dict, replay: Replay, facts: dict, state: str, reason: str | None = None
    ) -> Written:
        """Write a replay's record (the original URL its target, the capture time its
        date) and note in the queue where it is, in one step a kill cannot split."""
        exchange = Exchange(
            url=replay.url,
            status=replay.status,
            response_headers=replay.headers,
            body=replay.body,
            fetched=capture_time(replay.timestamp),
            facts={
                OUTLET: row["outlet"],
                SOURCE: "wayback",
                WAYBACK_REPLAY: replay.replay_url,
                **facts,
            },
        )
        with self.lock, self._immediate() as db:
            written = self.store.write(exchange)
            db.execute(
                "UPDATE backfill_queue SET state = ?, reason = ?, target = ?, replay_url = ?, "
                "record_id = ?, warc_file = ?, warc_offset = ?, warc_length = ?, run = ? "
                "WHERE id = ?",
                (
                    state,
                    reason,
                    facts.get(REDIRECT_TO),
                    replay.replay_url,
                    written.record_id,
                    written.warc_file,
                    written.offset,
                    written.length,
                    self.writer.run,
                    row["id"],
                ),
            )
            if replay.hops and state == "captured":
                self._fetched_through(db, row, replay)
        return written

    def _rows(self, written: Written) -> list:
        """The captures row of a record that makes no page (a redirect)."""
        captured = read_record(self.store.folder, written.warc_file, written.offset, written.length)
        return [capture_of(captured, written.warc_file)]

    def _follow(self, row: dict, outlet: Outlet, replay: Replay) -> Replay | list | None:
        """The capture a redirect capture leads to, fetched here unless its page is not an
        article of the outlet or is archived already (then the old URL joins it)."""
        timestamp, target = replay.redirect_to
        if not outlet.is_article_url(target):
            return self._skip(row, "redirects to a page that is not an article of the outlet")
        if len(replay.hops) >= MAX_REPLAY_HOPS:
            return self._skip(row, f"more than {MAX_REPLAY_HOPS} redirects")
        spellings = json.dumps(url_spellings(target))
        with self.lock:
            known = self.queue_db.execute(
                "SELECT 1 FROM backfill_queue WHERE outlet = ? AND id != ? AND state IN "
                "('captured', 'done') AND url IN (SELECT value FROM json_each(?)) UNION ALL "
                "SELECT 1 FROM article_urls WHERE url IN (SELECT value FROM json_each(?))",
                (row["outlet"], row["id"], spellings, spellings),
            ).fetchone()
        if known:
            # Its page is archived, or on its way: the redirect is kept as a record of its
            # own, and its old URL joins the page when the run ends (finish_queue; a
            # rebuild reads it from the record), without fetching the page again.
            with self.lock:
                self.report.old_urls += 1
            facts = {ROLE: "redirect", REDIRECT_TO: target}
            written = self._keep(row, replay, facts, "done", "redirects to a page archived")
            return self._rows(written)
        try:
            followed = self.client.replay(timestamp, target, hops=[*replay.hops, replay.url])
        except (WaybackUnavailable, TooLarge) as exc:
            self._failed(row, exc)
            return None
        self._fetched()
        return followed

    def _fetched_through(self, db, row: dict, replay: Replay) -> None:
        """The target of a redirect capture is fetched now: its own queued capture (the
        same page) is not fetched again."""
        db.execute(
            "UPDATE backfill_queue SET state = 'done', reason = ? WHERE outlet = ? AND "
            "state = 'pending' AND url IN (SELECT value FROM json_each(?))",
            (
                f"fetched through the redirect from {row['url']}",
                row["outlet"],
                json.dumps(url_spellings(replay.url)),
            ),
        )

    def _fetched(self) -> None:
        with self.lock:
            self.report.fetched += 1

    def _failed(self, row: dict, why: Exception) -> None:
        with self.lock:
            self.report.failures.append(f"{row['outlet']}: {why}")

    def _skip(self, row: dict, why: str) -> None:
        with self.lock, self.queue_db.atomic():
            self.report.skipped[why] += 1
            self.queue_db.execute(
                "UPDATE backfill_queue SET state = 'skipped', reason = ?, run = ? WHERE id = ?",
                (why, self.writer.run, row["id"]),
            )
        return None


def finish_queue(db_path, outlets: list[str]) -> int:
    """After a run: the captures whose pages are archived are done, the old URLs of
    redirect captures join the articles they lead to; how many captures are left."""
    marks = ", ".join("?" * len(outlets))
    with closing(open_archive(db_path)) as db, db.atomic():
        db.execute(
            "UPDATE backfill_queue SET state = 'done' WHERE state = 'captured' AND EXISTS "
            "(SELECT 1 FROM captures c WHERE c.record_id = backfill_queue.record_id)"
        )
        redirects = db.execute(
            "SELECT url, target FROM backfill_queue WHERE target IS NOT NULL "
            f"AND state = 'done' AND outlet IN ({marks}) AND url NOT IN "
            "(SELECT url FROM article_urls)",
            outlets,
        ).fetchall()
        keep_old_urls(db, ((url, url_spellings(target)) for url, target in redirects))
        return db.execute(
            f"SELECT count(*) FROM backfill_queue WHERE state = 'pending' AND outlet IN ({marks})",
            outlets,
        ).fetchone()[0]
