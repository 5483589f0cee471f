"""Body rules, one test each: furniture written as paragraphs is dropped, the article kept."""

from __future__ import annotations

import trafilatura

from pipelines.extract import _second_chance
from pipelines.extraction import jsonld
from pipelines.extraction.body import clean_text, is_listing, with_standfirst

ARTICLE = [
    "The National Oil Corporation said output at the Sharara field resumed on Monday.",
    "Engineers in Tripoli said repairs to the pipeline to the coast were complete.",
]


def text(*lines: str) -> str:
    return "\n".join(lines)


def test_paragraphs_are_kept_and_separated_by_blank_lines():
    assert clean_text(text(*ARTICLE)) == "\n\n".join(ARTICLE)


def test_trailing_furniture_in_several_languages_is_cut():
    for tail in (
        "Other reports by iNewsToday",
        "Read more",
        "اقرأ أيضا: مقالات أخرى",
        "Lire aussi : la crise",
        "Leggi anche",
        "İlgili Haberler",
        "Lesen Sie auch",
        "© 2024 Tribune Media",
        "Like this story? Share it!",
        "You may also like:",
        "Also read: Talks in Geneva",
        "Filed under: Politics | Libya",
        "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns mit einer Spende.",
        "Vous aimerez aussi",
        "Ti potrebbe interessare",
        "قد يعجبك أيضا",
    ):
        assert clean_text(text(*ARTICLE, tail)) == "\n\n".join(ARTICLE), tail


def test_furniture_words_inside_the_article_are_kept():
    line = "Read more widely, the report says, and the picture of Libya's economy darkens."
    assert clean_text(text(line, *ARTICLE)) == "\n\n".join([line, *ARTICLE])


def test_headline_byline_and_date_lines_before_the_text_are_cut():
    lines = [
        "Sharara output resumes",
        "By Salma Idris",
        "Updated: 5 May 2024, 10:00",
        "May 5, 2024",
        *ARTICLE,
    ]
    assert clean_text(text(*lines), title="Sharara output resumes") == "\n\n".join(ARTICLE)


def test_a_first_paragraph_that_starts_like_a_byline_is_kept():
    line = "By the end of the year the field should produce 300,000 barrels a day."
    assert clean_text(text(line, *ARTICLE)).startswith(line)


def test_arabic_byline_before_the_text_is_cut():
    assert clean_text(text("بقلم: سالم الفيتوري", *ARTICLE)) == "\n\n".join(ARTICLE)


def test_advertising_labels_and_embedded_post_signatures_are_cut_anywhere():
    lines = [
        ARTICLE[0],
        "Advertisement",
        "Ships are waiting. pic.twitter.com/AbC123",
        "— Libya Watcher (@libyawatch) May 5, 2024",
        ARTICLE[1],
    ]
    assert clean_text(text(*lines)) == "\n\n".join(ARTICLE)


def test_a_page_that_declares_itself_a_listing_is_not_an_article():
    def page(ld: str):
        tree = trafilatura.load_html(
            f'<html><head><script type="application/ld+json">{ld}</script></head>'
            "<body><p>x</p></body></html>"
        )
        return is_listing(tree, jsonld.article_objects(tree))

    assert page('{"@type": "CollectionPage", "name": "Libya"}')
    assert not page('{"@graph": [{"@type": "ItemList"}, {"@type": "NewsArticle"}]}')
    assert not page('{"@type": "WebPage"}')


def test_a_short_precise_text_gets_a_second_chance_without_precision():
    paragraphs = "".join(
        f"<p>{line} This paragraph is part of the article.</p>" for line in ARTICLE * 3
    )
    page = f"<html><body><article><h1>Sharara</h1>{paragraphs}</article></body></html>"
    assert _second_chance(page, "https://x.example/a", "", "Sharara").startswith(ARTICLE[0])
    longer = "A text already longer than anything the retry can find. " * 40
    assert _second_chance(page, "https://x.example/a", longer, None) == longer


STANDFIRST = "Output resumed at the Sharara field on Monday after a two-week shutdown in the south."


def standfirst_text(head: str, shown: str, body_text: str = "\n".join(ARTICLE)) -> str:
    """with_standfirst's answer for a page with these meta tags and this header element."""
    tree = trafilatura.load_html(
        f"<html><head>{head}</head><body><article><header><h1>Sharara resumes</h1>{shown}"
        f"</header>{''.join(f'<p>{line}</p>' for line in ARTICLE)}</article></body></html>"
    )
    return with_standfirst(tree, jsonld.article_objects(tree), body_text)


def test_a_standfirst_the_page_declares_and_shows_opens_the_text():
    head = f'<meta property="og:description" content="{STANDFIRST}">'
    shown = f'<p class="intro"><strong>{STANDFIRST}</strong></p>'
    assert standfirst_text(head, shown) == "\n\n".join([STANDFIRST, "\n".join(ARTICLE)])
    # Declared in JSON-LD rather than meta, and shown in a div: the same.
    ld = f'{{"@type": "NewsArticle", "description": "{STANDFIRST}"}}'
    head = f'<script type="application/ld+json">{ld}</script>'
    assert standfirst_text(head, f"<div>{STANDFIRST}</div>").startswith(STANDFIRST)


def test_a_description_not_shown_on_the_page_or_already_in_the_text_is_not_added():
    head = f'<meta name="description" content="{STANDFIRST}">'
    assert standfirst_text(head, "") == "\n".join(ARTICLE)  # only for search engines
    in_text = "\n".join([STANDFIRST, *ARTICLE])
    assert standfirst_text(head, f"<p>{STANDFIRST}</p>", in_text) == in_text
    # A tagline is no standfirst; and a page without text stays without.
    tagline = "Libya news, every day."
    head = f'<meta name="description" content="{tagline}">'
    assert standfirst_text(head, f"<p>{tagline}</p>") == "\n".join(ARTICLE)
    assert standfirst_text(f'<meta name="description" content="{STANDFIRST}">', "", "") == ""
