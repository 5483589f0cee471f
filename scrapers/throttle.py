"""Pacing: Scrapy's AutoThrottle, told what a news site's error answers mean.

AutoThrottle adapts each site's delay to its latency, but never lets a response other than
200 lower the delay. A sitemap of 50,000 URLs that now answer 404 in a millisecond each
then keeps the crawl at its start delay for hours. Here a fast 4xx counts as what it is,
a cheap answer, and may speed the pace as a 200 does; a 429 or 503, which is the server
asking us to slow down, doubles the delay at once (at least to its Retry-After); 5xx
answers still never speed it up. Only AutoThrottle's policy method is replaced
(`_adjust_delay`, Scrapy 2.19; tests/test_misbehaving.py fails if it is renamed).
"""

from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle

from pipelines.timestamps import retry_after

SLOW_DOWN = (429, 503)


class Pacing(AutoThrottle):
    def _adjust_delay(self, slot, latency: float, response) -> None:
        if response.status in SLOW_DOWN:
            wait = retry_after(response.headers.get("Retry-After")) or 0.0
            slot.delay = min(max(slot.delay * 2, wait, self.mindelay, 1.0), self.maxdelay)
            return
        if not 400 <= response.status < 500:
            super()._adjust_delay(slot, latency, response)
            return
        # AutoThrottle's rule for a 200, for the quick answers about missing pages.
        target = latency / self.target_concurrency
        new_delay = max(target, (slot.delay + target) / 2.0)
        slot.delay = min(max(self.mindelay, new_delay), self.maxdelay)
