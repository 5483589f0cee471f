"""The frontier of a distributed crawl: scrapy-redis's queue and duplicate filter, with
leases so that a crawler that dies loses nothing.

scrapy-redis (https://github.com/rmax/scrapy-redis) keeps Scrapy's scheduler queue (a
sorted set, by priority) and its duplicate filter (a set of request fingerprints) in
Redis, shared by every crawler process on every machine. Its scheduler and queue are
used here through their documented extension points (SCHEDULER, SCHEDULER_QUEUE_CLASS,
DUPEFILTER_CLASS, SCHEDULER_PERSIST), with two holes closed:

- **A request popped is gone.** A crawler killed with SIGKILL took with it every request
  it had popped and not finished, and since their fingerprints are in the filter, nobody
  queued them again. Here a pop moves the request, in one atomic script, from the queue
  into the crawler's lease (a hash, `libya-archive:leases:<crawler>`). The lease is
  dropped only when the request is finished, in the same transaction that pushes the
  items it made (scrapers/outbox.py). A crawler beats (a key that expires after
  `QUEUE_WORKER_TIMEOUT` seconds); the leases of one that stopped beating go back to the
  queue, moved by whichever crawler (or writer) notices first.
- **Seen, then pushed.** scrapy-redis adds the fingerprint, then pushes the request: a
  crawler killed in between lost the request for good. Here both happen in one script.

A request is finished when Scrapy's engine lets it go: its response (or failure) went
through the callback, each request it made is queued, each item it made went through the
item pipelines. Scrapy says so by no signal; the engine's set of requests in progress
says so, and `in_progress` reads it.

The crawl is over when nothing is queued and nothing is leased, by any crawler alive or
dead: `Frontier.crawl_over`. Until then an idle crawler stays (another one may be parsing
a sitemap of 50,000 links), and the writer knows when to close the run.
"""

from __future__ import annotations

import logging
import threading

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from scrapers.breaker import FailureBreaker

logger = logging.getLogger(__name__)

PREFIX = "libya-archive"
REQUESTS = f"{PREFIX}:requests"  # sorted set: requests waiting, by -priority
DUPEFILTER = f"{PREFIX}:dupefilter"  # set: fingerprints of the run's requests
CRAWLERS = f"{PREFIX}:crawlers"  # set: crawlers that hold or may hold leases
LEASES = f"{PREFIX}:leases:"  # + crawler; hash: request -> its score, until finished
ALIVE = f"{PREFIX}:alive:"  # + crawler; a key that expires when the crawler stops beating
IDLE_POLL_SECONDS = 1.0
# Sent before a redirect is queued: the records of its earlier hops, which the page it
# leads to names, must reach the writer before any crawler can fetch that page
# (scrapers/outbox.py pushes its items then).
items_must_be_pushed = object()

# The fingerprint added and the request queued, or neither.
PUSH_UNSEEN = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# The first request of the queue moved into the crawler's lease.
POP_LEASED = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], top[1], top[2])
redis.call('SADD', KEYS[3], ARGV[1])
return top[1]
"""
# Requests queued plus requests leased by every crawler but one (ARGV[2]).
PENDING = """
local n = redis.call('ZCARD', KEYS[1])
for _, crawler in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if crawler ~= ARGV[2] then n = n + redis.call('HLEN', ARGV[1] .. crawler) end
end
return n
"""
# The leases of crawlers that stopped beating, back in the queue with their priority.
REAP = """
local moved = 0
for _, crawler in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[2] .. crawler) == 0 then
    local lease = redis.call('HGETALL', ARGV[1] .. crawler)
    for i = 1, #lease, 2 do
      redis.call('ZADD', KEYS[2], lease[i + 1], lease[i])
      moved = moved + 1
    end
    redis.call('DEL', ARGV[1] .. crawler)
    redis.call('SREM', KEYS[1], crawler)
  end
end
return moved
"""


class Frontier:
    """The state of the whole crawl in Redis, as crawlers, the seed and the writer see it."""

    def __init__(self, redis):
        self.redis = redis
        self._pending = redis.register_script(PENDING)
        self._reap = redis.register_script(REAP)

    def pending(self, leave_out: str = "") -> int:
        """Requests queued or leased (by any crawler but `leave_out`)."""
        return self._pending(keys=[REQUESTS, CRAWLERS], args=[LEASES, leave_out])

    def reap(self) -> int:
        """Queue again what dead crawlers held; the number of requests queued again."""
        moved = self._reap(keys=[CRAWLERS, REQUESTS], args=[LEASES, ALIVE])
        if moved:
            logger.warning("%d requests of a crawler that stopped were queued again", moved)
        return moved

    def crawlers(self) -> int:
        return self.redis.scard(CRAWLERS)

    def crawl_over(self) -> bool:
        """Nothing queued, nothing in flight, no crawler alive: nothing more will come."""
        self.reap()
        return self.pending() == 0 and self.crawlers() == 0

    def beat(self, crawler: str, seconds: int) -> None:
        """Say that `crawler` is alive for `seconds` more."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(CRAWLERS, crawler).set(ALIVE + crawler, 1, ex=seconds)
        pipe.execute()

    def leave(self, crawler: str) -> None:
        """A crawler that stops: gone at once when it holds nothing; otherwise its
        leases are queued again now rather than after its beat expires."""
        self.redis.delete(ALIVE + crawler)
        if not self.redis.hlen(LEASES + crawler):
            pipe = self.redis.pipeline(transaction=True)
            pipe.srem(CRAWLERS, crawler).delete(LEASES + crawler)
            pipe.execute()
        else:
            self.reap()


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue, popped into a lease and pushed with the duplicate
    filter's fingerprint in one step (SCHEDULER_QUEUE_CLASS)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self._push_unseen = server.register_script(PUSH_UNSEEN)
        self._pop_leased = server.register_script(POP_LEASED)

    def push_unseen(self, request: Request, seen_key: str, fingerprint: str | None) -> bool:
        """Queue the request unless its fingerprint was seen (None: queue it anyway)."""
        data = self._encode_request(request)
        added = self._push_unseen(
            keys=[seen_key, self.key], args=[fingerprint or "", -request.priority, data]
        )
        return bool(added)

    def pop_leased(self, crawler: str) -> tuple[Request | None, bytes] | None:
        """(request, its lease) from the top of the queue, or None when it is empty.

        The request is None when it cannot be read back (a callback this spider lacks):
        its lease is still to be let go.
        """
        data = self._pop_leased(keys=[self.key, LEASES + crawler, CRAWLERS], args=[crawler])
        if data is None:
            return None
        try:
            return self._decode_request(data), data
        except (ValueError, AttributeError, TypeError) as exc:
            logger.error("a queued request cannot be read (%s); it is dropped", exc)
            return None, data


