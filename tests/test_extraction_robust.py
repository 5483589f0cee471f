"""Pages that defeat a parser or a naive count: nested deeper than libxml2 builds a tree,
an article only its JSON-LD states, and languages written without spaces."""

from __future__ import annotations

import json
import sys

import pytest

from pipelines.extract import MIN_WORDS, check_article, extract
from pipelines.extraction import depth
from pipelines.text import count_words

SENTENCE = (
    "Residents of Derna said the water had reached the second floor of their homes on "
    "Monday, and rescue teams from Benghazi arrived two days later. "
)
HEADLINE = "Derna floods leave thousands homeless"
BODY = f"<p>{SENTENCE * 6}</p><p>{SENTENCE * 3}</p>"


def page(inner: str) -> str:
    return f"<html><head><title>{HEADLINE}</title></head><body>{inner}</body></html>"


@pytest.mark.parametrize(
    "inner",
    [
        "<div>" * 10_000 + f"<h1>{HEADLINE}</h1>{BODY}" + "</div>" * 10_000,
        "<div class='wrap'>" * 10_000 + f"<h1>{HEADLINE}</h1>{BODY}",  # never closed
        f"<h1>{HEADLINE}</h1>" + "<div><span>" * 5_000 + BODY,
    ],
    ids=["closed", "unclosed", "after-the-headline"],
)
def test_an_article_inside_thousands_of_nested_elements_keeps_its_text(inner):
    limit = sys.getrecursionlimit()
    article = extract(page(inner), "https://example.com/2023/09/12/derna.html")
    assert article.title == HEADLINE
    assert article.word_count == 150 and article.text.endswith("arrived two days later.")
    assert sys.getrecursionlimit() == limit


def test_flattening_keeps_text_scripts_and_shallow_markup_as_they_are():
    html = (
        "<html><body><script type='application/ld+json'>{\"a\": \"<b> & c\"}</script>"
        + "<div>" * 300 + "<p>Tobruk &amp; <em>Bayda</em></p>" + "</div>" * 300
        + "</body></html>"
    )  # fmt: skip
    assert depth.depth(html) == 304  # html, body, 300 divs, p, em
    flat = depth.flattened(html)
    assert depth.depth(flat) <= depth.MAX_DEPTH + 2
    assert '{"a": "<b> & c"}' in flat  # a script's text is not escaped
    assert "<p>Tobruk &amp; <em>Bayda</em></p>" in flat
    shallow = "<html><body><div><p>Sirte</p></div></body></html>"
    assert depth.flattened(shallow) == shallow


def test_the_json_ld_article_body_is_the_last_resort():
    said = "The declared text of the article, as its JSON-LD states it for machines. " * 5
    declared = {"@type": "NewsArticle", "headline": HEADLINE, "articleBody": said}
    script = f"<script type='application/ld+json'>{json.dumps(declared)}</script>"
    html = page(f"<h1>{HEADLINE}</h1><div id='app'></div>").replace("</head>", script + "</head>")
    article = extract(html, "https://example.com/2023/09/12/derna.html")
    assert article.word_count == 65 and article.text.startswith("The declared text")
    # Where the page's markup gives the text, the markup wins.
    marked_up = page(f"<div><h1>{HEADLINE}</h1>{BODY}</div>").replace("</head>", script + "</head>")
    reading = extract(marked_up, "https://example.com/a.html")
    assert reading.word_count == 150 and "declared" not in reading.text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # 24 characters, and the numbers 9 and 12; the full stop 。 is no word.
        ("zh", "新华社的黎波里9月12日电 利比亚东部城市德尔纳遭受洪灾。", 26),
        ("ja", "リビア東部デルナで大規模な洪水が発生した。", 20),
        ("en", "Derna floods, 2023: thousands homeless.", 5),
        ("mixed", "リビアの首都トリポリ (Tripoli) で", 12),
    ],
)
def test_words_are_counted_as_word_processors_count_them(language, text, expected):
    assert count_words(text) == expected


def test_a_chinese_article_is_an_article_not_a_stub():
    paragraph = (
        "新华社的黎波里9月12日电 利比亚东部城市德尔纳10日遭受强降雨引发的洪灾,"
        "两座水坝相继溃决,大片城区被洪水冲毁。当地官员表示,死亡人数仍在上升,"
        "救援队伍正从班加西和的黎波里赶往灾区。"
    )
    html = (
        "<html lang='zh'><head><title>利比亚东部洪灾造成重大伤亡</title></head><body><article>"
        f"<h1>利比亚东部洪灾造成重大伤亡</h1><p>{paragraph}</p><p>{paragraph}</p></article>"
        "</body></html>"
    )
    article = extract(html, "http://www.news.cn/world/20230912/a.html")
    assert article.word_count > MIN_WORDS > 5 * len(article.text.split())
    check_article(article)  # would raise NotAnArticle: "only 4 words of text, too few"
    assert MIN_WORDS == 40
