"""Timestamps: the archive's one way to write "now" and to read a stamp.

Every time the archive records (first_seen, fetched, a run's start) is ISO 8601 in UTC to
the second (`now_iso`). Stamps read from elsewhere (a page's dates, a sitemap's lastmod, an
Atom entry's updated, the archive's own columns) go through `parse_stamp`, which keeps the
time zone the writer gave (a publisher's calendar day stays theirs), and are compared as
aware UTC datetimes (`as_utc`): a stamp without a zone, or a bare day, is read as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

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


@dataclass(frozen=True)
class Stamp:
    """A date or time as the page wrote it, normalised to ISO 8601."""

    text: str
    # For comparing stamps: a stamp without a zone, or a bare day, is read as UTC.
    moment: datetime
    has_time: bool
    aware: bool


def now() -> datetime:
    """Now, an aware datetime in UTC: every "now" of the archive comes from here."""
    return datetime.now(UTC)


def now_iso() -> str:
    """Now, ISO 8601 in UTC to the second: the archive's timestamp format."""
    return now().isoformat(timespec="seconds")


def as_utc(value: str | None) -> datetime | None:
    """A stamp as an aware UTC datetime (a bare day or a time without zone read as UTC);
    None when `value` is no stamp `parse_stamp` reads."""
    stamp = parse_stamp(value or "")
    return stamp.moment.astimezone(UTC) if stamp else None


def parse_stamp(value: str) -> Stamp | None:
    """An ISO 8601, RFC 2822, Java/JavaScript toString or epoch stamp; None otherwise."""
    value = value.strip()
    match = ISO.fullmatch(value)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        numbers = [int(n) for n in (year, month, day)]
        if hour is None:
            return from_parts(*numbers)
        return from_parts(*numbers, int(hour), int(minute), int(second or 0), zone=zone)
    match = TEXTUAL.fullmatch(value)
    if match:
        return _textual(match)
    if EPOCH.fullmatch(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        moment = datetime.fromtimestamp(seconds, UTC)
        return Stamp(moment.isoformat(timespec="seconds"), moment, True, True)
    return None


def _textual(match: re.Match) -> Stamp | None:
    month = MONTHS.get((match["m1"] or match["m2"]).lower())
    year = match["y1"] or match["y2"]
    if month is None or year is None or (match["y1"] and match["y2"]):
        return None
    zone = match["off"] or (match["zone"] or "").upper()
    return from_parts(
        int(year),
        month,
        int(match["d1"] or match["d2"]),
        int(match["h"]),
        int(match["mi"]),
        int(match["s"] or 0),
        # An abbreviation such as CEST is ambiguous: keep the local time, without a zone.
        zone=zone if zone in UTC_NAMES or zone[:1] in "+-" else None,
    )


def from_parts(
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


def retry_after(value: bytes | str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number, or an HTTP date); None when it
    asks for nothing readable. The crawl's pacing and the Wayback client both read it."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
