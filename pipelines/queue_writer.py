"""The archive's one writer in a distributed crawl: it drains the crawlers' items from Redis.

SQLite takes one writer at a time, so however many machines crawl, one process writes
`archive.db`: this one (`libya-archive store --queue URL`). It takes the messages the
crawlers pushed (pipelines/queue_items.py) in batches and stores each batch through the
store a single-process crawl uses (`ArchiveWriter`: dedup, versions, clusters, captures,
failures), in one transaction. It records each seeded run as a run of `crawl_runs`, with
the crawlers' own counts (requests, responses, links skipped, requests shed) summed.

Crash-safe: a batch moves from the crawlers' list to a list of its own (`LMOVE`, atomic
for each item) and leaves it only after the transaction that stores it has committed. A
writer killed at any point leaves its batch there, and the next writer stores it first.
An item stored twice (the writer killed after the commit and before the list was emptied)
is stored as a re-crawl is: the article unchanged (its `last_seen` moves), its URLs and
captures as they were; only a failure would be a second row of `fetch_errors`.

It stops a run when the crawl is over (nothing queued or in flight, no crawler alive, no
item waiting: `crawl_over`, asked of the crawl's frontier, scrapers/frontier.py) and, with
`until_idle`, exits after that many seconds with nothing to do.

Free of Scrapy and of the crawler: redis is imported by whoever makes the connection.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import queue_items as wire
from pipelines.store import ArchiveWriter

logger = logging.getLogger(__name__)

# How long the writer's claim on the queue lasts unless renewed (each step renews it): a
# writer killed with SIGKILL leaves the queue to the next one after this long (the CLI
# uses QUEUE_WORKER_TIMEOUT, scrapers/settings.py).
CLAIM_SECONDS = 15
NEVER = float("inf")
# Counts the crawlers keep that are summed into crawl_runs (scrapers/outbox.py).
SUMMED = ("requests", "skipped_rejected", "skipped_archived", "skipped_failed", "shed")

# Compare-and-act on the claim, so that a writer never renews or drops another's.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class QueueTaken(Exception):
    """Another writer drains this queue; the message names it."""


@dataclass
class Drained:
    """What a writer stored, for its summary and the benchmark."""

    items: Counter = field(default_factory=Counter)  # by message kind
    unreadable: int = 0
    batches: int = 0
    runs: list[int] = field(default_factory=list)  # crawl_runs numbers recorded
    seconds: float = 0.0  # spent storing (taking, committing, acknowledging)

    @property
    def total(self) -> int:
        return sum(self.items.values())


class QueueWriter:
    """Stores the items of a Redis queue into the archive at `archive_path`.

    Args:
        redis: a redis-py client of the crawl's Redis (bytes, not decoded responses).
        archive_path: the archive file.
        batch_size: messages per transaction.
        crawl_over: tells whether the crawl is over (nothing left to fetch, no crawler
            alive); a run ends when it is and every item is stored.
        on_run_opened: called with the run's description once its crawl_runs rows exist,
            before any of its items are stored (the snapshot for crawlers goes out there).
        claim_seconds: how long the writer's claim on the queue outlives its last step.
    """

    def __init__(
        self,
        redis,
        archive_path: str | Path,
        batch_size: int,
        crawl_over: Callable[[], bool],
        on_run_opened: Callable[[dict], None] | None = None,
        claim_seconds: int = CLAIM_SECONDS,
    ):
        self.redis = redis
        self.claim_ms = claim_seconds * 1000
        self.path = str(archive_path)
        self.batch_size = max(1, batch_size)
        self.crawl_over = crawl_over
        self.on_run_opened = on_run_opened
        self.writer: ArchiveWriter | None = None
        self.run_id: str | None = None
        self.claim = f"{socket.gethostname()}-{os.getpid()}"
        self.drained = Drained()
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)

    # The claim on the queue ------------------------------------------------------------

    def take_queue(self) -> None:
        """Claim the queue for this writer; QueueTaken when another holds it."""
        if not self.redis.set(wire.WRITER, self.claim, nx=True, px=self.claim_ms):
            holder = (self.redis.get(wire.WRITER) or b"?").decode("utf-8", "replace")
            raise QueueTaken(
                f"another writer ({holder}) stores this queue's items; one writer at a time "
                f"(a writer that was killed leaves it within {self.claim_ms // 1000} s)"
            )

    def _renew_claim(self) -> None:
        if not self._renew(keys=[wire.WRITER], args=[self.claim, self.claim_ms]):
            raise QueueTaken("this writer's claim on the queue lapsed; stopping")

    # The loop ------------------------------------------------------------------------

    def run(self, until_idle: float | None = None, stop: threading.Event | None = None) -> None:
        """Store items until `stop` is set, or, with `until_idle`, until no run has been
        open and no item has come for that many seconds. An open run is then recorded
        with what it stored so far (a writer started again goes on with a run of its own)."""
        stop = stop or threading.Event()
        idle_since = time.monotonic()
        try:
            while not stop.is_set():
                if self.step(wait=1.0) or self.writer is not None:
                    idle_since = time.monotonic()
                elif until_idle is not None and time.monotonic() - idle_since >= until_idle:
                    break
        finally:
            self.close()

    def step(self, wait: float = 1.0) -> int:
        """Store one batch, waiting up to `wait` seconds for its first item; open and
        close runs as the queue says. Returns the number of messages stored."""
        self._renew_claim()
        description = self._description()
        if self.writer is not None and description and description["id"] != self.run_id:
            # A new run was seeded: the seed waits for every item of the last one to be
            # stored, so the last one is over.
            self._finish_run(over=True)
        if self.writer is None:
            if not description or description["id"] == self._finished():
                time.sleep(wait)
                return 0
            self._open_run(description)
        batch = self._take(wait)
        if batch:
            self._store(batch)
            return len(batch)
        if self.crawl_over() and self._all_stored():
            self._finish_run(over=True)
        return 0

    def close(self) -> None:
        """Record the open run as it stands and give the queue up."""
        try:
            if self.writer is not None:
                self._finish_run(over=False)
        finally:
            self._release(keys=[wire.WRITER], args=[self.claim])

    # Runs ----------------------------------------------------------------------------

    def _description(self) -> dict | None:
        raw = self.redis.get(wire.RUN)
        return json.loads(raw) if raw else None

    def _finished(self) -> str | None:
        raw = self.redis.get(wire.FINISHED)
        return raw.decode("utf-8") if raw else None

    def _open_run(self, description: dict) -> None:
        # Batches are this writer's to decide: never committed behind its back.
        writer = ArchiveWriter(self.path, batch_size=2**62, batch_seconds=NEVER)
        run = writer.open(description["outlet_rows"], source="crawl")
        self.writer, self.run_id = writer, description["id"]
        self.drained.runs.append(run)
        logger.info("seeded run %s is run %d of the archive", self.run_id, run)
        if self.on_run_opened is not None:
            self.on_run_opened(description)

    def _finish_run(self, over: bool) -> None:
        """Write the run's record (the crawlers' counts summed); `over`: the crawl ended,
        so the run is not opened again."""
        writer, self.writer = self.writer, None
        writer.finish(self._tallies())
        if over:
            self.redis.set(wire.FINISHED, self.run_id)
        self.run_id = None

    def _tallies(self) -> dict[str, dict]:
        """The crawlers' latest counts, summed per outlet, as crawl_runs columns."""
        summed: dict[str, Counter] = defaultdict(Counter)
        responses: dict[str, Counter] = defaultdict(Counter)
        storms: dict[str, list[str]] = defaultdict(list)
        for raw in self.redis.hgetall(wire.TALLIES).values():
            for outlet, counts in json.loads(raw).items():
                summed[outlet].update({name: counts.get(name) or 0 for name in SUMMED})
                responses[outlet].update(json.loads(counts.get("responses") or "{}"))
                if counts.get("storm") and counts["storm"] not in storms[outlet]:
                    storms[outlet].append(counts["storm"])
        return {
            outlet: {
                **{name: summed[outlet][name] for name in SUMMED},
                "responses": json.dumps(dict(sorted(responses[outlet].items()))),
                "storm": "; ".join(storms[outlet]) or None,
            }
            for outlet in summed
        }

    # Batches -------------------------------------------------------------------------

    def _take(self, wait: float) -> list[bytes]:
        """The next batch, moved into the writer's own list; first the batch a killed
        writer left there."""
        left = self.redis.lrange(wire.STORING, 0, -1)
        if left:
            logger.warning("storing again %d items a stopped writer had taken", len(left))
            return left
        first = self.redis.blmove(wire.ITEMS, wire.STORING, wait, "LEFT", "RIGHT")
        if first is None:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for _ in range(self.batch_size - 1):
            pipe.lmove(wire.ITEMS, wire.STORING, "LEFT", "RIGHT")
        return [first, *(item for item in pipe.execute() if item is not None)]

    def _store(self, batch: list[bytes]) -> None:
        """Store a batch in one transaction, then let its items go from Redis."""
        started = time.perf_counter()
        for data in batch:
            try:
                kind, item = wire.decode(data)
            except ValueError as exc:
                self.drained.unreadable += 1
                logger.warning("a message left out: %s", exc)
                continue
            if kind == "rejected":
                self.writer.rejected(*item)
            else:
                self.writer.add(item)
            self.drained.items[kind] += 1
        self.writer.flush()  # StoreFailed leaves the batch in Redis, for the next writer
        self.redis.delete(wire.STORING)
        self.drained.batches += 1
        self.drained.seconds += time.perf_counter() - started
        logger.info("stored a batch of %d items (%d so far)", len(batch), self.drained.total)

    def _all_stored(self) -> bool:
        pipe = self.redis.pipeline(transaction=True)
        pipe.llen(wire.ITEMS).llen(wire.STORING)
        return not any(pipe.execute())
