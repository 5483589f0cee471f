"""A Wayback Machine on 127.0.0.1: the CDX listing and the raw replay, as the Archive has them.

`backfill` is written against the Internet Archive's real API, which tests cannot reach and
which would be rude to hammer from a benchmark. This server speaks the same protocol from a
list of captures, so the client cannot tell the difference:

- `GET /cdx/search/cdx?url=...`: the CDX server (matchType, from/to, output=json, fl,
  filter, collapse, limit, showResumeKey/resumeKey), rows sorted by SURT key then time;
- `GET /web/<timestamp>id_/<original URL>`: the capture's bytes as received, no banner; a
  timestamp that no capture has redirects to the nearest one, and a captured redirect
  points at its target's replay, as on web.archive.org.

It also misbehaves on demand (rate limits answered with 429 and Retry-After, chosen
requests answered 429 or 503, a delay on every answer) and records every request, so a
test can check that a client backs off, stays under the limits and fetches nothing twice.

`sample_site()` is a small archived news site about Libya with the traps a backfill meets
(redirects, an error page, an image, a page with no date, captures outside the range), and
`sample_truth()` what a backfill of 2012-2016 must keep from it; `generated_site(n)` is a
large cheap one for benchmarks. `python -m tests.wayback_server` serves either.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import calendar
import contextlib
import functools
import hashlib
import json
import math
import re
import struct
import sys
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from itertools import islice
from urllib.parse import parse_qsl, quote_plus, unquote, unquote_plus

from tests.local_server import LocalServer

SAMPLE_HOST = "www.libya-herald-archive.ly"
CDX_PATH = "/cdx/search/cdx"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
# /web/<1-14 digits><optional modifier such as id_ or if_>/<original URL>
REPLAY_PATH = re.compile(r"^/web/(\d{1,14})([a-z]{2}_)?/(.+)$")
# scheme://[user@]host[:port][path][?query][#fragment]; match() always succeeds.
URL_PARTS = re.compile(r"[^:/?#]*://(?:[^@/?#]*@)?([^/?#:]*)(?::(\d*))?([^?#]*)(?:\?([^#]*))?")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml")


# Captures ------------------------------------------------------------------------------


def surt(url: str) -> str:
    """The CDX key of a URL: "https://www.Example.ly/A?b=1&a=2" -> "ly,example)/a?a=2&b=1".

    As the Archive's canonicaliser: no scheme, no "www." (nor "www2."), no default port,
    host labels reversed and joined with commas, query arguments sorted, all lowercase.
    """
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    host, port, path, query = URL_PARTS.match(url).groups()  # type: ignore[union-attr]
    key = _host_key(host, port or "") + ")" + (path or "/")
    if query:
        key += "?" + "&".join(sorted(query.split("&")))
    return key.lower()


@functools.lru_cache(maxsize=4096)
def _host_key(host: str, port: str) -> str:
    host = re.sub(r"^www\d*\.", "", host.lower().strip("."))
    key = ",".join(reversed(host.split(".")))
    return key + f":{port}" if port not in ("", "80", "443") else key


def default_content_type(mimetype: str) -> str:
    if mimetype.startswith(TEXT_TYPES):
        return f"{mimetype}; charset=utf-8"
    return mimetype


@dataclass(slots=True)
class Capture:
    """One capture of one URL, as the Wayback Machine holds it."""

    url: str  # the original URL, as captured
    timestamp: str  # "YYYYMMDDhhmmss", UTC
    status: int = 200
    mimetype: str = "text/html"
    body: bytes = b""
    location: str | None = None  # a 3xx capture: the absolute URL it redirected to
    content_type: str | None = None  # the header; None: derived from mimetype
    urlkey: str = field(init=False, repr=False)
    _digest: str | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.timestamp) != 14 or not self.timestamp.isdigit():
            raise ValueError(f"a capture's timestamp has 14 digits, not {self.timestamp!r}")
        if self.content_type is None:
            self.content_type = default_content_type(self.mimetype)
        self.urlkey = surt(self.url)

    @property
    def digest(self) -> str:
        """The CDX "digest": base32 of the SHA-1 of the body."""
        if self._digest is None:
            self._digest = base64.b32encode(hashlib.sha1(self.body).digest()).decode("ascii")
        return self._digest

    @property
    def length(self) -> int:
        return len(self.body)

    def value(self, name: str) -> str:
        """The value of one CDX field, as a string."""
        if name == "original":
            return self.url
        if name == "statuscode":
            return str(self.status)
        return str(getattr(self, name))


def sort_key(capture: Capture) -> tuple[str, str, str, int]:
    return (capture.urlkey, capture.timestamp, capture.url, capture.status)


def position_key(capture: Capture) -> tuple[str, str]:
    return (capture.urlkey, capture.timestamp)


# Timestamps ----------------------------------------------------------------------------


class BadRequest(ValueError):
    """A query the real server would refuse (answered 400 with the message)."""


def pad_timestamp(value: str, *, end: bool) -> str:
    """A 1-14 digit timestamp made 14: `from` with the lowest value, `to` with the highest."""
    if not re.fullmatch(r"\d{1,14}", value):
        raise BadRequest(f"invalid timestamp {value!r}: 1 to 14 digits")
    template = "99991231235959" if end else "00000101000000"
    return value + template[len(value) :]


def epoch(timestamp: str) -> int:
    """Seconds since 1970 of a 14-digit timestamp, impossible fields clamped (month 00, ...)."""
    numbers = [int(timestamp[i : i + 2]) for i in range(4, 14, 2)]
    year = max(int(timestamp[:4]), 1)
    month = min(max(numbers[0], 1), 12)
    day = min(max(numbers[1], 1), calendar.monthrange(year, month)[1])
    hour, minute, second = min(numbers[2], 23), min(numbers[3], 59), min(numbers[4], 59)
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def http_date(timestamp: str) -> str:
    """RFC 1123 date, as in Memento-Datetime: "Tue, 14 May 2013 09:30:00 GMT"."""
    return formatdate(epoch(timestamp), usegmt=True)


# CDX queries ---------------------------------------------------------------------------


@dataclass
class CdxQuery:
    """The parameters of one CDX request, checked."""

    url: str
    match_type: str = "exact"
    start: str = "00000101000000"
    end: str = "99991231235959"
    fields: tuple[str, ...] = CDX_FIELDS
    filters: list[tuple[bool, str, re.Pattern[str]]] = field(default_factory=list)
    collapse: list[tuple[str, int | None]] = field(default_factory=list)
    limit: int | None = None
    show_resume_key: bool = False
    resume_key: str | None = None
    json: bool = False


def _field_name(name: str) -> str:
    if name not in CDX_FIELDS:
        raise BadRequest(f"unknown field {name!r}; fields: {','.join(CDX_FIELDS)}")
    return name


def _filter(spec: str) -> tuple[bool, str, re.Pattern[str]]:
    """ "[!]field:regex" -> (negated, field, regex); the regex must match the whole value."""
    negated = spec.startswith("!")
    name, colon, pattern = spec.lstrip("!").partition(":")
    if not colon:
        raise BadRequest(f"invalid filter {spec!r}: [!]field:regex")
    try:
        return negated, _field_name(name), re.compile(pattern)
    except re.error as error:
        raise BadRequest(f"invalid filter regex {pattern!r}: {error}") from None


def _collapse(spec: str) -> tuple[str, int | None]:
    """ "field" or "field:N" (the first N characters)."""
    name, colon, digits = spec.partition(":")
    if colon and not digits.isdigit():
        raise BadRequest(f"invalid collapse {spec!r}: field or field:N")
    return _field_name(name), int(digits) if colon else None


def parse_cdx_query(query_string: str) -> CdxQuery:
    params = parse_qsl(query_string, keep_blank_values=True)
    single = dict(params)
    url = single.get("url", "").strip()
    if not url:
        raise BadRequest("no url given: ?url=example.com/page")
    query = CdxQuery(url=url, match_type=single.get("matchType", "exact"))
    if url.endswith("*"):  # a wildcard overrides matchType, as on the real server
        query.url, query.match_type = url.rstrip("*"), "prefix"
    elif url.startswith("*."):
        query.url, query.match_type = url[2:], "domain"
    if query.match_type not in ("exact", "prefix", "host", "domain"):
        raise BadRequest(f"invalid matchType {query.match_type!r}")
    if single.get("from"):
        query.start = pad_timestamp(single["from"], end=False)
    if single.get("to"):
        query.end = pad_timestamp(single["to"], end=True)
    if single.get("fl"):
        query.fields = tuple(_field_name(name.strip()) for name in single["fl"].split(","))
    query.filters = [_filter(value) for name, value in params if name == "filter" and value]
    query.collapse = [_collapse(value) for name, value in params if name == "collapse" and value]
    if single.get("limit"):
        try:
            query.limit = int(single["limit"])
        except ValueError:
            raise BadRequest(f"invalid limit {single['limit']!r}") from None
    query.show_resume_key = single.get("showResumeKey", "").lower() in ("true", "1", "yes")
    query.resume_key = single.get("resumeKey") or None
    query.json = single.get("output", "").lower() == "json"
    return query


def resume_key_text(key: str) -> str:
    """The key's text, whether the client sent it encoded (as it should) or pasted it raw."""
    return key if " " in key else unquote_plus(key)


