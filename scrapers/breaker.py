"""Circuit breakers: a misbehaving site costs a bounded part of a run, never the run.

Real outlets misbehave in storms. A sitemap that still lists 50,000 URLs of an archive that
moved answers 404 for every one; a host that went down fails every request; a site that
keeps a crawler busy forever (endless calendars, faceted listings) never runs out of links.
Walked one request at a time, any of them holds one crawl for hours, and the next run from
cron finds the lock taken. So, per outlet and per run:

- **A source in a storm is sampled, not walked.** After `BREAKER_CONSECUTIVE` links in a
  row from one entry point (a sitemap, a feed, a listing) fail (an error status such as
  404, 410, 403 or 500, or a redirect to a page already fetched, the soft 404 of sites
  that send every missing page to their home page), only one link
  in `BREAKER_SAMPLE` of it is still fetched, to see whether the storm is over (one that
  answers 200 closes the breaker again); the others are shed.
- **A host that stopped answering is left alone.** After `BREAKER_OUTLET_FAILURES`
  requests in a row fail without an answer (no DNS, refused, timed out), the outlet's
  remaining requests are shed.
- **A budget.** An outlet may make `OUTLET_REQUEST_BUDGET` requests a run (0: no limit).

A shed request is not made and not recorded as a failed page (its URL is unknown to be
dead): it is counted, with the reason, in the run's record (`crawl_runs.shed`, `.storm`),
which `status` and Datasette show. The failures that tripped a breaker, and the sampled
ones, are recorded in fetch_errors and rest as failed pages do.
"""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

logger = logging.getLogger(__name__)

# A 429 asks us to slow down (scrapers/throttle.py), which is no sign of a dead source.
SLOW_DOWN = 429
NO_ANSWER = (
    CannotResolveHostError,
    DNSLookupError,
    DownloadConnectionRefusedError,
    ConnectionRefusedError,
    DownloadTimeoutError,
    TimeoutError,
)


class FailureBreaker:
    """Downloader middleware: it counts each answer (as it arrives, by signal) and each
    request that fails without one (after its retries), and tells the scheduler what to
    shed."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.consecutive = settings.getint("BREAKER_CONSECUTIVE")
        self.sample = max(1, settings.getint("BREAKER_SAMPLE"))
        self.outlet_failures = settings.getint("BREAKER_OUTLET_FAILURES")
        self.budget = settings.getint("OUTLET_REQUEST_BUDGET")
        self.gone_in_a_row: Counter = Counter()  # by source
        self.storms: dict[str, str] = {}  # source -> why it is sampled
        self.seen_in_storm: Counter = Counter()  # by source
        self.unanswered_in_a_row: Counter = Counter()  # by outlet
        self.down: dict[str, str] = {}  # outlet -> why it is left alone
        self.made: Counter = Counter()  # requests let through, by outlet
        self.spent: set[str] = set()  # outlets whose budget is spent

    @classmethod
    def from_crawler(cls, crawler):
        breaker = cls(crawler)
        crawler.signals.connect(breaker.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(breaker.response_downloaded, signal=signals.response_downloaded)
        return breaker

    def sheds(self, request) -> str | None:
        """Why the request is not to be made (counted in the run's record), or None.

        Asked by the scheduler (scrapers/scheduler.py) for every request that leaves the
        queue, a retry included: a storm's queued requests are dropped there, without
        travelling the downloader's chain.
        """
        outlet = request.meta.get("outlet")
        if not outlet:
            return None  # not an outlet's (robots.txt)
        why = None
        source = request.meta.get("source")
        if outlet in self.down:
            why = self.down[outlet]
        elif source in self.storms:
            self.seen_in_storm[source] += 1
            if self.seen_in_storm[source] % self.sample:
                why = self.storms[source]
        if why is None and self.budget and self.made[outlet] >= self.budget:
            why = f"the run's budget of {self.budget} requests is spent; the rest waits"
            if outlet not in self.spent:
                self.spent.add(outlet)
                self._note(outlet, why)
        if why is not None:
            self.stats.inc_value(f"outlet/{outlet}/shed")
            return why
        self.made[outlet] += 1
        return None

    def response_downloaded(self, response, request, **kwargs):
        """Every answer as it arrives, before a retry or a redirect is made of it: twenty
        500s in a row are twenty failures, not seven pages tried three times each."""
        outlet, source = request.meta.get("outlet"), request.meta.get("source")
        if outlet:
            self.unanswered_in_a_row[outlet] = 0
        if not source:
            return
        if response.status >= 400 and response.status != SLOW_DOWN:
            self._failed(outlet, source, f"answered {response.status}")
        elif 200 <= response.status < 300:
            self.gone_in_a_row[source] = 0
            if self.storms.pop(source, None):
                logger.info("%s: a sampled link answered again; walking it again", source)

    def request_dropped(self, request, **kwargs):
        """A redirect to a page the crawl has fetched already: a dead link in disguise."""
        source = request.meta.get("source")
        if source and request.meta.get("redirect_urls"):
            self._failed(request.meta.get("outlet"), source, "redirected to a page seen before")

    def _failed(self, outlet: str, source: str, how: str) -> None:
        self.gone_in_a_row[source] += 1
        if self.gone_in_a_row[source] >= self.consecutive and source not in self.storms:
            self._storm(outlet, source, how)

    def process_exception(self, request, exception, spider=None):
        outlet = request.meta.get("outlet")
        if outlet and isinstance(exception, NO_ANSWER) and outlet not in self.down:
            self.unanswered_in_a_row[outlet] += 1
            if self.unanswered_in_a_row[outlet] >= self.outlet_failures:
                why = (
                    f"{self.outlet_failures} requests in a row got no answer "
                    f"({type(exception).__name__}); its other requests were not made"
                )
                self.down[outlet] = why
                self._note(outlet, why)
        return None

    def _storm(self, outlet: str, source: str, how: str) -> None:
        why = (
            f"{source}: {self.consecutive} links in a row {how}; "
            f"its other links sampled, 1 in {self.sample}"
        )
        self.storms[source] = why
        self._note(outlet, why)

    def _note(self, outlet: str, why: str) -> None:
        logger.info("%s: %s", outlet, why)
        key = f"outlet/{outlet}/storm"
        known = self.stats.get_value(key)
        self.stats.set_value(key, f"{known}; {why}" if known else why)
