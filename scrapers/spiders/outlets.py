"""One spider for every outlet, driven by outlets.yml: adding an outlet needs no code.

It discovers article URLs from each outlet's entry points (RSS/Atom feeds, sitemaps and
sitemap indexes including Google News sitemaps, paginated listing pages), fetches the
articles, and hands each page to the pipelines as an `ArticlePage`. Every request that
fails becomes a `FetchFailure` item, so the store records it and the crawl goes on.
Spiders never write the archive.

Given a `window` of publication days, it backfills instead (`backfill --source site`): it
walks the outlet's own archive pages (`archives:`), sitemaps and listings back through the
window, and leaves what their dates place certainly outside it (scrapers/archives.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from pipelines.items import ArticlePage, FetchFailure
from pipelines.timestamps import as_utc, now, now_iso
from pipelines.urls import canonical_url
from pipelines.warcs import decode_html
from pipelines.warcs import is_html as is_html_payload
from scrapers.archives import Window, next_page
from scrapers.known import ArchiveMemory
from scrapers.registry import Archive, Listing, Outlet
from scrapers.seen import SeenOnce

GZIP_MAGIC = b"\x1f\x8b"
# Newest first: the scheduler sends requests of a higher priority first, so the entry points
# go first, then the articles they date as newest, the bulk of old sitemaps and deep listing
# pages last. A stale sitemap of thousands of old links cannot hold up today's news.
ENTRY_PRIORITY = 40
NEWEST, RECENT, THIS_YEAR, OLDER = 30, 20, 10, 0
# A backfill goes deep before it goes wide: a page's articles, then its next page, then the
# next archive period. A run cut short by its request budget (--limit) has then archived
# whole periods, newest first, instead of having fetched archive pages only.
BACKFILL_ARTICLE, BACKFILL_NEXT_PAGE = ENTRY_PRIORITY + 10, ENTRY_PRIORITY + 5
# A sitemap index may nest; real sites go two levels deep, loops must not go forever.
MAX_SITEMAP_DEPTH = 4
NO_ARTICLES = "no link on this entry point matches the outlet's article_patterns"


class OutletSpider(scrapy.Spider):
    name = "outlets"
    # Listing pages beyond the first; the outlet check (CheckSpider) looks at the first only.
    follow_pagination = True
    articles_requested = 0

    def __init__(
        self,
        outlets: list[Outlet],
        recheck_days: float | None = None,
        backfill_pages: int | None = None,
        window: tuple[str, str] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.outlets = {o.id: o for o in outlets}
        self.recheck_days = recheck_days
        self.backfill_pages = backfill_pages  # listing pages to walk, known articles or not
        # First and last publication day (ISO) of a backfill of the outlets' own past.
        self.window = Window.from_iso(window) if window else None
        self.memory = ArchiveMemory()
        self.skipped = SeenOnce()

    async def start(self):
        # Incremental: what the archive has (and what it rejected) is not fetched again.
        self.memory = ArchiveMemory(
            self.settings.get("ARCHIVE_PATH"), list(self.outlets), self.recheck_days
        )
        self.skipped = SeenOnce(self.settings.get("JOBDIR"), "skipped")
        async for request in self.entry_requests():
            yield request

    async def entry_requests(self):
        for outlet in self.outlets.values():
            entries = self._past_entries(outlet) if self.window else self._entries(outlet)
            for request in entries:
                yield request

    def _entries(self, outlet: Outlet):
        for url in outlet.feeds:
            yield self._request(outlet, url, self.parse_feed)
        for url in outlet.sitemaps:
            yield self._request(outlet, url, self.parse_sitemap, sitemap_depth=0)
        for listing in outlet.listings:
            yield self._request(outlet, listing.url, self.parse_listing, listing=listing, page=1)

    def _past_entries(self, outlet: Outlet):
        """A backfill's entry points: each archive template's pages over the window, newest
        period first, then the sitemaps and listings. Not the feeds: they hold only the
        latest items."""
        for archive in outlet.archives:
            for period, url in self.window.archive_pages(archive.url):
                yield self._request(
                    outlet, url, self.parse_archive, archive=archive, period=period, page=1
                )
        for url in outlet.sitemaps:
            yield self._request(outlet, url, self.parse_sitemap, sitemap_depth=0)
        for listing in outlet.listings:
            yield self._request(
                outlet, listing.url, self.parse_listing_back, listing=listing, page=1
            )

    def closed(self, reason: str) -> None:
        self.memory.close()
        self.skipped.close()

    # Entry points -------------------------------------------------------------------------

    def parse_feed(self, response: Response):
        """RSS 2.0, RSS 1.0 and Atom: the item links are the article candidates."""
        outlet = self._outlet(response)
        selector = Selector(text=self._body_text(response), type="xml")
        selector.remove_namespaces()
        links = selector.xpath(
            "//item/link/text() | //entry/link[not(@rel) or @rel='alternate']/@href"
            " | //item/guid[not(@isPermaLink='false')]/text()"
        ).getall()
        if not links and not selector.xpath("/rss | /feed | /RDF"):
            yield self._failure(
                outlet, response.url, "parse", "the feed is not RSS or Atom XML", response.status
            )
            return
        # An Atom entry's <updated> says when it changed: a known article is fetched again then.
        changed = {
            entry.xpath("link[not(@rel) or @rel='alternate']/@href").get(): updated
            for entry in selector.xpath("//entry")
            if (updated := entry.xpath("updated/text()").get())
        }
        dated = ((link, changed.get(link), NEWEST) for link in links)
        yield from self._articles(outlet, response, dated)

    def parse_sitemap(self, response: Response):
        """A urlset lists articles (Google News sitemaps too); a sitemapindex lists sitemaps."""
        outlet = self._outlet(response)
        try:
            body = response.body
            if body[:2] == GZIP_MAGIC:  # a .xml.gz file, not HTTP compression
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            sitemap = Sitemap(body)
        except (OSError, StopIteration, SyntaxError, ValueError):  # corrupt, oversized, empty
            sitemap = None
        if sitemap is None or sitemap.type not in ("urlset", "sitemapindex"):
            yield self._failure(
                outlet,
                response.url,
                "parse",
                "the sitemap is not a sitemap XML document",
                response.status,
            )
            return
        # Entries are read one at a time and their requests go to the job folder's queue as
        # they come: a sitemap of 50,000 URLs never becomes 50,000 objects at once.
        entries = (entry for entry in sitemap if entry.get("loc"))
        if sitemap.type == "sitemapindex":
            if self.window:
                entries = (
                    entry
                    for entry in entries
                    if self.window.may_hold_sitemap(entry["loc"].strip(), entry.get("lastmod"))
                )
            depth = response.meta["sitemap_depth"] + 1
            if depth > MAX_SITEMAP_DEPTH:
                yield self._failure(
                    outlet,
                    response.url,
                    "parse",
                    f"sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}",
                )
                return
            for entry in entries:
                yield self._request(
                    outlet,
                    urljoin(response.url, entry["loc"]),
                    self.parse_sitemap,
                    priority=recency(entry.get("lastmod")) + 5,
                    sitemap_depth=depth,
                )
        else:
            # A Google News sitemap lists the last two days; others are dated by lastmod.
            links = (
                (
                    entry["loc"],
                    entry.get("lastmod"),
                    NEWEST if "news" in entry else recency(entry.get("lastmod")),
                )
                for entry in entries
            )
            within = self.window.may_hold_page if self.window else None
            yield from self._articles(outlet, response, links, within)

    def parse_listing(self, response: Response):
        """A section page: its links to articles, then the next page up to `max_pages`."""
        outlet = self._outlet(response)
        if not is_html(response):
            yield self._not_html(outlet, response)
            return
        requested_before = self.articles_requested
        hrefs = response.css("a::attr(href)").getall()
        listing: Listing = response.meta["listing"]
        page = response.meta["page"]
        # The first page holds the newest articles, each further page older ones.
        priority = max(OLDER, NEWEST - 10 * (page - 1))
        yield from self._articles(outlet, response, ((h, None, priority) for h in hrefs))
        max_pages = self.backfill_pages or listing.max_pages
        # A page that held only articles we have means the rest is older still: stop, unless
        # a backfill asks for more pages.
        nothing_new = self.articles_requested == requested_before and not self.backfill_pages
        if self.follow_pagination and page < max_pages and not nothing_new:
            next_href = response.css(listing.next).get()
            if next_href:
                yield self._request(
                    outlet,
                    response.urljoin(next_href),
                    self.parse_listing,
                    priority=max(OLDER, ENTRY_PRIORITY - 10 * page),
                    listing=listing,
                    page=page + 1,
                )

    # The past (a backfill) --------------------------------------------------------------

    def parse_archive(self, response: Response):
        """A page of the outlet's own archive: its articles, then the next page while this
        one may still lead to the window. A page without articles is no failure: a month
        without news, or the page after the last."""
        outlet = self._outlet(response)
        if not is_html(response):
            yield self._not_html(outlet, response)
            return
        archive: Archive = response.meta["archive"]
        urls = self._linked_articles(outlet, response)
        yield from self._past_articles(outlet, response, urls)
        next_url = self._archive_next(response, archive)
        if next_url and self._goes_back(response, urls, archive.max_pages):
            yield self._past_page(
                outlet,
                next_url,
                self.parse_archive,
                response,
                urls,
                archive=archive,
                period=response.meta["period"],
            )

    @staticmethod
    def _archive_next(response: Response, archive: Archive) -> str | None:
        """The archive page after this one: its `next` link, or the template's next page."""
        if archive.next:
            href = response.css(archive.next).get()
            return response.urljoin(href) if href else None
        return next_page(archive.url, response.meta["period"], response.meta["page"])

    def parse_listing_back(self, response: Response):
        """A listing page in a backfill: walked on by the dates of its links, however many
        of them the archive holds (the rule that a page of known articles ends a crawl's
        walk would end a second backfill at the first page)."""
        outlet = self._outlet(response)
        if not is_html(response):
            yield self._not_html(outlet, response)
            return
        listing: Listing = response.meta["listing"]
        urls = self._linked_articles(outlet, response)
        if not urls:
            yield self._failure(outlet, response.url, "no-articles", NO_ARTICLES, response.status)
        yield from self._past_articles(outlet, response, urls)
        max_pages = self.backfill_pages or listing.max_pages
        next_href = response.css(listing.next).get()
        if next_href and self._goes_back(response, urls, max_pages):
            yield self._past_page(
                outlet,
                response.urljoin(next_href),
                self.parse_listing_back,
                response,
                urls,
                listing=listing,
            )

    def _linked_articles(self, outlet: Outlet, response: Response) -> list[str]:
        """The outlet's article URLs an HTML page links to, canonical, each once."""
        urls = (
            self._article_url(outlet, response, h) for h in response.css("a::attr(href)").getall()
        )
        return list(dict.fromkeys(url for url in urls if url))

    def _past_articles(self, outlet: Outlet, response: Response, urls: list[str]):
        """Requests for the articles of a backfill's page, but those whose URL names a day
        outside the window (the site's newest pages, above a window in the past)."""
        for url in urls:
            if self.window.may_hold_page(url):
                yield from self._article(outlet, url, None, BACKFILL_ARTICLE, response.url)

    def _goes_back(self, response: Response, urls: list[str], max_pages: int) -> bool:
        """Whether a backfill asks for the page after this one: it held articles, not all
        of them dated before the window (the pages after it are older still), not the same
        as the page before (a site that answers every page number with its last page), and
        the walk has pages left."""
        return bool(
            self.follow_pagination
            and urls
            and response.meta["page"] < max_pages
            and not self.window.all_older(urls)
            and response.meta.get("previous_links") != links_key(urls)
        )

    def _past_page(
        self, outlet: Outlet, url: str, callback, response: Response, urls: list[str], **meta
    ) -> scrapy.Request:
        """The request for the next page of a backfill's archive or listing."""
        return self._request(
            outlet,
            url,
            callback,
            priority=BACKFILL_NEXT_PAGE,
            page=response.meta["page"] + 1,
            previous_links=links_key(urls),
            **meta,
        )

    # Articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response):
        outlet = self._outlet(response)
        if not is_html(response):
            yield self._not_html(outlet, response)
            return
        hops = response.meta.get("redirect_urls", [])
        yield ArticlePage(
            outlet=outlet.id,
            url=response.url,
            # Decoded as every other way into the archive decodes the same bytes.
            html=decode_html(
                response.body, response.headers.get("Content-Type", b"").decode("latin-1")
            ),
            scope=outlet.scope,
            # The time of the capture, which the WARC record keeps too: a rebuild from the
            # records dates the article the same.
            fetched=response.meta.get("captured_at") or now_iso(),
            urls_seen=[*hops, response.url],
            captures=response.meta.get("captures", []),
            # A backfill keeps a page whose own date falls outside its window all the same:
            # it was fetched (no date in its URL or sitemap entry ruled it out), and it is
            # the outlet's article; the window only spares requests.
            source="backfill" if self.window else "crawl",
        )

    def _articles(
        self,
        outlet: Outlet,
        response: Response,
        links: Iterable[tuple[str, str | None, int]],
        within: Callable[[str, str | None], bool] | None = None,
    ):
        """Requests for the links that are the outlet's article pages not already archived.

        `links` are (href, when the entry point says the page last changed or None, the
        request's priority). `within(url, changed)`, in a backfill, leaves the pages its
        window does not need; they still count as the entry point's articles.
        """
        found = 0
        for href, changed, priority in links:
            url = self._article_url(outlet, response, href)
            if url is None:
                continue
            found += 1
            if within is None or within(url, changed):
                yield from self._article(outlet, url, changed, priority, response.url)
        if not found:
            yield self._failure(outlet, response.url, "no-articles", NO_ARTICLES, response.status)

    @staticmethod
    def _article_url(outlet: Outlet, response: Response, href: str) -> str | None:
        """The link's canonical URL when it is one of the outlet's article pages."""
        url = canonical_url(urljoin(response.url, href.strip()))
        return url if outlet.is_article_url(url) else None

    def _article(self, outlet: Outlet, url: str, changed: str | None, priority: int, source: str):
        """The request for an article page, unless the archive has it (or rejected it)."""
        reason = self.memory.skip_reason(url, changed)
        if reason is None:
            self.articles_requested += 1
            yield from self.article_request(outlet, url, priority, source)
        elif self.skipped.add(url):  # one count per page, however often it is linked
            self.crawler.stats.inc_value(f"outlet/{outlet.id}/skipped_{reason}")

    def article_request(self, outlet: Outlet, url: str, priority: int, source: str):
        """The request for an article page found on the entry point `source` (a hook for
        CheckSpider). The breaker counts the failures of each source apart."""
        yield self._request(
            outlet, url, self.parse_article, priority=priority, role="article", source=source
        )

    # Helpers ------------------------------------------------------------------------------

    def _request(
        self, outlet: Outlet, url: str, callback, priority: int = ENTRY_PRIORITY, **meta
    ) -> scrapy.Request:
        """A request of the outlet's; its `role` (an entry point unless said otherwise)
        tells the capture what it is."""
        meta = {"outlet": outlet.id, "role": "entry", **meta}
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, meta=meta, priority=priority
        )

    def _outlet(self, response: Response) -> Outlet:
        return self.outlets[response.meta["outlet"]]

    @staticmethod
    def _body_text(response: Response) -> str:
        if isinstance(response, TextResponse):
            return response.text
        return response.body.decode("utf-8", errors="replace")

    def _not_html(self, outlet: Outlet, response: Response) -> FetchFailure:
        kind = response.headers.get("Content-Type", b"unknown").decode("latin-1")
        return self._failure(
            outlet,
            response.url,
            "not-html",
            f"the response is not text or HTML (Content-Type: {kind})",
            response.status,
        )

    @staticmethod
    def _failure(
        outlet: Outlet, url: str, kind: str, reason: str, status: int | None = None
    ) -> FetchFailure:
        return FetchFailure(
            outlet=outlet.id, url=url, kind=kind, reason=reason, status=status, time=now_iso()
        )

    def on_error(self, failure):
        """Every failed request becomes one FetchFailure with a reason a person understands,
        under the URL the crawl asked for (a redirect's target is named in the reason)."""
        request = failure.request
        outlet = self.outlets[request.meta["outlet"]]
        kind, reason, status = describe_failure(failure)
        asked = request.meta.get("redirect_urls", [request.url])[0]
        if asked != request.url:
            reason = f"{reason} (redirected to {request.url})"
        yield self._failure(outlet, asked, kind, reason, status)