# Responses -----------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RequestRecord:
    """One request the server answered."""

    kind: str  # "cdx", "replay" or "other"
    path: str  # with its query
    status: int
    time: float  # time.monotonic() when it arrived


def html_response(status: int, title: str, text: str) -> Response:
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
    page += f"<p>{text}</p></body></html>"
    return Response(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def text_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, text.encode(), {"Content-Type": "text/plain", **(headers or {})})


def request_kind(path: str) -> str:
    if path.split("?", 1)[0] == CDX_PATH:
        return "cdx"
    return "replay" if path.startswith("/web/") else "other"


class WaybackServer(LocalServer):
    """The Wayback Machine over `captures`, in a background thread (a context manager)."""

    def __init__(
        self,
        captures: Iterable[Capture],
        *,
        limits: Mapping[str, tuple[int, float]] | None = None,
        bursts: Iterable[int] = (),
        errors: Iterable[int] = (),
        delay: float = 0.0,
        port: int = 0,
    ):
        self.captures = sorted(captures, key=sort_key)
        self.limits = dict(limits or {})
        self.bursts = set(bursts)
        self.errors = set(errors)
        self.delay = delay
        self.requests: list[RequestRecord] = []
        self.violations: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._count = 0
        self._admitted: dict[str, deque[float]] = {kind: deque() for kind in self.limits}
        self.start_server(self._handler_class(), port)
        self.url = self.origin

    # What was asked ----------------------------------------------------------------------

    def replay_counts(self) -> Counter[str]:
        """Replay paths answered 200 or 3xx, with how often (more than 1: fetched twice)."""
        with self._lock:
            return Counter(
                r.path for r in self.requests if r.kind == "replay" and 200 <= r.status < 400
            )

    def cdx_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.kind == "cdx"]

    # Answering ---------------------------------------------------------------------------

    def answer(self, path: str) -> Response:
        """The response to GET `path`, after the trouble asked for; the request recorded."""
        kind = request_kind(path)
        arrived = time.monotonic()
        with self._lock:
            self._count += 1
            response = self._trouble(self._count, kind, arrived)
        if self.delay:
            time.sleep(self.delay)
        if response is None:
            try:
                response = self._route(kind, path)
            except BadRequest as error:
                response = text_response(400, f"Bad request: {error}\n")
        with self._lock:
            self.requests.append(RequestRecord(kind, path, response.status, arrived))
        return response

    def _trouble(self, number: int, kind: str, now: float) -> Response | None:
        """A burst (429), an error (503) or a rate-limit 429 for this request, or None."""
        if number in self.bursts:
            return text_response(429, "Too Many Requests\n", {"Retry-After": "1"})
        if number in self.errors:
            return text_response(503, "Service Unavailable\n")
        if kind not in self.limits:
            return None
        most, seconds = self.limits[kind]
        admitted = self._admitted[kind]
        while admitted and admitted[0] <= now - seconds:
            admitted.popleft()
        if len(admitted) < most:
            admitted.append(now)
            return None
        self.violations[kind] += 1
        oldest = admitted[0] if admitted else now  # a limit of 0: refused for the window
        wait = max(1, math.ceil(oldest + seconds - now))
        return text_response(429, "Too Many Requests\n", {"Retry-After": str(wait)})

    def _route(self, kind: str, path: str) -> Response:
        if kind == "cdx":
            return self.cdx(parse_cdx_query(path.partition("?")[2]))
        match = REPLAY_PATH.match(path) if kind == "replay" else None
        if match is None:
            return html_response(404, "Not Found", "No such page on this server.")
        return self.replay(match[1], original_url(match[3]))

    # The CDX server ----------------------------------------------------------------------

    def cdx(self, query: CdxQuery) -> Response:
        selected = self._select(query)
        more = False
        if query.limit is not None and query.limit < 0:  # the real server's "last N"
            rows = list(selected)[query.limit :]
        elif query.limit is not None:
            rows = list(islice(selected, query.limit + 1))
            more = len(rows) > query.limit
            rows = rows[: query.limit]
        else:
            rows = list(selected)
        key = self._resume_key(rows[-1]) if more and rows and query.show_resume_key else None
        values = [[self.captures[i].value(name) for name in query.fields] for i in rows]
        if query.json:
            body = json_listing(query.fields, values, key)
            return Response(200, body, {"Content-Type": "application/json"})
        return text_response(200, text_listing(values, key))

    def _ranges(self, query: CdxQuery) -> list[tuple[int, int]]:
        """Index ranges of the sorted captures that the url and matchType select."""
        key = surt(query.url)
        if query.match_type == "exact":
            return [self._prefix_range(key, exact=True)]
        if query.match_type == "prefix":
            return [self._prefix_range(key)]
        host = key.partition(")")[0]
        ranges = [self._prefix_range(host + ")")]
        if query.match_type == "domain":
            ranges.append(self._prefix_range(host + ","))
        return ranges

    def _prefix_range(self, prefix: str, *, exact: bool = False) -> tuple[int, int]:
        urlkey = _urlkey
        low = bisect.bisect_left(self.captures, prefix, key=urlkey)
        if exact:
            return low, bisect.bisect_right(self.captures, prefix, key=urlkey)
        return low, bisect.bisect_left(self.captures, prefix + "\U0010ffff", key=urlkey)

    def _select(self, query: CdxQuery) -> Iterator[int]:
        """Indexes of the rows to list, in order, after the resume key if one was given."""
        after, previous = self._resume(query)
        for low, high in self._ranges(query):
            for index in range(max(low, after), high):
                capture = self.captures[index]
                if not query.start <= capture.timestamp <= query.end:
                    continue
                if not all(
                    bool(regex.fullmatch(capture.value(name))) != negated
                    for negated, name, regex in query.filters
                ):
                    continue
                if query.collapse:
                    values = collapse_values(capture, query.collapse)
                    if previous is not None and any(map(str.__eq__, values, previous)):
                        continue
                    previous = values
                yield index

    def _resume_key(self, index: int) -> str:
        """Opaque to clients: quote_plus("<urlkey> <timestamp>"), "!<n>" appended to the
        text when n earlier rows share that urlkey and timestamp."""
        capture = self.captures[index]
        first = bisect.bisect_left(self.captures, position_key(capture), key=position_key)
        text = f"{capture.urlkey} {capture.timestamp}"
        if index > first:
            text += f"!{index - first}"
        return quote_plus(text)

    def _resume(self, query: CdxQuery) -> tuple[int, tuple[str, ...] | None]:
        """(first index to consider, collapse values of the last row listed) for resumeKey."""
        if query.resume_key is None:
            return 0, None
        text = resume_key_text(query.resume_key)
        urlkey, _, stamp = text.rpartition(" ")
        stamp, _, nth = stamp.partition("!")
        if not urlkey or not re.fullmatch(r"\d{14}", stamp) or not (nth or "0").isdigit():
            raise BadRequest(f"invalid resumeKey {query.resume_key!r}")
        index = bisect.bisect_left(self.captures, (urlkey, stamp), key=position_key)
        last = index + int(nth or 0)
        if last < len(self.captures) and position_key(self.captures[last]) == (urlkey, stamp):
            previous = collapse_values(self.captures[last], query.collapse)
            return last + 1, previous if query.collapse else None
        return index, None  # a key from another listing: go on from where it would sort

    # Replay ------------------------------------------------------------------------------

    def replay(self, timestamp: str, url: str) -> Response:
        try:
            key = surt(url)
        except ValueError:
            key = ""
        low, high = self._prefix_range(key, exact=True)
        if low == high:
            return html_response(
                404, "Not in archive", f"The Wayback Machine has not archived {url}."
            )
        group = self.captures[low:high]
        exact = [c for c in group if c.timestamp == timestamp]
        if not exact:
            target = epoch(pad_timestamp(timestamp, end=False))
            nearest = min(group, key=lambda c: (abs(epoch(c.timestamp) - target), c.timestamp))
            location = self.replay_url(nearest.timestamp, url)  # the URL as asked for
            return Response(302, b"", {"Location": location, "Content-Type": "text/plain"})
        return self._captured(exact[0])

    def replay_url(self, timestamp: str, url: str) -> str:
        return f"{self.url}/web/{timestamp}id_/{url}"

    def _captured(self, capture: Capture) -> Response:
        headers = {
            "Content-Type": capture.content_type or "",
            "Memento-Datetime": http_date(capture.timestamp),
        }
        if 300 <= capture.status < 400:
            if capture.location:
                headers["Location"] = self.replay_url(capture.timestamp, capture.location)
            return Response(capture.status, b"", headers)
        return Response(capture.status, capture.body, headers)

    # HTTP --------------------------------------------------------------------------------

    def _handler_class(self):
        wayback = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the stdlib's name
                response = wayback.answer(self.path)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                # The client may have given up, as it may.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(response.body)

            def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
                pass

        return Handler


