"""Headline rules, one test each, on small pages written for the rule."""

from __future__ import annotations

import trafilatura

from pipelines.extraction import jsonld, titles


def headline(head: str = "", body: str = "", url: str = "https://news.example.com/a"):
    tree = trafilatura.load_html(f"<html><head>{head}</head><body>{body}</body></html>")
    return titles.title(tree, jsonld.article_objects(tree), None, None, url)


def test_site_suffix_named_by_og_site_name_is_cut():
    head = (
        '<meta property="og:site_name" content="Tripoli Tribune">'
        '<meta property="og:title" content="Oil output rises | Tripoli Tribune">'
    )
    assert headline(head) == ("Oil output rises", "meta")


def test_site_suffix_named_by_the_host_is_cut():
    head = '<meta property="og:title" content="Oil output rises - LIBYAHERALD">'
    assert headline(head, url="https://www.libyaherald.com/2024/01/x")[0] == "Oil output rises"


def test_site_prefix_and_date_segments_are_cut():
    head = "<title>Tribune | Oil output rises – 28.04.2023</title>"
    assert headline(head, url="https://tribune.example/x")[0] == "Oil output rises"


def test_a_word_that_merely_occurs_in_the_site_name_is_kept():
    head = '<meta property="og:title" content="Libya: oil output rises">'
    assert headline(head, url="https://libyaherald.com/x")[0] == "Libya: oil output rises"


def test_json_ld_headline_comes_before_og_title():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Parliament approves the budget"}</script>'
        '<meta property="og:title" content="Budget passes after a long night">'
    )
    assert headline(head) == ("Parliament approves the budget", "jsonld")


def test_json_ld_of_another_type_is_not_a_headline():
    head = (
        '<script type="application/ld+json">{"@type": "WebSite", "name": "Tribune"}'
        '</script><meta property="og:title" content="Parliament approves the budget">'
    )
    assert headline(head) == ("Parliament approves the budget", "meta")


def test_kicker_inside_the_h1_is_left_out():
    body = (
        '<article><h1><span class="kicker">Elections</span> '
        "Voters queue early in Misrata</h1></article>"
    )
    assert headline(body=body) == ("Voters queue early in Misrata", "h1")


def test_kicker_before_a_headline_that_the_page_also_gives_bare_is_cut():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Elections: Voters queue early in Misrata"}</script>'
        '<meta property="og:title" content="Voters queue early in Misrata">'
    )
    assert headline(head)[0] == "Voters queue early in Misrata"


def test_section_after_a_headline_that_the_page_also_gives_bare_is_cut():
    head = (
        '<meta property="og:title" content="Voters queue early in Misrata-Politics">'
        "<title>Voters queue early in Misrata</title>"
    )
    assert headline(head)[0] == "Voters queue early in Misrata"


def test_a_short_candidate_never_cuts_a_long_headline():
    head = (
        '<meta property="og:title" content="Climate change: the coast retreats by Benghazi">'
        '<meta name="twitter:title" content="Climate change">'
    )
    assert headline(head)[0] == "Climate change: the coast retreats by Benghazi"


def test_logo_h1_in_the_header_is_not_a_headline():
    body = (
        "<header><h1>The Tripoli Tribune</h1></header>"
        "<article><h1>Voters queue early in Misrata</h1></article>"
    )
    assert headline(body=body) == ("Voters queue early in Misrata", "h1")


def test_html_entities_are_decoded():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Haftar&#039;s forces &quot;withdraw&quot;"}</script>'
    )
    assert headline(head)[0] == 'Haftar\'s forces "withdraw"'


def test_a_section_the_page_declares_is_cut_even_glued_by_a_bare_hyphen():
    head = (
        '<meta property="article:section" content="Economy">'
        '<meta property="og:title" content="Oil output rises-Economy | Tripoli Tribune">'
    )
    assert headline(head, url="https://tripolitribune.example/x")[0] == "Oil output rises"
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Oil output rises - Economy", "articleSection": ["Economy"]}</script>'
    )
    assert headline(head)[0] == "Oil output rises"


def test_a_hyphenated_word_that_is_not_a_declared_section_is_kept():
    head = (
        '<meta name="category" content="World">'
        '<meta property="og:title" content="Tripoli clashes end in a cease-fire">'
    )
    assert headline(head)[0] == "Tripoli clashes end in a cease-fire"
    head = '<meta property="og:title" content="Haftar meets Sarraj-Economy">'  # none declared
    assert headline(head)[0] == "Haftar meets Sarraj-Economy"
