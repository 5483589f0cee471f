"""The outlet check: does each outlet work today, as a researcher needs to know?

It walks the same entry points with the same parsing as the crawl (it is the crawl's
spider, narrowed), but only the first page of each listing and one sample article per
outlet, which it extracts on the spot instead of archiving. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrapy.http import Response

from pipelines.extract import extract_article
from scrapers.registry import Outlet
from scrapers.spiders.outlets import OutletSpider, describe_failure, is_html


@dataclass
class OutletReport:
    """What the check found for one outlet."""

    outlet: str
    entry_points: int = 0
    entry_points_ok: int = 0
    robots_blocked: list[str] = field(default_factory=list)
    articles_found: set[str] = field(default_factory=set)
    sample_url: str | None = None
    sample: dict | None = None  # title, date, words of the extracted sample
    problems: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.entry_points_ok > 0

    @property
    def sample_ok(self) -> bool:
        return bool(
            self.sample
            and self.sample["title"]
            and self.sample["date"]
            and self.sample["words"] >= 40
        )

    @property
    def works(self) -> bool:
        return (
            self.reachable
            and not self.robots_blocked
            and bool(self.articles_found)
            and self.sample_ok
        )


class CheckSpider(OutletSpider):
    name = "check"
    follow_pagination = False

    def __init__(self, outlets: list[Outlet], **kwargs):
        super().__init__(outlets, **kwargs)
        self.reports = {o.id: OutletReport(o.id) for o in outlets}

    async def start(self):
        async for request in self.entry_requests():
            self.reports[request.meta["outlet"]].entry_points += 1
            request.meta["entry_point"] = True
            yield request

    def parse_feed(self, response: Response):
        self._entry_point_answered(response)
        yield from super().parse_feed(response)

    def parse_sitemap(self, response: Response):
        if response.meta.get("entry_point"):
            self._entry_point_answered(response)
        yield from super().parse_sitemap(response)

    def parse_listing(self, response: Response):
        self._entry_point_answered(response)
        yield from super().parse_listing(response)

    def article_request(self, outlet: Outlet, url: str, priority: int, source: str):
        report = self.reports[outlet.id]
        report.articles_found.add(url)
        if report.sample_url is None:
            report.sample_url = url
            yield from super().article_request(outlet, url, priority, source)

    def parse_article(self, response: Response):
        report = self.reports[response.meta["outlet"]]
        if not is_html(response):
            report.problems.append(f"sample article is not HTML: {response.url}")
            return
        article = extract_article(response.text, response.url, self.outlets[report.outlet].extract)
        report.sample = {
            "title": article["title"],
            "date": article["published_date"],
            "words": article["word_count"],
        }
        yield from ()

    def on_error(self, failure):
        request = failure.request
        report = self.reports[request.meta["outlet"]]
        kind, reason, _ = describe_failure(failure)
        if kind == "robots":
            report.robots_blocked.append(request.url)
        report.problems.append(f"{request.url}: {reason}")
        yield from ()

    def _failure(self, outlet: Outlet, url: str, kind: str, reason: str, status=None):
        self.reports[outlet.id].problems.append(f"{url}: {reason}")
        return None

    def _entry_point_answered(self, response: Response) -> None:
        self.reports[response.meta["outlet"]].entry_points_ok += 1