def _urlkey(capture: Capture) -> str:
    return capture.urlkey


def collapse_values(capture: Capture, collapse: list[tuple[str, int | None]]) -> tuple[str, ...]:
    return tuple(capture.value(name)[:length] for name, length in collapse)


def json_listing(fields: tuple[str, ...], rows: list[list[str]], key: str | None) -> bytes:
    """As the Archive writes it: one row a line, the header first (compact, the rows with
    ", "); `[]` when nothing matched; a resume key as an empty row, then a one-value row."""
    if not rows:
        return b"[]\n"
    lines = [json.dumps(list(fields), separators=(",", ":")), *map(json.dumps, rows)]
    if key is not None:
        lines += ["[]", json.dumps([key])]
    return ("[" + ",\n".join(lines) + "]\n").encode()


def text_listing(rows: list[list[str]], key: str | None) -> str:
    """One space-separated line a row; a resume key after a blank line."""
    text = "".join(" ".join(row) + "\n" for row in rows)
    return text + f"\n{key}\n" if key is not None else text


def original_url(raw: str) -> str:
    """The original URL from a replay path, as the Wayback reads it: percent-encoded or with
    its "//" collapsed to "/" by a proxy, or with no scheme at all."""
    if re.match(r"https?%3a", raw, re.IGNORECASE):
        raw = unquote(raw)
    raw = re.sub(r"^(https?):/(?!/)", r"\1://", raw, flags=re.IGNORECASE)
    return raw if "://" in raw else "http://" + raw


