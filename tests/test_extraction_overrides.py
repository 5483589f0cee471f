"""Per-outlet selectors (outlets.yml `extract:`) for pages the generic path gets wrong."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_article
from scrapers.registry import RegistryError, load_outlets

# A page that hides its real headline and credit where no generic rule looks, and whose
# machine metadata names the wrong things: the kind of page an override is for.
PAGE = """<html><head><title>Tribune</title>
<meta property="og:title" content="Tribune - home of news">
<meta property="article:published_time" content="2019-01-01T00:00:00+02:00">
</head><body><div class="story">
<div class="hed">Misrata port handles record cargo</div>
<div class="credit">Reporting: <b>Salma Idris</b> and <b>Omar Benali</b></div>
<div class="when" data-x="1"><span>Posted</span> <em>2024-03-07</em></div>
<div class="copy"><p>Misrata's free-zone port handled a record volume of containers in
February, the port authority said, as trade through the city grew for a third month.</p>
<p>Officials credited new cranes installed last year and shorter customs checks.</p>
<p>Shipping agents said ships now wait two days on average, down from five in 2022.</p></div>
</div><aside><p>Most read: Tripoli traffic plan unveiled</p></aside></body></html>"""
SELECTORS = {
    "title": ".hed",
    "byline": ".credit b",
    "date": ".when em",
    "body": "xpath://div[@class='copy']",
}


def test_overrides_win_over_the_generic_sources_when_they_match():
    article = extract_article(PAGE, "https://tribune.example/news/1", SELECTORS)
    assert article["title"] == "Misrata port handles record cargo"
    assert article["title_source"] == "override"
    assert article["authors"] == ["Salma Idris", "Omar Benali"]
    assert article["published_date"] == "2024-03-07"
    assert article["date_source"] == "override"
    assert article["text"].startswith("Misrata's free-zone port handled a record volume")
    assert "Most read" not in article["text"]


def test_without_overrides_the_same_page_shows_why_they_exist():
    article = extract_article(PAGE, "https://tribune.example/news/1")
    assert article["title"] != "Misrata port handles record cargo"
    assert article["published_date"] != "2024-03-07"


def test_a_selector_that_matches_nothing_leaves_the_generic_result():
    generic = extract_article(PAGE, "https://tribune.example/news/1")
    stale = extract_article(PAGE, "https://tribune.example/news/1", {"title": "h1.gone"})
    assert stale["title"] == generic["title"]


REGISTRY = """outlets:
  - id: tribune
    name: Tribune
    homepage: https://tribune.example/
    language: en
    scope: libya
    feeds: [https://tribune.example/feed]
    article_patterns: ['^/news/']
    extract:
      {field}: "{selector}"
"""


def test_registry_accepts_css_and_xpath_overrides(tmp_path):
    path = tmp_path / "outlets.yml"
    path.write_text(REGISTRY.format(field="body", selector="xpath://div[@class='copy']"))
    (outlet,) = load_outlets(path)
    assert outlet.extract == {"body": "xpath://div[@class='copy']"}


@pytest.mark.parametrize(
    ("field", "selector", "words"),
    [("byline", "div[[", "field 'extract.byline'"), ("photo", "img", "unknown field 'photo'")],
)
def test_registry_refuses_a_broken_override(tmp_path, field, selector, words):
    path = tmp_path / "outlets.yml"
    path.write_text(REGISTRY.format(field=field, selector=selector))
    with pytest.raises(RegistryError, match=words):
        load_outlets(path)
