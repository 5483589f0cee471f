"""Deduplication: which article a page is. Decisions on a real archive file, then the same
rules end to end on a small site of URL variants crawled by the real crawler."""

from __future__ import annotations

import pytest

from pipelines.archive import open_archive
from pipelines.dedup import content_hash, decide
from pipelines.items import ArticlePage, Extracted
from pipelines.urls import url_key
from tests.conftest import query
from tests.variants_site import urls_by_article


def dedup_page(
    url: str, text: str, canonical: str | None = None, outlet: str = "wire"
) -> ArticlePage:
    return ArticlePage(
        outlet=outlet,
        url=url,
        html="",
        scope="libya",
        fetched="2024-05-01T00:00:00+00:00",
        urls_seen=[url],
        article=Extracted(text=text, canonical=canonical),
    )


@pytest.fixture
def archived(tmp_path):
    """A real archive holding one article, https://example.com/news/oil-output.html."""
    db = open_archive(tmp_path / "archive.db")
    db["outlets"].insert({"id": "wire", "name": "Wire"})
    db["outlets"].insert({"id": "other", "name": "Other"})
    url = "https://example.com/news/oil-output.html"
    article_id = (
        db["articles"]
        .insert(
            {
                "url": url,
                "outlet": "wire",
                "text": "Output rose.",
                "content_hash": content_hash("Output rose."),
            }
        )
        .last_pk
    )
    db["article_urls"].insert({"url": url, "url_key": url_key(url), "article_id": article_id})
    yield db.conn, url
    db.close()


def test_a_mobile_amp_variant_of_an_archived_page_is_that_article(archived):
    conn, url = archived
    same = decide(
        conn, dedup_page("http://m.example.com/amp/news/oil-output.html/", "Output rose.")
    )
    assert (same.kind, same.article_url) == ("unchanged", url)
    edited = decide(
        conn, dedup_page("https://example.com/news/oil-output.html?amp=1", "Output fell.")
    )
    assert (edited.kind, edited.article_url) == ("changed", url)


def test_same_text_in_the_same_outlet_is_an_alias_and_in_another_outlet_a_new_article(archived):
    conn, url = archived
    alias = decide(conn, dedup_page("https://example.com/news/other-url.html", "Output rose."))
    assert (alias.kind, alias.article_url) == ("alias", url)
    copy = decide(
        conn,
        dedup_page(
            "https://other.example/copy.html", "Output rose.", canonical=url, outlet="other"
        ),
    )
    # The foreign canonical is not honoured: the copy is the other outlet's own article.
    assert (copy.kind, copy.article_url) == ("new", "https://other.example/copy.html")
    assert copy.urls == ["https://other.example/copy.html"]


def test_an_own_site_canonical_names_the_article(archived):
    conn, _ = archived
    page = dedup_page(
        "https://example.com/news/story.html?id=7",
        "A new story.",
        canonical="https://www.example.com/news/story.html",
    )
    decision = decide(conn, page)
    assert decision.kind == "new"
    assert decision.article_url == "https://www.example.com/news/story.html"
    assert decision.urls == [
        "https://www.example.com/news/story.html",
        "https://example.com/news/story.html?id=7",
    ]


def test_content_hash_ignores_case_spacing_punctuation_and_spelling_variants_only():
    same = content_hash("libya s noc output resumed")
    assert content_hash("Libya's NOC:  output  resumed.") == same
    assert content_hash("output resumed") != content_hash("output halted")
    # The text model's folding: harakat, alef forms and accents are not a new text.
    assert content_hash("أعلنت المؤسسة الوطنية للنفط") == content_hash(
        "اعلنت المؤسسة الوطنيه للنفط"
    )
    assert content_hash("Öztürk açıkladı") == content_hash("Ozturk acikladi")


# End to end: the same rules, through a crawl.


def test_same_text_at_another_url_of_the_outlet_is_one_article(variants_site):
    _, db = variants_site
    # Whichever of the two was fetched first is the article; the other is its alias.
    (urls,) = [u for u in urls_by_article(db).values() if "news/story-a.html" in u]
    assert urls == {"news/story-a.html", "news/story-a-print.html"}
    assert query(db, "SELECT url_aliases FROM crawl_runs") == [(1,)]


def test_redirect_hops_are_urls_of_the_article(variants_site):
    _, db = variants_site
    assert urls_by_article(db)["news/story-b/"] == {"news/story-b", "news/story-b/"}


def test_own_site_canonical_is_honoured_and_foreign_canonical_ignored(variants_site):
    _, db = variants_site
    found = urls_by_article(db)
    assert found["news/story-c-canonical.html"] == {
        "news/story-c-canonical.html",
        "news/story-c.html",
    }
    # A canonical on another site (a wire's) would steal the article from its outlet.
    assert found["news/story-d.html"] == {"news/story-d.html"}
    assert len(found) == 7
    assert query(db, "SELECT count(*) FROM articles") == [(7,)]


def test_amp_and_print_views_are_urls_of_one_article(variants_site):
    _, db = variants_site
    # Whichever view was fetched first names the article; all three are its URLs.
    (urls,) = [u for u in urls_by_article(db).values() if "news/story-g.html" in u]
    assert urls == {"news/story-g.html", "news/amp/story-g.html", "news/print/story-g.html?print=1"}
    keys = query(db, "SELECT DISTINCT url_key FROM article_urls WHERE url LIKE '%story-g%'")
    assert len(keys) == 1