# A sample site ---------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | Libya Herald Archive</title>
<meta property="og:title" content="{title}">{meta}
</head><body>
<header><a href="/">Libya Herald Archive</a>
<nav><a href="/news/">News</a> <a href="/about.html">About us</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author}</p>{time}
{paragraphs}
</article></main>
<footer><p>Libya Herald Archive: independent news from Libya.</p></footer>
</body></html>
"""


@dataclass
class SampleArticle:
    path: str  # under the host
    title: str
    published: str | None  # "2013-05-14T09:30:00Z"; None: the page gives no date
    author: str
    paragraphs: tuple[str, ...]
    captured: tuple[str, ...]  # capture timestamps, all after publication

    def html(self) -> bytes:
        meta = time_tag = ""
        if self.published:
            day = time.strftime("%d %B %Y", time.strptime(self.published, "%Y-%m-%dT%H:%M:%SZ"))
            meta = f'\n<meta property="article:published_time" content="{self.published}">'
            time_tag = f'\n<p><time datetime="{self.published}">{day.lstrip("0")}</time></p>'
        paragraphs = "\n".join(f"<p>{p}</p>" for p in self.paragraphs)
        page = PAGE.format(
            title=self.title, meta=meta, author=self.author, time=time_tag, paragraphs=paragraphs
        )
        return page.encode("utf-8")


SAMPLE_ARTICLES = (
    SampleArticle(
        "/2012/07/07/libyans-vote-in-first-national-election.html",
        "Libyans vote in first national election in decades",
        "2012-07-07T18:45:00Z",
        "Hana Fitouri",
        (
            "Voters queued from early morning outside polling stations in Tripoli, Benghazi "
            "and Misrata on Saturday to choose the two hundred members of the General National "
            "Congress, the assembly that will appoint a new government.",
            "The High National Elections Commission said that more than two and a half million "
            "people had registered to vote, and that most polling centres had opened on time "
            "despite protests in parts of the east.",
            "In Benghazi, a small group of demonstrators calling for autonomy for the eastern "
            "region burned ballot papers at one centre, but officials said voting elsewhere in "
            "the city went on without serious incident.",
            "Counting began as soon as the polls closed, and the first results are expected "
            "within days.",
        ),
        # First captured a year and a half later, then again after the range.
        ("20140212093011", "20150630121502", "20170811054433"),
    ),
    SampleArticle(
        "/2012/09/22/benghazi-residents-march-against-brigades.html",
        "Benghazi residents march against armed brigades",
        "2012-09-22T08:15:00Z",
        "Salma Idris",
        (
            "Thousands of residents marched through the centre of Benghazi on Friday demanding "
            "that the armed brigades formed during the revolution hand over their weapons and "
            "accept the authority of the army and the police.",
            "Marchers carried banners calling for a state of institutions and gathered outside "
            "the bases of several brigades, some of which were later abandoned by their "
            "members.",
            "Officials in Tripoli welcomed the march and said a plan to bring former fighters "
            "into the security forces would be put to the General National Congress within "
            "weeks.",
        ),
        ("20121003140522", "20150118201745"),
    ),
    SampleArticle(
        "/2013/05/14/zueitina-terminal-reopens.html",
        "Zueitina oil terminal reopens after strike ends",
        "2013-05-14T09:30:00Z",
        "Omar Ghaith",
        (
            "Oil exports from the Zueitina terminal south of Benghazi resumed on Monday after "
            "workers ended a strike over pay and contracts that had halted loadings for nine "
            "days, the National Oil Corporation said.",
            "A spokesman for the corporation said the first tanker had berthed in the "
            "afternoon, and that production at the fields feeding the terminal would be back "
            "to normal within a week.",
            "The stoppage had cut national output by around a hundred thousand barrels a day. "
            "Engineers warned that repeated shutdowns were damaging ageing pipelines and "
            "storage tanks in the east of the country.",
        ),
        ("20130602081530", "20140910173012", "20160305110245"),
    ),
    SampleArticle(
        "/2013/08/29/tripoli-power-cuts-lengthen.html",
        "Tripoli power cuts lengthen as summer demand peaks",
        "2013-08-29T16:20:00Z",
        "Khaled Mahmoud",
        (
            "Residents of Tripoli faced power cuts of up to eight hours a day this week as "
            "demand for air conditioning outstripped the capacity of the capital's ageing power "
            "stations, the General Electricity Company said.",
            "The company blamed damage to transmission lines south of the city and shortages of "
            "gas for the Zawiya and Tripoli West plants, and asked households to switch off "
            "water heaters in the afternoon.",
            "Shopkeepers in the old city said generators had become a necessity, and that the "
            "price of diesel on the black market had doubled since the start of the month.",
        ),
        ("20131105121314", "20160220083000"),
    ),
    SampleArticle(
        "/2014/01/20/date-set-for-constitution-assembly-vote.html",
        "Date set for election of constitution drafting assembly",
        "2014-01-20T10:05:00Z",
        "Laila Ben Omran",
        (
            "The High National Elections Commission announced that voters will elect the sixty "
            "members of the Constitution Drafting Assembly next month, with twenty seats each "
            "for the west, the east and the south of the country.",
            "Figures released in Tripoli showed that just over a million people had registered, "
            "far fewer than for the congress election, and officials urged young people to sign "
            "up before the deadline.",
            "Six seats are reserved for women and six for the Amazigh, Tebu and Tuareg "
            "communities, although Amazigh leaders have said they will boycott the vote.",
        ),
        ("20140201101010", "20150415093022"),
    ),
    SampleArticle(
        "/2014/06/26/low-turnout-in-house-of-representatives-vote.html",
        "Low turnout in House of Representatives election",
        "2014-06-26T07:40:00Z",
        "Omar Ghaith",
        (
            "Fewer than half of registered voters took part in Wednesday's election for the "
            "House of Representatives, the body that will replace the General National "
            "Congress, according to early figures from the elections commission.",
            "Polling was cancelled in several districts of Derna and Kufra because of "
            "insecurity, and voting in parts of Benghazi was disrupted by clashes that began in "
            "the afternoon.",
            "The new house is due to meet in Benghazi, but diplomats in Tripoli said the "
            "fighting in the city made it likely that its first session would be moved to "
            "Tobruk.",
        ),
        ("20140630190003", "20151201064512", "20180412221500"),
    ),
    SampleArticle(
        "/2014/07/14/fighting-shuts-tripoli-airport.html",
        "Fighting shuts Tripoli International Airport",
        "2014-07-14T13:10:00Z",
        "Yusuf Ahmida",
        (
            "All flights in and out of Tripoli International Airport were suspended on Sunday "
            "after heavy fighting broke out between rival armed groups around the terminal "
            "buildings and on the road to the city.",
            "Airport officials said several aircraft parked on the apron had been hit, and that "
            "passengers were being sent to Mitiga airport on the eastern side of the capital.",
            "Residents of nearby districts said they had heard explosions through the night. "
            "The government called for an immediate ceasefire and asked elders from Zintan and "
            "Misrata to mediate.",
        ),
        ("20140716112233", "20141020150000"),
    ),
    SampleArticle(
        "/2015/02/24/water-supply-restored-to-derna.html",
        "Water supply restored to Derna after pipeline repairs",
        "2015-02-24T09:00:00Z",
        "Salma Idris",
        (
            "Water began flowing again to homes in Derna on Tuesday after engineers repaired a "
            "section of the main pipeline from the springs in the Green Mountain that had been "
            "damaged by heavy winter rain.",
            "The municipal council said some neighbourhoods on the eastern side of the town "
            "would rely on tankers for several more days while pressure in the network was "
            "raised slowly.",
            "Doctors at the town's hospital had warned of a risk of disease as families turned "
            "to wells and storage tanks, and volunteers took bottled water to elderly residents "
            "during the shortage.",
        ),
        ("20150309130000", "20160711081500"),
    ),
    SampleArticle(
        "/2015/12/17/agreement-signed-in-skhirat.html",
        "Delegates of rival parliaments sign UN-backed agreement",
        "2015-12-17T17:30:00Z",
        "Hana Fitouri",
        (
            "Delegates from Libya's rival parliaments signed a United Nations-backed political "
            "agreement in the Moroccan town of Skhirat on Thursday, providing for a government "
            "of national accord led by a presidency council.",
            "The UN envoy called the signing a first step and urged those who had stayed away to "
            "join the process, while the heads of both parliaments said the delegates had no "
            "mandate to sign.",
            "In Tripoli and Benghazi reactions were cautious. Business owners said they hoped a "
            "single government would end the shortages of cash and fuel that have grown worse "
            "over the past year.",
        ),
        ("20151219120000", "20160105093000"),
    ),
    SampleArticle(
        "/2016/03/31/presidency-council-arrives-in-tripoli.html",
        "Presidency council arrives in Tripoli by sea",
        "2016-03-31T08:00:00Z",
        "Khaled Mahmoud",
        (
            "Members of the UN-backed presidency council arrived in Tripoli by sea on "
            "Wednesday, sailing from Tunisia to the Abusita naval base after the airspace over "
            "the capital was closed.",
            "The prime minister-designate told reporters at the base that the council's first "
            "tasks would be to unify state institutions, restore security and ease the daily "
            "hardships of citizens.",
            "Armed groups opposed to the council briefly blocked roads in the city centre, but "
            "shops and banks in most districts opened as normal and several municipalities "
            "announced their support.",
        ),
        ("20160401101500", "20190101000000"),
    ),
    SampleArticle(
        "/2016/09/14/oil-terminals-reopen-for-exports.html",
        "Oil terminals reopen as export ban is lifted",
        "2016-09-14T12:45:00Z",
        "Laila Ben Omran",
        (
            "The National Oil Corporation lifted force majeure at the Ras Lanuf and Es Sider "
            "terminals on Tuesday, saying exports would resume as soon as storage tanks and "
            "loading berths had been inspected.",
            "The chairman of the corporation said in Tripoli that output could rise to six "
            "hundred thousand barrels a day within a month, and go higher by the end of the "
            "year if pipelines were repaired.",
            "The terminals suffered heavy damage in fighting and attacks during their long "
            "closure. Tankers were reported to be waiting off the coast at Zueitina and Brega.",
        ),
        ("20160916043210", "20161102180000"),
    ),
    SampleArticle(
        "/2016/12/20/cash-shortages-persist.html",
        "Cash shortages persist as banks ration withdrawals",
        "2016-12-20T10:30:00Z",
        "Omar Ghaith",
        (
            "Long queues formed again outside banks in Tripoli, Misrata and Benghazi this week "
            "as branches limited withdrawals to a few hundred dinars a customer, citing a "
            "shortage of banknotes.",
            "The Central Bank of Libya said new notes printed abroad would be distributed "
            "before the end of the month, but bank staff in several towns said they had "
            "received no deliveries for weeks.",
            "Traders said the dinar had fallen to a new low against the dollar on the parallel "
            "market, pushing up the price of imported food and medicine ahead of the winter.",
        ),
        # First captured on the range's last evening: a `to` that is not padded misses it.
        ("20161231183000", "20170110120000"),
    ),
    SampleArticle(
        # No date anywhere: no meta, no <time>, none in the URL or the text.
        "/news/story-without-date.html",
        "Restoration begins in the old town of Ghadames",
        None,
        "Yusuf Ahmida",
        (
            "Work has begun to restore the covered alleys and mud-brick houses of the old town "
            "of Ghadames, the desert city near the borders with Tunisia and Algeria that is "
            "listed as a World Heritage Site.",
            "Local craftsmen are repairing roofs of palm trunks and walls coated with lime, "
            "using the techniques of the builders who raised the town centuries ago, with "
            "support from the municipal council.",
            "Families who moved to the new town decades ago still return to their old houses in "
            "the summer, and many hope the work will bring visitors back once travel in the "
            "region becomes safer.",
        ),
        ("20150807091500", "20160101120000"),
    ),
    SampleArticle(
        # Captured only in 2010: outside a 2012-2016 backfill.
        "/2010/06/02/great-man-made-river-maintenance.html",
        "Maintenance work on the Great Man-Made River",
        "2010-06-02T09:00:00Z",
        "Hana Fitouri",
        (
            "Engineers began scheduled maintenance on a section of the Great Man-Made River "
            "pipeline this week, and the water supply to parts of Tripoli will be reduced for "
            "several days, the project's management said.",
            "Residents were advised to fill storage tanks in advance, and the municipality said "
            "tankers would supply hospitals and schools until normal pressure was restored.",
            "The pipeline carries water from aquifers deep under the southern desert to the "
            "coastal cities, where most of the population lives.",
        ),
        ("20100615101500", "20101120083000"),
    ),
)
OUT_OF_RANGE = "/2010/06/02/great-man-made-river-maintenance.html"
# Old addresses of two articles, captured as redirects to their new ones.
REDIRECTS = (
    ("https://{host}/index.php?id=17", "20131201094500", 301, SAMPLE_ARTICLES[2].path),
    ("http://{host}/news.php?id=23", "20150102030405", 302, SAMPLE_ARTICLES[6].path),
)
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>Page not found | Libya Herald Archive</title></head>"
    b"<body><h1>Page not found</h1><p>Sorry, the page you asked for does not exist.</p>"
    b"</body></html>"
)
ABOUT_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>About us | Libya "
    b"Herald Archive</title></head><body><h1>About us</h1><p>The Libya Herald Archive is an "
    b"independent news site. Write to the editors at editors@libya-herald-archive.ly.</p>"
    b"</body></html>"
)


def png_pixel() -> bytes:
    """A valid 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def sample_site(host: str = SAMPLE_HOST) -> list[Capture]:
    """A small archived news site about Libya, with what a backfill must get right."""
    captures = []
    for article in SAMPLE_ARTICLES:
        body = article.html()  # later captures: the same bytes
        url = f"https://{host}{article.path}"
        captures += [Capture(url, stamp, body=body) for stamp in article.captured]
    for old, stamp, status, path in REDIRECTS:
        target = f"https://{host}{path}"
        captures.append(Capture(old.format(host=host), stamp, status, location=target))
    captures += [
        Capture(
            f"https://{host}/2014/11/03/sabha-tribal-talks-resume.html",
            "20150304112000",
            404,
            body=NOT_FOUND_PAGE,
        ),
        Capture(
            f"https://{host}/images/logo.png",
            "20130215080000",
            mimetype="image/png",
            body=png_pixel(),
        ),
        Capture(f"https://{host}/about.html", "20140505120000", body=ABOUT_PAGE),
    ]
    return captures