def links_key(urls: list[str]) -> str:
    """A short mark of a page's article links, carried to the next page to see whether it
    repeats them (a few bytes in the queue, where the links themselves would be kilobytes)."""
    return hashlib.blake2b("\n".join(sorted(urls)).encode(), digest_size=8).hexdigest()


def recency(stamp: str | None) -> int:
    """The priority of a page its entry point dates: the newer, the sooner fetched (an
    undated page as a year-old one)."""
    moment = as_utc(stamp)
    if moment is None:
        return OLDER
    age = now() - moment
    for days, priority in ((2, NEWEST), (30, RECENT), (365, THIS_YEAR)):
        if age <= timedelta(days=days):
            return priority
    # Older pages by year: last year's before those of a decade ago.
    return OLDER - min(age.days // 365, 10)


def is_html(response: Response) -> bool:
    """An HTML page: by its Content-Type when that names a type, else (no label, or one
    that says nothing, such as application/octet-stream) by its opening tag, as every path
    into the archive decides (pipelines.warcs.is_html).

    Scrapy sniffs the body when choosing a response class, so a PDF whose first bytes look
    like text arrives as a TextResponse; the server's own label decides first.
    """
    if not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get("Content-Type", b"").decode("latin-1")
    return is_html_payload(content_type, response.body)


def describe_failure(failure) -> tuple[str, str, int | None]:
    """(kind, reason, HTTP status) for a Twisted failure from the download chain."""
    if failure.check(HttpError):
        response = failure.value.response
        location = response.headers.get("Location", b"").decode("latin-1")
        if 300 <= response.status < 400 and location:
            return (
                "http",
                (
                    f"the server redirected to {location}, which is not followed "
                    "(only http and https are)"
                ),
                response.status,
            )
        return "http", f"the server answered HTTP {response.status}", response.status
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns", "the host name could not be resolved (outlet down or moved?)", None
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection", "the connection was refused (server down?)", None
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout", "the server did not answer in time", None
    if failure.check(ResponseDataLossError):
        return "truncated", "the server closed the connection before the page was complete", None
    if failure.check(IgnoreRequest):
        message = str(failure.value) or "the request was not sent"
        if "robots" in message.lower():
            return "robots", "robots.txt forbids this URL; it was not fetched", None
        if "redirection" in message.lower():
            return "redirect", "too many redirects (a redirect loop?); gave up", None
        if "maxsize" in message.lower().replace(" ", "").replace("_", ""):
            return "too-large", f"the page is larger than the crawl accepts ({message})", None
        return "ignored", message, None
    if failure.check(DownloadCancelledError):
        message = failure.getErrorMessage()
        if "maxsize" in message.lower().replace(" ", "").replace("_", ""):
            return "too-large", f"the page is larger than the crawl accepts ({message})", None
        return "cancelled", f"the download was cancelled ({message})", None
    return "network", f"{failure.type.__name__}: {failure.getErrorMessage()}", None
