"""The publication and modification dates of an article page.

The publication date is the earliest release date the publisher gives, as the publisher
wrote it: ISO 8601, in the page's own time zone when the page names one (never converted,
so `published[:10]` is the publisher's calendar day). Sources, in order of trust; the first
that yields a date wins and is recorded as `date_source`:

1. "jsonld" and "meta": the article's own JSON-LD object (`datePublished`; never a nested
   image's or video's, nor a related article's object) and the publication meta tags
   (`article:published_time`, `pubdate`, `dc.date.issued`, ...). Both are the page's
   statements about itself, so they are weighed together and the EARLIEST counts: pages that
   state the print edition's day, or the last update as `published_time`, beside the first
   online release (a live blog's meta often carries its latest update).
2. "markup": a `<time>` (or microdata `datePublished`) of the article itself, never one in
   a link to another page, a related-articles box, comments or a live ticker's entries, nor
   one marked as an update; one marked as the publication time first, then one inside
   <article>/<main>, then the first. Failing that, a date standing alone as a segment of
   the page's title ("Headline | Site | 28.04.2023").
3. "trafilatura": htmldate's day (computed with original_date=True); it searches the whole
   page, so it can pick a teaser's date, which is why the page's own statements come first.
4. "url": a /2024/05/23/ or 2024-05-23 date in the URL's path.
5. "none".

A candidate in the future of `now` or before 1990 is no publication date (a template's
placeholder, an epoch zero, a scheduled embargo) and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from pipelines.extraction.markup import first_values, meta_contents

# Publication meta tags, lower-cased (meta_contents folds case). Update-time tags are not
# here: an update is never the release date.
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified")
EARLIEST_YEAR = 1990
# Stamps this close are one release stated twice; distinct releases (print edition, first
# publication, update) are hours apart.
SAME_RELEASE = timedelta(hours=1)
# No place on earth is more than 14 hours ahead of UTC: a stamp without a zone (or a bare
# day) is in the future only when it is ahead of now even there.
LATEST_OFFSET = timedelta(hours=14)

ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
# RFC 2822 ("Mon, 05 Aug 2024 12:47:21 GMT") and the toString() of Java and JavaScript
# dates ("Fri Apr 28 19:20:36 CEST 2023", "Fri Apr 28 2023 17:52:31 GMT+0000 (...)").
TEXTUAL = re.compile(
    r"(?:[a-z]{3},?\s+)?"
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[a-z]{3})|(?P<m2>[a-z]{3})\s+(?P<d2>\d{1,2}))\s+"
    r"(?:(?P<y1>\d{4})\s+)?"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:\s*(?:GMT|UTC)?(?P<off>[+-]\d{4})|\s+(?P<zone>[a-z]{1,5}))?"
    r"(?:\s+(?P<y2>\d{4}))?"
    r"(?:\s*\(.*\))?",
    re.IGNORECASE,
)
EPOCH = re.compile(r"\d{10}(?:\d{3})?")
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
UTC_NAMES = {"Z", "UTC", "GMT", "UT"}

# Containers whose dates belong to other articles or to other people: related and
# recommended teasers, comments, sidebars, a live ticker's entries.
FOREIGN_CONTAINER = re.compile(
    r"related|teaser|recommend|comment|sidebar|promo|more-?(?:stories|articles)|read-?more"
    r"|ticker|live-?(?:blog|event|entry|entries|update|post|feed)",
    re.IGNORECASE,
)
FOREIGN_TAGS = {"aside", "nav"}
PUBLISHED_MARK = re.compile(r"publish|created|posted|date-?pub", re.IGNORECASE)
UPDATED_MARK = re.compile(r"updat|modif|edited", re.IGNORECASE)
TITLE_SEPARATOR = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022-]\s+")
DOTTED_DAY = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})")
URL_DAY = (
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)"),
    re.compile(r"[/_-]((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[/_.-]|$)"),
)


@dataclass(frozen=True)
class Stamp:
    """A date or time as the page wrote it, normalised to ISO 8601."""

    text: str
    # For comparing stamps: a stamp without a zone, or a bare day, is read as UTC.
    moment: datetime
    has_time: bool
    aware: bool


def published(
    tree,
    article_ld: list[dict],
    day: str | None,
    url: str,
    *,
    now: datetime | None = None,
) -> tuple[str | None, str]:
    """The article's publication time, and the source it came from.

    Args:
        tree: the page, parsed (lxml), untouched by trafilatura.
        article_ld: the page's JSON-LD objects of article types, in page order.
        day: htmldate's day (YYYY-MM-DD) from trafilatura, or None.
        url: the page's URL.
        now: the latest possible publication time (the crawl time); default the current
            UTC time.

    Returns:
        (ISO 8601 time or day as the publisher wrote it, or None; one of "jsonld", "meta",
        "markup", "trafilatura", "url", "none").
    """
    now = now or datetime.now(UTC)
    pages = own_urls(tree, url)
    tiers = (
        lambda: statements(tree, article_ld, pages),
        lambda: [(stamp, "markup") for stamp in article_times(tree, url, pages)],
        lambda: [(stamp, "markup") for stamp in title_days(tree)],
        lambda: [(stamp, "trafilatura") for stamp in [parse_stamp(day or "")] if stamp],
        lambda: [(stamp, "url") for stamp in url_days(url)],
    )
    for tier in tiers:
        candidates = [(s, source) for s, source in tier() if plausible(s, now)]
        if candidates:
            stamp, source = earliest(candidates)
            return stamp.text, source
    return None, "none"


def modified(tree, article_ld: list[dict]) -> str | None:
    """The last modification time the page states, ISO 8601, or None."""
    values = [v for obj in article_ld[:1] for v in _strings(obj.get("dateModified"))]
    metas = meta_contents(tree)
    values += [v for name in MODIFIED_META for v in metas.get(name, [])]
    stamps = [stamp for stamp in map(parse_stamp, values) if stamp]
    return stamps[0].text if stamps else None


def statements(tree, article_ld: list[dict], pages: set[str]) -> list[tuple[Stamp, str]]:
    """The publication stamps the page states about itself: its JSON-LD object and meta."""
    found = []
    obj = main_article(article_ld, pages)
    if obj is not None:
        found += [(s, "jsonld") for s in map(parse_stamp, _strings(obj.get("datePublished"))) if s]
    metas = meta_contents(tree)
    for name in PUBLISHED_META:
        found += [(s, "meta") for s in map(parse_stamp, metas.get(name, [])) if s]
    return found


def main_article(article_ld: list[dict], pages: set[str]) -> dict | None:
    """The JSON-LD object of this page's article, not of a related one listed beside it.

    The object that names this page's URL; else the first that has a publication date.
    """
    dated = [obj for obj in article_ld if _strings(obj.get("datePublished"))]
    for obj in dated:
        entity = obj.get("mainEntityOfPage")
        named = [obj.get("url"), obj.get("@id"), entity]
        if isinstance(entity, dict):
            named += [entity.get("@id"), entity.get("url")]
        if any(isinstance(n, str) and same_page(n) in pages for n in named):
            return obj
    return dated[0] if dated else None


def article_times(tree, url: str, pages: set[str]) -> list[Stamp]:
    """The article's own <time> (or microdata) stamp, if it has one.

    One marked as the publication time before unmarked ones, and one inside <article> or
    <main> before one elsewhere (a site header's "today"), else the first in page order.
    Stamps marked as updates, and those in other articles' or people's corners, never count;
    nor does the earliest of all, which would be an old related item's.
    """
    ranked = []
    for order, element in enumerate(
        tree.xpath("//time[@datetime] | //*[@itemprop='datePublished'][@content]")
    ):
        stamp = parse_stamp(element.get("datetime") or element.get("content") or "")
        marks = " ".join(filter(None, (element.get("class"), element.get("itemprop"))))
        if stamp is None or UPDATED_MARK.search(marks) or is_foreign(element, url, pages):
            continue
        marked = bool(PUBLISHED_MARK.search(marks)) or element.get("pubdate") is not None
        in_article = any(a.tag in ("article", "main") for a in element.iterancestors())
        ranked.append((not marked, not in_article, order, stamp))
    return [min(ranked)[-1]] if ranked else []


def is_foreign(element, url: str, pages: set[str]) -> bool:
    """Whether an element sits where dates are not the article's (teasers, comments, ...)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in FOREIGN_TAGS:
            return True
        # A link to another page is a teaser; a permalink to this page is the byline's.
        href = ancestor.get("href") if ancestor.tag == "a" else None
        if href and same_page(href, base=url) not in pages:
            return True
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if names.strip() and FOREIGN_CONTAINER.search(names):
            return True
    return False


def title_days(tree) -> list[Stamp]:
    """A date that is a whole segment of the page's title: "Headline | Site | 28.04.2023".

    Some publishers date the page in its title; a date among the headline's words is left
    alone, since it is often an event's, not the article's.
    """
    titles = first_values(tree, ("//title/text()", "//meta[@property='og:title']/@content"))
    for title in titles:
        for segment in TITLE_SEPARATOR.split(title.strip()):
            stamp = parse_day(segment.strip())
            if stamp:
                return [stamp]
    return []


def url_days(url: str) -> list[Stamp]:
    """The day in a URL path such as /2024/05/23/slug or /news/2024-05-23-slug."""
    path = urlsplit(url).path
    for pattern in URL_DAY:
        match = pattern.search(path)
        if match:
            stamp = _stamp(*map(int, match.groups()))
            return [stamp] if stamp else []
    return []


def earliest(candidates: list[tuple[Stamp, str]]) -> tuple[Stamp, str]:
    """The earliest release, as its most trusted candidate with a time tells it.

    Candidates come in order of trust. Stamps within SAME_RELEASE of the earliest are one
    release stated twice (seconds apart, or once in UTC and once in local time), so trust
    decides among them rather than a few seconds. A bare day only tells the day: any stamp
    written on that day is the same release, and one with a time and zone is preferred.
    """
    first = min(stamp.moment for stamp, _ in candidates)
    lead = next(s for s, _ in candidates if s.moment == first)
    if lead.has_time:
        release = [c for c in candidates if c[0].moment - first <= SAME_RELEASE]
    else:
        release = [c for c in candidates if c[0].text[:10] == lead.text[:10]]
    timed = [c for c in release if c[0].has_time]
    return (timed or release)[0]


def plausible(stamp: Stamp, now: datetime) -> bool:
    """Not before 1990 and not after `now` (wherever the page's clock may be)."""
    if stamp.moment.year < EARLIEST_YEAR:
        return False
    if stamp.aware:
        return stamp.moment <= now
    return stamp.moment <= now + LATEST_OFFSET


def parse_stamp(value: str) -> Stamp | None:
    """An ISO 8601, RFC 2822, Java/JavaScript toString or epoch stamp; None otherwise."""
    value = value.strip()
    match = ISO.fullmatch(value)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        numbers = [int(n) for n in (year, month, day)]
        if hour is None:
            return _stamp(*numbers)
        return _stamp(*numbers, int(hour), int(minute), int(second or 0), zone=zone)
    match = TEXTUAL.fullmatch(value)
    if match:
        return _textual(match)
    if EPOCH.fullmatch(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        moment = datetime.fromtimestamp(seconds, UTC)
        return Stamp(moment.isoformat(timespec="seconds"), moment, True, True)
    return None


def parse_day(value: str) -> Stamp | None:
    """A bare day written 2024-05-23 or 23.05.2024."""
    match = DOTTED_DAY.fullmatch(value)
    if match:
        day, month, year = map(int, match.groups())
        return _stamp(year, month, day)
    stamp = parse_stamp(value)
    return stamp if stamp and not stamp.has_time else None


def own_urls(tree, url: str) -> set[str]:
    """The addresses of this page (its URL, canonical and og:url), comparable by same_page."""
    named = first_values(
        tree, ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content")
    )
    return {same_page(u, base=url) for u in [url, *named] if u}


def same_page(url: str, base: str = "") -> str:
    """A URL reduced to host and path, so that variants of one page's address compare equal."""
    parts = urlsplit(urljoin(base, url.strip()))
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def _textual(match: re.Match) -> Stamp | None:
    month = MONTHS.get((match["m1"] or match["m2"]).lower())
    year = match["y1"] or match["y2"]
    if month is None or year is None or (match["y1"] and match["y2"]):
        return None
    zone = match["off"] or (match["zone"] or "").upper()
    return _stamp(
        int(year),
        month,
        int(match["d1"] or match["d2"]),
        int(match["h"]),
        int(match["mi"]),
        int(match["s"] or 0),
        # An abbreviation such as CEST is ambiguous: keep the local time, without a zone.
        zone=zone if zone in UTC_NAMES or zone[:1] in "+-" else None,
    )


def _stamp(
    year: int,
    month: int,
    day: int,
    hour: int | None = None,
    minute: int = 0,
    second: int = 0,
    zone: str | None = None,
) -> Stamp | None:
    """A Stamp from its parts; None when they make no calendar date or zone."""
    try:
        if hour is None:
            moment = datetime(year, month, day, tzinfo=UTC)
            return Stamp(date(year, month, day).isoformat(), moment, False, False)
        tz = _zone(zone) if zone else None
        local = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    moment = local if tz else local.replace(tzinfo=UTC)
    return Stamp(local.isoformat(timespec="seconds"), moment, True, tz is not None)


def _zone(zone: str) -> timezone:
    """The offset a zone designator names; ValueError when it names none."""
    if zone.upper() in UTC_NAMES:
        return UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        raise ValueError(f"no such offset: {zone}")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if zone[0] == "-" else offset)


def _strings(value) -> list[str]:
    """A JSON-LD value's strings: one string, or the strings of a list."""
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]