def sample_truth(host: str = SAMPLE_HOST) -> dict[str, tuple[str, str | None]]:
    """Original URL -> (title, publication day or None) of each article that a backfill of
    2012-01-01..2016-12-31 over `sample_site(host)` must archive, once each."""
    return {
        f"https://{host}{a.path}": (a.title, a.published[:10] if a.published else None)
        for a in SAMPLE_ARTICLES
        if a.path != OUT_OF_RANGE
    }


# A generated site ------------------------------------------------------------------------

GENERATED_PAGE = (
    '<html><head><meta charset="utf-8"><title>Report {n} from Libya</title>'
    '<meta property="article:published_time" content="{day}T08:00:00Z"></head><body>'
    "<article><h1>Report {n} from Libya</h1><p>By Staff</p><p>Officials in Tripoli said on "
    "{day} that oil output and power supply in Benghazi and Derna were stable.</p>"
    "</article></body></html>"
)


def generated_site(n_urls: int, host: str = SAMPLE_HOST) -> list[Capture]:
    """`n_urls` articles of about 340 bytes, one capture each, published in 2012-2016 and
    captured three days later, within 2016: a large archive quick to make (100,000 in a
    second, about 80 MB held)."""
    start = calendar.timegm((2012, 1, 1, 0, 0, 0, 0, 0, 0))
    days = [time.gmtime(start + d * 86400) for d in range(365 * 5 + 1)]  # to 2016-12-31
    published = [time.strftime("%Y-%m-%d", day) for day in days]
    captured = [time.strftime("%Y%m%d", day) for day in days]
    count = len(days) - 3
    content_type = default_content_type("text/html")  # one string shared by all
    captures = []
    for n in range(n_urls):
        d = n % count
        day = published[d]
        url = f"https://{host}/{day.replace('-', '/')}/report-{n}.html"
        stamp = f"{captured[d + 3]}{n % 24:02d}{n % 60:02d}00"
        body = GENERATED_PAGE.format(n=n, day=day).encode()
        captures.append(Capture(url, stamp, body=body, content_type=content_type))
    return captures


# Command line ----------------------------------------------------------------------------


def _limit(value: str) -> tuple[int, float]:
    count, _, seconds = value.partition("/")
    return int(count), float(seconds or 60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local Wayback Machine (CDX and replay).")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--host", default=SAMPLE_HOST, help="the archived site's host name")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sample", action="store_true", help="the sample site (the default)")
    which.add_argument("--generated", type=int, metavar="N", help="N generated captures")
    parser.add_argument("--cdx-limit", type=_limit, metavar="N/SECONDS")
    parser.add_argument("--replay-limit", type=_limit, metavar="N/SECONDS")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    if args.generated:
        captures = generated_site(args.generated, args.host)
    else:
        captures = sample_site(args.host)
    limits = {"cdx": args.cdx_limit, "replay": args.replay_limit}
    limits = {kind: limit for kind, limit in limits.items() if limit}
    with WaybackServer(captures, limits=limits, delay=args.delay, port=args.port) as wayback:
        print(f"{wayback.url} ({len(captures)} captures of {args.host})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            sys.exit(0)


if __name__ == "__main__":
    main()
