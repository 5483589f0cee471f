"""robots.txt, obeyed for every request, including those that wait for the file to arrive.

Written by hand because Scrapy 2.19's RobotsTxtMiddleware has a hole: while robots.txt of
a site is being fetched, the requests that wait for it await the same Deferred through
`maybe_deferred_to_future`, whose callback returns None, so every waiter but the first
receives None ("no robots.txt") and goes out unchecked. A crawl that starts several
entry points on one site at once would fetch disallowed pages. (The change that brought
it is scrapy/scrapy pull request 6802, whose review notes the path was not tested.)
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxt
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxt):
    """Scrapy's middleware, with waiters for an in-flight robots.txt given the parser."""

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(parser):
                waiter.callback(parser)
                return parser  # keep the result for the next waiter

            pending.addCallback(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
