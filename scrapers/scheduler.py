"""Scrapy's scheduler, which drops the requests a breaker sheds as they leave the queue.

A storm's requests are already queued (a sitemap's 50,000 links go in at once); sent on,
each would travel the downloader's middlewares and come back through the spider's errback,
about a millisecond apiece: a minute of a run for nothing. Here each costs one look at the
breaker (scrapers/breaker.py), which counts it for the run's record.
"""

from __future__ import annotations

from scrapy.core.scheduler import Scheduler as ScrapyScheduler

from scrapers.breaker import FailureBreaker


class Scheduler(ScrapyScheduler):
    breaker: FailureBreaker | None = None

    def next_request(self):
        breaker = self._breaker()
        while True:
            request = super().next_request()
            if request is None or breaker is None or not breaker.sheds(request):
                return request

    def _breaker(self) -> FailureBreaker | None:
        if self.breaker is None:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
            self.breaker = next((m for m in middlewares if isinstance(m, FailureBreaker)), None)
        return self.breaker
