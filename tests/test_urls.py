"""URL identity (pipelines/urls.py): one spelling to fetch, one key for all variants."""

from __future__ import annotations

import pytest

from pipelines.urls import canonical_url, same_site, url_key


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.example.com/news/oil-output.html",
        "http://example.com/news/oil-output.html/",
        "https://m.example.com/news/oil-output.html",
        "https://mobile.example.com/news/oil-output.html?utm_source=twitter",
        "https://amp.example.com/news/oil-output.html",
        "https://example.com/amp/news/oil-output.html",
        "https://example.com/news/oil-output.html/amp/",
        "https://example.com/news/oil-output.amp.html",
        "https://example.com/news/oil-output.html?amp=1",
        "https://example.com/news/oil-output.html?outputType=amp",
        "https://example.com/news/oil-output.html?print=1#comments",
        "https://example.com/print/news/oil-output.html",
        "https://example.com/news/oil-output.html?view=print&fbclid=abc",
    ],
)
def test_url_variants_of_a_page_share_its_key(variant):
    assert url_key(variant) == url_key("https://example.com/news/oil-output.html")


def test_url_key_keeps_what_names_another_article():
    assert url_key("https://example.com/story?id=1") != url_key("https://example.com/story?id=2")
    assert url_key("https://example.com/a?view=full") != url_key("https://example.com/a")
    assert url_key("http://127.0.0.1:8001/a") != url_key("http://127.0.0.1:8002/a")
    assert url_key("https://example.com/a") != url_key("https://example.org/a")
    # A one-label host after "m." is a domain of its own, not a mobile site.
    assert url_key("https://m.ly/a") != url_key("https://ly/a")
    assert same_site("https://amp.example.com/a", "https://www.example.com/b")


def test_tracking_parameters_and_fragments_are_not_part_of_a_url():
    assert canonical_url("http://127.0.0.1:8000/news/a.html?utm_source=rss&id=3#top") == (
        "http://127.0.0.1:8000/news/a.html?id=3"
    )
    assert canonical_url("https://Example.com/a?fbclid=x&b=2&a=1") == (
        "https://example.com/a?a=1&b=2"
    )
