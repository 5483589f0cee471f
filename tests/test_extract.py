"""Extraction on saved pages: phrases that must and must not appear, not whole outputs."""

from __future__ import annotations

import json

from libya_archive.demo_site import DEMO_DIR, DEMO_ORIGIN
from pipelines.extract import extract_article, split_authors, trim_trailing_furniture
from tests.conftest import run_cli

SEED_PATH = (
    "inewstoday/2020/05/turkey-warns-haftars-forces-against-attacks-on-interests-in-libya.html"
)


def saved(path: str) -> tuple[str, str]:
    return (DEMO_DIR / "site" / path).read_text("utf-8"), f"{DEMO_ORIGIN}/{path}"


def test_seed_page_extracts_title_byline_date_and_body_without_furniture():
    article = extract_article(*saved(SEED_PATH))
    assert article["title"] == "Turkey warns Haftar's forces against attacks on interests in Libya"
    assert article["authors"] == ["Cheryl Sanders"]
    assert article["byline"] == "Cheryl Sanders"
    assert article["published_date"] == "2020-05-23"
    assert article["published"].startswith("2020-05-23T")
    assert article["language"] == "en"
    text = article["text"]
    assert "Turkish-backed government" in text
    assert "the city of Sirte, at the centre of Libya's Mediterranean coastline" in text
    for furniture in (
        "Other reports by iNewsToday",
        "Most read",
        "Share this",
        "Newsletter",
        "All rights reserved",
        "Skip to content",
    ):
        assert furniture not in text
    assert len(text.split("\n\n")) >= 9  # paragraphs kept apart


def test_arabic_page_extracts_in_arabic_with_its_byline_and_date():
    html, url = saved("akhbar-barqa/article/4318.html")
    article = extract_article(html, url)
    assert article["language"] == "ar"
    assert "الكهرباء" in article["text"]
    assert article["title"] and article["published_date"]
    assert article["authors"] and not article["authors"][0].startswith("بقلم")


def test_trailing_furniture_is_trimmed_only_at_the_end():
    text = "Read more about the talks in Geneva.\nThe talks resumed.\nRead more\nFollow us on X"
    assert trim_trailing_furniture(text) == (
        "Read more about the talks in Geneva.\n\nThe talks resumed."
    )


def test_authors_are_split_and_stripped_of_by_prefixes():
    assert split_authors("By Amira Salem and John Doe") == ["Amira Salem", "John Doe"]
    assert split_authors("Dieter Kuckelkorn; Diana Resnik") == ["Dieter Kuckelkorn", "Diana Resnik"]
    assert split_authors("بقلم: سالم الفيتوري") == ["سالم الفيتوري"]
    assert split_authors(None) == []


def test_a_page_with_no_article_gives_empty_fields_not_an_error():
    article = extract_article("<html><body><nav>Home</nav></body></html>", "http://x.test/")
    # No title and next to no words: the extract pipeline drops such pages as non-articles.
    assert article["title"] is None and article["word_count"] <= 1 and article["authors"] == []
    assert extract_article(b"", "http://x.test/")["text"] == ""


def test_extract_command_prints_the_json_of_a_saved_page(tmp_path):
    html, url = saved(SEED_PATH)
    page = tmp_path / "seed.html"
    page.write_text(html, "utf-8")
    result = run_cli("extract", str(page), "--url", url, timeout=60)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["byline"] == "Cheryl Sanders"
    assert set(article) >= {
        "title",
        "byline",
        "authors",
        "published",
        "language",
        "description",
        "tags",
        "image",
        "text",
    }


def _licence_search_in_worker(html: str, url: str) -> tuple[bool, dict, str | None]:
    import trafilatura
    import trafilatura.metadata

    from pipelines.extract import _no_licence

    licence = trafilatura.bare_extraction(html, url=url, with_metadata=True).license
    skipped = trafilatura.metadata.extract_license is _no_licence
    return skipped, extract_article(html, url), licence


def test_workers_skip_only_the_licence_search_and_extract_the_same():
    """The extraction workers replace trafilatura's licence search (pipelines.extract):
    the function must still exist under that name, and nothing else may change."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import trafilatura.metadata

    from pipelines.extract import _no_licence, skip_licence_search

    assert callable(trafilatura.metadata.extract_license)  # renamed upstream? see the docstring
    html, url = saved(SEED_PATH)
    licensed = html.replace(
        "</footer>",
        '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></footer>',
    )
    assert trafilatura.bare_extraction(licensed, url=url, with_metadata=True).license
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(1, mp_context=context, initializer=skip_licence_search) as pool:
        future = pool.submit(_licence_search_in_worker, licensed, url)
        skipped, in_worker, licence = future.result(timeout=60)
    assert skipped and licence is None
    assert in_worker == extract_article(licensed, url)
    assert trafilatura.metadata.extract_license is not _no_licence  # this process untouched


def test_trafilatura_leaves_the_tree_it_is_given_whole():
    """pipelines/extract.py gives trafilatura its own parse of the page, with no copy, and
    reads the metadata from it afterwards: this holds only while trafilatura prunes a copy
    of the tree it is given (it does since 2.3, the version pyproject.toml requires)."""
    import trafilatura
    from lxml import etree

    from pipelines.extract import TRAFILATURA_OPTIONS

    tree = trafilatura.load_html(saved(SEED_PATH)[0])
    before = etree.tostring(tree)
    doc = trafilatura.bare_extraction(tree, **TRAFILATURA_OPTIONS)
    trafilatura.bare_extraction(tree, include_comments=False)  # the second chance's call
    assert "Turkish-backed government" in doc.text  # the extraction pruned its copy ...
    assert b"Skip to content" in before
    assert etree.tostring(tree) == before  # ... and not the page


def test_the_meta_tags_read_once_per_page_are_each_pages_own():
    import trafilatura

    from pipelines.extraction.markup import meta, meta_contents

    def page(title: str):
        head = f'<meta property="og:title" content="{title}"><meta name="Section" content="x">'
        return trafilatura.load_html(f"<html><head>{head}</head><body><p>t</p></body></html>")

    first, second = page("Talks resume"), page("Talks stall")
    assert meta(first, "og:title") == ["Talks resume"]
    assert meta(second, "og:title", "twitter:title") == ["Talks stall"]
    assert meta(first, "og:title") == ["Talks resume"]  # back to the first page
    assert meta_contents(second)["section"] == ("x",)  # names folded to lower case here
    assert meta(second, "section") == []  # and written as on the page there


def test_workers_run_at_the_niceness_asked():
    """The crawl's workers yield a core to the crawler's process (EXTRACT_WORKER_NICENESS)."""
    import os

    from pipelines.workers import ExtractionPool

    pool = ExtractionPool(1, niceness=3)
    pool.start()
    try:
        ((_, niceness),) = pool.imap([((0,), None)], work=os.nice)
    finally:
        pool.close()
    assert niceness == min(os.nice(0) + 3, 19)