class QueueScheduler(RedisScheduler):
    """scrapy-redis's scheduler for one crawler of many: pops into leases, beats, drops
    what a breaker sheds (as scrapers/scheduler.py does), and keeps its crawler open while
    other crawlers still have requests that may make new ones."""

    crawler = None
    crawler_id = ""
    breaker: FailureBreaker | None = None

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.crawler_id = crawler.settings.get("QUEUE_WORKER")
        scheduler.timeout = crawler.settings.getint("QUEUE_WORKER_TIMEOUT")
        scheduler.frontier = Frontier(scheduler.server)
        scheduler.leases = {}  # request -> its lease, until the engine lets it go
        scheduler.settled = []  # leases of requests that never entered the engine
        scheduler.stop_beating = threading.Event()
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        # An idle crawler looks at the queue again at each beat of the engine (5 s by
        # default): while another crawler parses a sitemap, every second counts. The beat's
        # period is the engine's own attribute; nothing public sets it.
        crawler.engine._SLOT_HEARTBEAT_INTERVAL = IDLE_POLL_SECONDS
        return scheduler

    def open(self, spider):
        super().open(spider)
        self.frontier.beat(self.crawler_id, self.timeout)
        self.beating = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self.beating.start()

    def _beat(self) -> None:
        """Beat, and queue again what dead crawlers held, every third of the timeout."""
        while not self.stop_beating.wait(max(1.0, self.timeout / 3)):
            try:
                self.frontier.beat(self.crawler_id, self.timeout)
                self.frontier.reap()
            except Exception as exc:  # noqa: BLE001 - a lost connection must not end the beat
                logger.warning("heartbeat failed: %s", exc)

    def close(self, reason):
        """Let the crawl go on without this crawler (the queue persists). Leases still
        held (items that could not be pushed) go back to the queue."""
        self.stop_beating.set()
        self.beating.join(timeout=10)  # a beat after leaving would make it alive again
        self.frontier.leave(self.crawler_id)

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("captures"):
            self.crawler.signals.send_catch_log(signal=items_must_be_pushed)
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push_unseen(request, self.df.key, fingerprint):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return True

    def next_request(self) -> Request | None:
        breaker = self._breaker()
        while True:
            popped = self.queue.pop_leased(self.crawler_id)
            if popped is None:
                return None
            request, lease = popped
            if request is None:
                self.settled.append(lease)
                continue
            self.leases[request] = lease
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
            # A shed request is finished at once: it never enters the engine.
            if breaker is None or not breaker.sheds(request):
                return request

    def done_leases(self) -> list[bytes]:
        """The leases of the requests finished since the last call (to drop with the
        items they made, scrapers/outbox.py)."""
        busy = in_progress(self.crawler.engine)
        done = [request for request in self.leases if request not in busy]
        finished = [self.leases.pop(request) for request in done] + self.settled
        self.settled = []
        return finished

    def spider_idle(self, spider):
        """Stay while another crawler holds requests (they may queue more); the leases
        this crawler still holds are all finished, since it is idle."""
        self.frontier.reap()
        if self.frontier.pending(leave_out=self.crawler_id):
            raise DontCloseSpider

    def _breaker(self) -> FailureBreaker | None:
        if self.breaker is None:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
            self.breaker = next((m for m in middlewares if isinstance(m, FailureBreaker)), None)
        return self.breaker


def in_progress(engine) -> set:
    """The requests Scrapy's engine has taken from the scheduler and not yet let go.

    A request leaves this set after its callback's output is fully processed: its new
    requests scheduled, its items through every item pipeline (scrapy/core/engine.py,
    `_start_scheduled_request` and `_remove_request`). No public API tells this; the
    engine's slot has held `inprogress` since Scrapy 1.0. tests/test_distributed.py kills
    a crawler mid-run and fails if a request is lost, so a change here cannot pass unseen.
    """
    return engine._slot.inprogress if engine._slot is not None else set()
