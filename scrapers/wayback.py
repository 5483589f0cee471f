"""Talking to a Wayback Machine: its CDX listing of captures, and its replay of each.

No client library does the talking. cdx-toolkit (the well-kept one) pages the Internet
Archive's CDX server its own way and keeps its place in memory, so a backfill killed
halfway could not resume from where its listing stopped; it paces and retries on its own,
where a backfill needs one budget for the listing and the replays and must obey
`Retry-After`. The CDX API is one GET with documented parameters, and a replay a plain
GET: urllib and the two pacers below are all it takes.

The endpoint is settable (`LIBYA_ARCHIVE_WAYBACK`, `--wayback-url`), so tests and the
benchmark talk to a local server that speaks the same API.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipelines.timestamps import retry_after
from scrapers.settings import DOWNLOAD_MAXSIZE, USER_AGENT

PUBLIC_WAYBACK = "https://web.archive.org"
WAYBACK_ENV = "LIBYA_ARCHIVE_WAYBACK"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode")
# A replay address: /web/<1 to 14 digits>[a flag such as id_]/<original URL>.
REPLAY_PATH = re.compile(r"^/web/(\d{1,14})(?:[a-z]{2}_)?/(.+)$")
MAX_REPLAY_HOPS = 6


def wayback_url(given: str | None = None) -> str:
    """The Wayback Machine to talk to: the one given, else the environment's, else the
    Internet Archive's."""
    return (given or os.environ.get(WAYBACK_ENV) or PUBLIC_WAYBACK).rstrip("/")


@dataclass(frozen=True)
class Limits:
    """How hard a backfill may press a Wayback Machine: the one place to set it.

    The Internet Archive allows about 15 CDX requests a minute and a few replays a second
    before it answers 429 and, if pressed on, blocks the address for a while; the defaults
    stay well under both. A 429 or 5xx pauses that kind of request for its `Retry-After`
    (or a doubling wait when none is given), and a request is given up after `attempts`.
    """

    cdx_per_minute: float = 10.0
    replays_per_second: float = 1.0
    connections: int = 2  # replays in flight at once (the Wayback answers slowly)
    page_size: int = 5000  # CDX rows per request
    attempts: int = 6
    longest_wait: float = 600.0  # the longest pause obeyed; a longer Retry-After gives up
    timeout: float = 60.0


class WaybackUnavailable(Exception):
    """The Wayback Machine did not answer after every attempt (or asked for a longer pause
    than a run waits): what was not fetched stays queued for the next run."""


class TooLarge(Exception):
    """A replay larger than the crawl takes a page to be (DOWNLOAD_MAXSIZE): skipped."""


class Pacer:
    """Spaces requests of one kind at least `interval` seconds apart, across threads, and
    holds them all back when the server asks for a pause."""

    def __init__(self, interval: float, sleep: Callable[[float], None] = time.sleep):
        self.interval = interval
        self.sleep = sleep
        self.lock = threading.Lock()
        self.next_slot = 0.0  # no request before: the pace
        self.paused_until = 0.0  # no request before: the server asked for a pause

    def wait(self) -> None:
        """Return when a request may go: a slot is taken only when it is due, so a pause
        asked for meanwhile holds back every thread, even one already waiting."""
        while True:
            with self.lock:
                now = time.monotonic()
                due = max(self.next_slot, self.paused_until)
                if now >= due:
                    # Counted from the slot, not from now, when it is taken a little late
                    # (a thread woken late by the interpreter): the pace holds over a run,
                    # and never runs ahead by more than that one slot.
                    late = now - due < self.interval and due == self.next_slot
                    self.next_slot = (due if late else now) + self.interval
                    return
            self.sleep(due - now)

    def pause(self, seconds: float) -> None:
        """No request of this kind before `seconds` from now."""
        with self.lock:
            self.paused_until = max(self.paused_until, time.monotonic() + seconds)


@dataclass
class CdxPage:
    rows: list[dict[str, str]]
    resume_key: str | None  # None: the listing is complete


@dataclass
class Replay:
    """A capture as the Wayback replayed it, after following its redirects."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    url: str  # the original URL of the capture finally served
    timestamp: str  # and its capture time, 14 digits
    replay_url: str
    hops: list[str] = field(default_factory=list)  # original URLs redirected from, in order
    problem: str | None = None  # why the redirects were not followed to the end
    redirect_to: tuple[str, str] | None = None  # a redirect capture: (timestamp, target URL)

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are read, not followed: a Wayback redirect says which capture it goes to."""

    def redirect_request(self, *args, **kwargs):
        return None


