"""The local Wayback Machine (tests/wayback_server.py) speaks the Archive's protocol: the CDX
listing's parameters and paging, the raw replay and its redirects, and the trouble a client
must survive (rate limits, bursts, errors). Plain urllib, no crawl: a few seconds."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.wayback_server import (
    Capture,
    WaybackServer,
    generated_site,
    sample_site,
    sample_truth,
    surt,
)

STORY = "https://www.example-news.ly/2013/05/story.html"
HTTP_STORY = STORY.replace("https", "http")
OTHER = "http://example-news.ly/2013/05/other.html"
OLD = "https://www.example-news.ly/index.php?id=17"
PAGE = b"<html><body><h1>Story</h1>\xe2\x80\x94 exact bytes</body></html>"


def captures() -> list[Capture]:
    return [
        Capture(STORY, "20130514093000", body=PAGE),
        Capture(STORY, "20140101000000", body=PAGE),
        # The same page over http at the same second: two rows with one urlkey and time.
        Capture(HTTP_STORY, "20140101000000", body=PAGE),
        Capture(STORY, "20170101000000", body=PAGE + b" "),
        Capture(OTHER, "20130601000000", body=b"<p>other</p>"),
        Capture(OTHER, "20130602000000", 404, body=b"<h1>Page not found</h1>"),
        Capture(OLD, "20140202000000", 301, location=STORY),
        Capture("https://www.example-news.ly/logo.png", "20130101000000", mimetype="image/png"),
        Capture("https://sport.example-news.ly/match.html", "20150101000000", body=b"goal"),
        # Hosts that share a prefix but are not the site, nor a subdomain of it.
        Capture("https://example-news-two.ly/a.html", "20130101000000", body=b"a"),
        Capture("https://other.ly/x.html", "20130101000000", body=b"x"),
    ]


@pytest.fixture(scope="module")
def wayback():
    with WaybackServer(captures()) as server:
        yield server


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, follow: bool = False) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of GET `url`; redirects answered, not followed, unless asked."""
    try:
        with (urllib.request.urlopen if follow else OPENER.open)(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def cdx(server: WaybackServer, **params) -> list[list[str]]:
    """The JSON listing's rows, the header row included."""
    status, _, body = get(f"{server.url}/cdx/search/cdx?{urlencode(params, doseq=True)}")
    assert status == 200, body
    return json.loads(body)


def pages(server: WaybackServer, **params) -> tuple[list[list[str]], int]:
    """Every row of a listing read page by page with the resume key: (rows, pages)."""
    rows: list[list[str]] = []
    key, count = None, 0
    while True:
        extra = {"resumeKey": key} if key else {}
        page = cdx(server, output="json", showResumeKey="true", **params, **extra)
        count += 1
        key = None
        if len(page) >= 2 and page[-2] == []:
            key = page[-1][0]
            page = page[:-2]
        assert len(page) - 1 <= int(params["limit"])
        rows += page[1:]
        if key is None:
            return rows, count


# Captures ------------------------------------------------------------------------------


def test_capture_derives_the_cdx_fields():
    capture = Capture(STORY, "20130514093000", body=PAGE)
    assert capture.urlkey == "ly,example-news)/2013/05/story.html"
    assert capture.digest == base64.b32encode(hashlib.sha1(PAGE).digest()).decode()
    assert capture.length == len(PAGE)
    assert capture.content_type == "text/html; charset=utf-8"
    assert Capture(STORY, "20130514093000", mimetype="image/png").content_type == "image/png"
    assert surt("https://www2.Example-News.ly:443/A?b=2&a=1") == "ly,example-news)/a?a=1&b=2"
    assert surt("example-news.ly:8080") == "ly,example-news:8080)/"
    with pytest.raises(ValueError):
        Capture(STORY, "2013")


# The CDX server --------------------------------------------------------------------------


def test_json_listing_has_a_header_row_and_the_fields_asked_for(wayback):
    rows = cdx(wayback, url="example-news.ly/2013/05/story.html", output="json")
    assert rows[0] == [
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    ]
    assert [r[1] for r in rows[1:]] == [
        "20130514093000",
        "20140101000000",
        "20140101000000",
        "20170101000000",
    ]
    assert all(isinstance(value, str) for row in rows for value in row)
    digest = base64.b32encode(hashlib.sha1(PAGE).digest()).decode()
    assert rows[1] == [
        "ly,example-news)/2013/05/story.html", "20130514093000", STORY, "text/html", "200",
        digest, str(len(PAGE)),
    ]  # fmt: skip
    rows = cdx(wayback, url=STORY, output="json", fl="timestamp,statuscode")
    assert rows[:2] == [["timestamp", "statuscode"], ["20130514093000", "200"]]
    # Nothing matched: an empty list, no header, as the Archive answers.
    assert cdx(wayback, url="example-news.ly/nothing.html", output="json") == []


def test_text_listing_is_space_separated_lines(wayback):
    status, headers, body = get(f"{wayback.url}/cdx/search/cdx?url={OTHER}&fl=timestamp,statuscode")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert body.decode() == "20130601000000 200\n20130602000000 404\n"
    _, _, body = get(f"{wayback.url}/cdx/search/cdx?url={OTHER}")
    assert [len(line.split(" ")) for line in body.decode().splitlines()] == [7, 7]


def test_from_and_to_are_padded_low_and_high(wayback):
    def stamps(**params) -> list[str]:
        return [r[0] for r in cdx(wayback, url=STORY, output="json", fl="timestamp", **params)[1:]]

    assert stamps(to="2013") == ["20130514093000"]  # to=2013: the whole of 2013
    assert stamps(**{"from": "2014", "to": "2014"}) == ["20140101000000", "20140101000000"]
    assert stamps(**{"from": "2014"}) == ["20140101000000", "20140101000000", "20170101000000"]
    assert stamps(**{"from": "201305140930", "to": "20130514093000"}) == ["20130514093000"]
    assert stamps(**{"from": "20130514093001", "to": "201312"}) == []
    status, _, _ = get(f"{wayback.url}/cdx/search/cdx?url={STORY}&from=2013-05")
    assert status == 400


def test_filters_match_the_whole_value_and_can_be_negated(wayback):
    def originals(*filters: str) -> list[str]:
        rows = cdx(wayback, url="example-news.ly", matchType="domain", output="json",
                   fl="original", filter=list(filters))  # fmt: skip
        return [r[0] for r in rows[1:]]

    assert originals("statuscode:404") == [OTHER]
    assert originals("statuscode:30.") == [OLD]
    assert originals("mimetype:image") == []  # no partial match: Java's matches()
    assert originals("mimetype:image/.*") == ["https://www.example-news.ly/logo.png"]
    not_200 = originals("!statuscode:200")
    assert sorted(not_200) == sorted([OTHER, OLD])
    # In the order of the listing: urlkey, then time, then the original URL.
    both = [STORY, HTTP_STORY, STORY, STORY]
    assert originals("statuscode:200", "original:.*story.*") == both
    status, _, _ = get(f"{wayback.url}/cdx/search/cdx?url={STORY}&filter=statuscode:(")
    assert status == 400


def test_collapse_keeps_the_first_of_each_run(wayback):
    rows = cdx(wayback, url="*.example-news.ly", output="json", fl="original,timestamp",
               collapse="urlkey")  # fmt: skip
    assert rows[1:] == [
        [OTHER, "20130601000000"],
        [STORY, "20130514093000"],
        [OLD, "20140202000000"],
        ["https://www.example-news.ly/logo.png", "20130101000000"],
        ["https://sport.example-news.ly/match.html", "20150101000000"],
    ]
    in_2014 = cdx(
        wayback, url=STORY, output="json", fl="timestamp", collapse="urlkey", **{"from": "2014"}
    )
    assert in_2014[1:] == [["20140101000000"]]
    by_year = cdx(wayback, url=STORY, output="json", fl="timestamp", collapse="timestamp:4")
    assert [r[0][:4] for r in by_year[1:]] == ["2013", "2014", "2017"]
    # Collapse is applied after filters: the first capture that passes them.
    first_404 = cdx(wayback, url=OTHER, output="json", fl="statuscode", collapse="urlkey",
                    filter="statuscode:404")  # fmt: skip
    assert first_404[1:] == [["404"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"collapse": "urlkey"},
        {"filter": "statuscode:200"},
        {"collapse": "urlkey", "filter": "!mimetype:image/.*"},
        {"collapse": "timestamp:6", "filter": "statuscode:[23]..", "from": "2013", "to": "2014"},
    ],
)
def test_resume_keys_page_through_every_row_once(wayback, params):
    whole = cdx(wayback, url="example-news.ly", matchType="domain", output="json", **params)[1:]
    assert whole
    for limit in (1, 2, 3, 100):
        rows, count = pages(
            wayback, url="example-news.ly", matchType="domain", limit=limit, **params
        )
        assert rows == whole
        assert count == max(1, -(-len(whole) // limit))  # no empty last page


def test_resume_key_format_and_text_listing(wayback):
    rows = cdx(wayback, url=STORY, output="json", fl="timestamp", limit=2, showResumeKey="true")
    assert rows[-2:] == [[], ["ly%2Cexample-news%29%2F2013%2F05%2Fstory.html+20140101000000"]]
    rows = cdx(wayback, url=STORY, output="json", fl="original", limit=3, showResumeKey="true")
    key = rows[-1][0]
    assert key.endswith("+20140101000000%211")  # the second row with that urlkey and time
    url = f"{wayback.url}/cdx/search/cdx?url={STORY}&fl=timestamp&limit=1&showResumeKey=true"
    _, _, body = get(url)
    lines = body.decode().split("\n")
    assert lines[:2] == ["20130514093000", ""] and lines[2].startswith("ly%2C")
    _, _, body = get(f"{url}&resumeKey={lines[2]}")  # pasted as is, not encoded again
    assert body.decode().split("\n")[0] == "20140101000000"
    _, _, body = get(f"{url}&resumeKey={lines[2]}&limit=10")  # the last page: no key
    assert body.decode() == "20140101000000\n20140101000000\n20170101000000\n"
    assert cdx(wayback, url=STORY, output="json", fl="timestamp", limit=-1)[1:] == [
        ["20170101000000"]
    ]


def test_match_types(wayback):
    def urls(**params) -> set[str]:
        return {r[0] for r in cdx(wayback, output="json", fl="original", **params)[1:]}

    site = {STORY, HTTP_STORY, OTHER, OLD, "https://www.example-news.ly/logo.png"}
    assert urls(url="example-news.ly", matchType="host") == site
    assert urls(url="https://www.example-news.ly/some/page", matchType="host") == site
    assert urls(url="example-news.ly", matchType="domain") == site | {
        "https://sport.example-news.ly/match.html"
    }
    assert urls(url="*.example-news.ly") == urls(url="example-news.ly", matchType="domain")
    assert urls(url="example-news.ly/2013/", matchType="prefix") == {
        STORY, HTTP_STORY, OTHER
    }  # fmt: skip
    assert urls(url="http://www.example-news.ly/2013/05/s*") == {STORY, HTTP_STORY}
    assert urls(url="HTTP://Example-News.ly/2013/05/Story.html") == {STORY, HTTP_STORY}
    assert get(f"{wayback.url}/cdx/search/cdx?url=x.ly&matchType=nearby")[0] == 400
    assert get(f"{wayback.url}/cdx/search/cdx?output=json")[0] == 400


# Replay ----------------------------------------------------------------------------------


def test_replay_serves_the_captured_bytes(wayback):
    status, headers, body = get(f"{wayback.url}/web/20130514093000id_/{STORY}")
    assert (status, body) == (200, PAGE)  # no banner, no rewriting
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Memento-Datetime"] == "Tue, 14 May 2013 09:30:00 GMT"
    # Without id_, and under another scheme or without www.: the same capture.
    assert get(f"{wayback.url}/web/20130514093000/{STORY}")[2] == PAGE
    assert (
        get(f"{wayback.url}/web/20130514093000id_/http://example-news.ly/2013/05/story.html")[2]
        == PAGE
    )
    assert get(f"{wayback.url}/web/20170101000000id_/{STORY}")[2] == PAGE + b" "


def test_a_time_without_capture_redirects_to_the_nearest(wayback):
    status, headers, body = get(f"{wayback.url}/web/2015id_/{STORY}")
    assert status == 302 and body == b""
    assert headers["Location"] == f"{wayback.url}/web/20140101000000id_/{STORY}"
    nearest = get(f"{wayback.url}/web/20160101000000id_/{STORY}")[1]["Location"]
    assert nearest == f"{wayback.url}/web/20170101000000id_/{STORY}"
    assert get(f"{wayback.url}/web/2015id_/{STORY}", follow=True)[2] == PAGE


def test_a_captured_redirect_points_at_its_target_replay(wayback):
    status, headers, body = get(f"{wayback.url}/web/20140202000000id_/{OLD}")
    assert (status, body) == (301, b"")
    assert headers["Location"] == f"{wayback.url}/web/20140202000000id_/{STORY}"
    # Followed: the target's nearest capture (2014-01-01), through one more redirect.
    assert get(f"{wayback.url}/web/20140202000000id_/{OLD}", follow=True)[:3:2] == (200, PAGE)


def test_captured_errors_and_unknown_urls_are_404(wayback):
    status, headers, body = get(f"{wayback.url}/web/20130602000000id_/{OTHER}")
    assert (status, body) == (404, b"<h1>Page not found</h1>")
    assert "Memento-Datetime" in headers
    status, headers, body = get(f"{wayback.url}/web/2013id_/https://www.example-news.ly/never.html")
    assert status == 404 and "Memento-Datetime" not in headers
    assert b"not archived" in body
    assert get(f"{wayback.url}/favicon.ico")[0] == 404


def test_requests_are_recorded(wayback):
    before = len(wayback.requests)
    path = f"/web/20140101000000id_/{STORY}"
    answered = wayback.replay_counts()[path]
    get(wayback.url + path)
    get(wayback.url + path)
    get(f"{wayback.url}/cdx/search/cdx?url={STORY}")
    assert [(r.kind, r.path, r.status) for r in wayback.requests[before:]] == [
        ("replay", path, 200),
        ("replay", path, 200),
        ("cdx", f"/cdx/search/cdx?url={STORY}", 200),
    ]
    assert wayback.replay_counts()[path] == answered + 2
    assert wayback.cdx_requests()[-1].path == f"/cdx/search/cdx?url={STORY}"
    times = [r.time for r in wayback.requests[before:]]
    assert times == sorted(times)


# Trouble ---------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after():
    with WaybackServer(captures(), limits={"cdx": (3, 30), "replay": (1, 0.3)}) as server:
        answers = [get(f"{server.url}/cdx/search/cdx?url={STORY}") for _ in range(4)]
        assert [status for status, _, _ in answers] == [200, 200, 200, 429]
        assert 29 <= int(answers[3][1]["Retry-After"]) <= 30
        assert "Retry-After" not in answers[0][1]
        assert server.violations == {"cdx": 1}
        assert [r.status for r in server.cdx_requests()] == [200, 200, 200, 429]
        # Replays have their own window: one a 0.3 second.
        replay = f"{server.url}/web/20130514093000id_/{STORY}"
        assert get(replay)[0] == 200
        status, headers, _ = get(replay)
        assert (status, headers["Retry-After"]) == (429, "1")  # at least a second
        time.sleep(0.35)
        assert get(replay)[0] == 200
        assert server.violations == {"cdx": 1, "replay": 1}
        assert sum(server.replay_counts().values()) == 2


def test_bursts_and_errors_by_request_number():
    with WaybackServer(captures(), bursts=[2], errors=[3, 5]) as server:
        answers = [get(f"{server.url}/web/20130514093000id_/{STORY}") for _ in range(6)]
        assert [status for status, _, _ in answers] == [200, 429, 503, 200, 503, 200]
        assert answers[1][1]["Retry-After"] == "1"
        assert "Retry-After" not in answers[2][1]
        assert not server.violations
        assert [r.status for r in server.requests] == [200, 429, 503, 200, 503, 200]


def test_delay_before_each_answer():
    with WaybackServer(captures(), delay=0.2) as server:
        started = time.monotonic()
        assert get(f"{server.url}/cdx/search/cdx?url={STORY}")[0] == 200
        assert time.monotonic() - started >= 0.2


# The sample and generated sites --------------------------------------------------------


def test_sample_site_and_its_truth():
    site, truth = sample_site(), sample_truth()
    assert 10 <= len(truth) <= 14
    by_url: dict[str, list[Capture]] = {}
    for capture in site:
        by_url.setdefault(capture.url, []).append(capture)
    for url, (title, day) in truth.items():
        kept = [c for c in by_url[url] if "2012" <= c.timestamp[:4] <= "2016" and c.status == 200]
        assert kept, url
        assert len({c.body for c in by_url[url]}) == 1  # later captures: the same bytes
        page = kept[0].body.decode()
        assert f"<h1>{title}</h1>" in page
        words = " ".join(re.findall(r"<p>([^<]+)</p>", page)).split()
        assert len(words) >= 60, url
        if day is None:
            assert "published_time" not in page and "<time" not in page
            assert not re.search(r"/\d{4}/", url) and not re.search(r"\b(19|20)\d\d\b", page)
        else:
            assert f'content="{day}T' in page and f'<time datetime="{day}T' in page
            assert all(c.timestamp > day.replace("-", "") for c in by_url[url])
    statuses = {c.status for c in site}
    assert {200, 301, 302, 404} <= statuses
    redirects = [c for c in site if c.location]
    assert len(redirects) == 2 and all(r.location in truth for r in redirects)
    assert any(c.mimetype == "image/png" and c.body.startswith(b"\x89PNG") for c in site)
    outside = [u for u, cs in by_url.items() if all(c.timestamp < "2011" for c in cs)]
    assert len(outside) == 1 and outside[0] not in truth


def test_sample_site_served_as_a_backfill_would_list_it():
    with WaybackServer(sample_site()) as server:
        rows = cdx(server, url="libya-herald-archive.ly", matchType="host", output="json",
                   fl="original,statuscode", collapse="urlkey", filter="statuscode:200",
                   **{"from": "2012", "to": "2016"})  # fmt: skip
        listed = {original for original, _ in rows[1:]}
        assert set(sample_truth()) <= listed
        assert not any("2010/" in url for url in listed)


def test_generated_site_pages_quickly():
    site = generated_site(20_000)
    assert len({c.url for c in site}) == 20_000 and 280 <= len(site[0].body) <= 400
    with WaybackServer(site) as server:
        started = time.monotonic()
        rows, count = pages(server, url="libya-herald-archive.ly", matchType="host",
                            fl="urlkey", collapse="urlkey", limit=5000)  # fmt: skip
        assert len(rows) == 20_000 and count == 4
        assert len({r[0] for r in rows}) == 20_000
        assert time.monotonic() - started < 3
