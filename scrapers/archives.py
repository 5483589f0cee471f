"""An outlet's own past: its archive pages, and the window of days a backfill reaches for.

`libya-archive backfill --source site` walks an outlet's archive pages (`archives:` in
outlets.yml, URL templates by year, month, day and page) and its sitemaps, for the pages
published between two days. This module answers the date questions of that walk, with no
Scrapy in sight: which URLs a template gives over the window (newest first), and which
sitemaps and links are certainly outside it, by the dates their URLs and `lastmod` give.
"Certainly" matters: a page is only left out on a date that rules it out, never because it
gives none, so a backfill misses nothing a date could not have told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from pipelines.extraction.dates import url_days
from pipelines.timestamps import parse_stamp

# {yyyy} 2014, {mm} 03, {m} 3, {dd} 07, {d} 7, {page} 1, 2, ...
PLACEHOLDERS = ("yyyy", "mm", "m", "dd", "d", "page")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A year, and perhaps a month, in a sitemap's path: post-sitemap-2011.xml, sitemap/2011/,
# sitemap-2011-04.xml, sitemap_201104.xml. Not part of a longer number (a chunk "12011").
SITEMAP_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_/]?(0[1-9]|1[0-2]))?(?!\d)")


def placeholders(template: str) -> list[str]:
    """The names in braces in a URL template, known or not, in order."""
    return PLACEHOLDER.findall(template)


def fill(template: str, day: date, page: int = 1) -> str:
    """The template's URL for the period that holds `day`, at page `page`."""
    values = {
        "yyyy": f"{day.year:04d}",
        "mm": f"{day.month:02d}",
        "m": str(day.month),
        "dd": f"{day.day:02d}",
        "d": str(day.day),
        "page": str(page),
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def next_page(template: str, day: date, page: int) -> str | None:
    """The URL of the page after `page`, when the template numbers its pages."""
    return fill(template, day, page + 1) if "page" in placeholders(template) else None


def unit(template: str) -> str | None:
    """What one page sequence of the template covers: "day", "month" or "year"; None for a
    template by page number only (one sequence, newest first as the site orders it)."""
    names = set(placeholders(template))
    if names & {"dd", "d"}:
        return "day"
    if names & {"mm", "m"}:
        return "month"
    return "year" if "yyyy" in names else None


@dataclass(frozen=True)
class Window:
    """The publication days a backfill of an outlet's own archives reaches for (first and
    last included)."""

    first: date
    last: date

    @classmethod
    def from_iso(cls, days: tuple[str, str]) -> Window:
        return cls(date.fromisoformat(days[0]), date.fromisoformat(days[1]))

    def archive_pages(self, template: str) -> Iterator[tuple[date, str]]:
        """(period, URL of its first page) for each period of the window, newest first:
        the pages a researcher misses most are those closest to the present crawl."""
        step = unit(template)
        if step is None:
            yield self.last, fill(template, self.last)
            return
        period, oldest = _start(self.last, step), _start(self.first, step)
        while period >= oldest:
            yield period, fill(template, period)
            period = _start(period - timedelta(days=1), step)

    def all_older(self, urls: Iterable[str]) -> bool:
        """True when every URL names a day before the window (a page of such links is past
        it: the pages after it are older still). False for no URLs, or an undated one."""
        days = [url_day(url) for url in urls]
        return bool(days) and all(day is not None and day < self.first for day in days)

    def may_hold_page(self, url: str, lastmod: str | None = None) -> bool:
        """False for a page certainly published outside the window: its URL names a day
        outside, or it last changed (`lastmod`) before the first day."""
        day = url_day(url)
        if day is not None and not self.first <= day <= self.last:
            return False
        changed = lastmod_day(lastmod)
        return changed is None or changed >= self.first

    def may_hold_sitemap(self, url: str, lastmod: str | None = None) -> bool:
        """False for a child sitemap certainly without pages of the window: it last changed
        before the first day (so its pages are older), or its URL names a day, month or year
        wholly outside. One that changed after the window may still list older pages."""
        changed = lastmod_day(lastmod)
        if changed is not None and changed < self.first:
            return False
        span = sitemap_span(url)
        return span is None or (span[1] >= self.first and span[0] <= self.last)


def url_day(url: str) -> date | None:
    """The day a URL's path names (/2014/03/07/slug, /news/2014-03-07-slug), if any."""
    stamps = url_days(url)
    return stamps[0].moment.date() if stamps else None


def lastmod_day(value: str | None) -> date | None:
    """A sitemap `lastmod` as the calendar day it was written in (its own time zone: a page
    of 00:30 on the first day, +02:00, is of that day, not the day before in UTC)."""
    stamp = parse_stamp(value or "")
    return stamp.moment.date() if stamp else None


def sitemap_span(url: str) -> tuple[date, date] | None:
    """The first and last day a sitemap's URL says it covers (a day, a month or a year)."""
    day = url_day(url)
    if day is not None:
        return day, day
    match = SITEMAP_PERIOD.search(urlsplit(url).path)
    if match is None:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return date(year, 1, 1), date(year, 12, 31)
    start = date(year, int(match.group(2)), 1)
    return start, _start(start + timedelta(days=31), "month") - timedelta(days=1)


def _start(day: date, step: str) -> date:
    """The first day of the day, month or year that holds `day`."""
    if step == "month":
        return day.replace(day=1)
    if step == "year":
        return day.replace(month=1, day=1)
    return day