class WaybackClient:
    """CDX listings and replays from the Wayback Machine at `base`, within `limits`."""

    def __init__(
        self,
        base: str | None = None,
        limits: Limits = Limits(),  # noqa: B008 - frozen
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base = wayback_url(base)
        self.limits = limits
        self.sleep = sleep
        self.cdx_pacer = Pacer(60.0 / limits.cdx_per_minute, sleep)
        self.replay_pacer = Pacer(1.0 / limits.replays_per_second, sleep)
        self.opener = urllib.request.build_opener(_NoRedirects)
        self.pauses = 0  # 429s and 5xx answered, for the report

    # The listing -----------------------------------------------------------------------

    def cdx_page(
        self, host: str, until: str, resume_key: str | None = None, status: str = "200"
    ) -> CdxPage:
        """One page of the captures of `host` and its subdomains up to the day `until`
        (YYYYMMDD) answered `status`: the earliest capture of each URL, HTML when 200.

        No `from`: the earliest capture of a URL is what tells that a page was published
        before a backfill's range; the caller skips those. Redirect captures are listed
        apart (a status each: the filter is a regular expression only to some servers),
        without the HTML filter (the Wayback often types them unk or text/plain).
        """
        query = [
            ("url", host),
            ("matchType", "domain"),
            ("to", until),
            ("output", "json"),
            ("fl", ",".join(CDX_FIELDS)),
            ("filter", f"statuscode:{status}"),
            *([("filter", "mimetype:text/html")] if status == "200" else []),
            ("collapse", "urlkey"),
            ("limit", str(self.limits.page_size)),
            ("showResumeKey", "true"),
        ]
        if resume_key:
            query.append(("resumeKey", resume_key))
        url = f"{self.base}/cdx/search/cdx?{urllib.parse.urlencode(query)}"
        status, _, body = self._get(url, self.cdx_pacer)
        if status != 200:
            raise WaybackUnavailable(f"the CDX server answered {status} to {url}")
        try:
            return parse_cdx(body)
        except (ValueError, TypeError) as exc:  # an error page, a truncated answer
            message = f"the CDX server's answer is not a JSON listing: {exc}"
            raise WaybackUnavailable(message) from exc

    # Replays ---------------------------------------------------------------------------

    def replay(self, timestamp: str, url: str, hops: list[str] | None = None) -> Replay:
        """The capture of `url` at `timestamp`, as first captured (the `id_` form: no
        banner, no rewritten links), following the Wayback's redirects to the nearest
        capture of the same URL. A redirect capture is returned as it is, with the capture
        its redirect leads to in `redirect_to`: the caller decides whether to follow it
        (`hops`, the URLs redirected from so far)."""
        hops = list(hops or [])
        current_time = timestamp
        for _ in range(MAX_REPLAY_HOPS):
            address = replay_address(self.base, current_time, url)
            status, headers, body = self._get(address, self.replay_pacer)
            replay = Replay(status, headers, body, url, current_time, address, hops)
            location = _header(headers, "location")
            if not (300 <= status < 400 and location):
                return replay
            target = parse_replay(urllib.parse.urljoin(address, location))
            if target is None:
                replay.problem = f"redirects out of the Wayback Machine, to {location}"
                return replay
            next_time, next_url = target
            if not same_url(next_url, url):
                replay.redirect_to = (next_time.ljust(14, "0"), next_url)
                return replay
            current_time = next_time.ljust(14, "0")
        replay.problem = f"more than {MAX_REPLAY_HOPS} redirects"
        return replay

    # HTTP ------------------------------------------------------------------------------

    def _get(self, url: str, pacer: Pacer) -> tuple[int, list[tuple[str, str]], bytes]:
        """GET within the pace, pausing on 429 and 5xx as the server asks; the answer of
        any other status is returned as it is."""
        problem = ""
        for attempt in range(self.limits.attempts):
            pacer.wait()
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            try:
                with self.opener.open(request, timeout=self.limits.timeout) as response:
                    body = response.read(DOWNLOAD_MAXSIZE + 1)
                    if len(body) > DOWNLOAD_MAXSIZE:
                        raise TooLarge(f"{url}: larger than {DOWNLOAD_MAXSIZE} bytes")
                    return response.status, list(response.headers.items()), body
            except urllib.error.HTTPError as exc:
                headers = list(exc.headers.items())
                if exc.code != 429 and exc.code < 500:
                    return exc.code, headers, exc.read()
                problem = f"{exc.code} {exc.reason}"
                wait = retry_after(_header(headers, "retry-after"))
            except (urllib.error.URLError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
                wait = None
            self.pauses += 1
            wait = wait if wait is not None else min(2.0**attempt, 120.0)
            if wait > self.limits.longest_wait:
                raise WaybackUnavailable(f"{url}: asked to wait {wait:.0f} s ({problem})")
            pacer.pause(wait)
        raise WaybackUnavailable(f"{url}: {problem} after {self.limits.attempts} attempts")


def replay_address(base: str, timestamp: str, url: str) -> str:
    return f"{base}/web/{timestamp}id_/{url}"


def parse_replay(address: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a replay address, or None when it is not one."""
    match = REPLAY_PATH.match(
        urllib.parse.urlsplit(address)._replace(scheme="", netloc="").geturl()
    )
    if not match:
        return None
    stamp, original = match.groups()
    if not re.match(r"^https?:/", original):
        original = "http://" + original
    # Some servers squeeze the scheme's double slash into one.
    original = re.sub(r"^(https?):/(?!/)", r"\1://", original)
    return stamp, original


def same_url(a: str, b: str) -> bool:
    """Whether two original URLs are the same page, as the Wayback compares them (the
    scheme and a leading www. do not count)."""

    def key(url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        return f"{host}{parts.path or '/'}?{parts.query}"

    return key(a) == key(b)


def parse_cdx(body: bytes) -> CdxPage:
    """Rows of a JSON CDX answer (a header row of field names, then the captures, then an
    empty row and the resume key when more remain)."""
    text = body.decode("utf-8", "replace").strip()
    data = json.loads(text) if text else []
    if not data:
        return CdxPage([], None)
    names, rest = data[0], data[1:]
    resume_key = None
    if len(rest) >= 2 and rest[-2] == [] and len(rest[-1]) == 1:
        resume_key, rest = rest[-1][0], rest[:-2]
    if not isinstance(names, list) or not all(isinstance(row, list) for row in rest):
        raise ValueError("expected a list of rows")
    rows = [dict(zip(names, map(str, row), strict=False)) for row in rest if row]
    return CdxPage(rows, resume_key)


def capture_time(timestamp: str) -> datetime:
    return datetime.strptime(timestamp.ljust(14, "0")[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)
