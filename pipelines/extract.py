"""Extraction: an article page's HTML becomes title, byline, authors, dates, text and more.

trafilatura extracts the body and a first guess at each field. The helpers in
pipelines/extraction/ then choose each field from the page's own metadata in a documented
order of trust (JSON-LD of the article, meta tags, markup, trafilatura, the URL), and record
which source won. They read their own parse of the page, because trafilatura cleans its
tree in place, so the metadata survives a page whose body cannot be extracted.

Pure: it works on stored bytes alone (benchmarks, re-extraction, imports) and imports
neither Scrapy nor the crawler; the crawl's stage (pipelines/stages.py) and its worker
processes (pipelines/workers.py) call it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import trafilatura
import trafilatura.metadata

from pipelines import clusters
from pipelines.extraction import authors, body, dates, depth, jsonld, overrides, titles
from pipelines.extraction.markup import canonical_urls, clean, meta
from pipelines.items import Extracted
from pipelines.outcomes import NotAnArticle
from pipelines.text import count_words

# Below this many words a page is a stub, a gallery or a listing, not an article.
MIN_WORDS = 40
# libxml2 builds no tree below this depth (its "excessive depth" error).
PARSER_DEPTH = 255
# Below this many words, the precise extraction may have pruned the article: try again.
SHORT_TEXT_WORDS = 150
DATE_PARAMS = {"original_date": True, "extensive_search": True}
# How trafilatura reads a page's body and metadata for the archive.
TRAFILATURA_OPTIONS = {
    "with_metadata": True,
    "include_comments": False,
    # Precision over recall: a researcher counts words and quotes, and a related-stories
    # box counted as text is worse than a caption left out.
    "favor_precision": True,
    # No readability/jusText fallback on every page: it costs a third of the time and,
    # with the second chance below for short texts, gains nothing measurable
    # (bench/extraction_quality.py).
    "fast": True,
    "date_extraction_params": DATE_PARAMS,
}

# Kept importable from here: the extract step's vocabulary.
split_authors = authors.split_authors
trim_trailing_furniture = body.trim_trailing_furniture


def extract_article(
    html: str | bytes, url: str, selectors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Extract one article page, as a dict (see `extract` for the fields).

    Args:
        html: the page, as text or bytes.
        url: the page's URL (used for relative links and dates in URLs).
        selectors: the outlet's selectors for title, byline, date or body (outlets.yml
            `extract:`); a selector that matches wins over the generic sources.

    Returns:
        A dict with title, byline, authors (list), published (ISO 8601, with the page's
        time zone where it gives one), published_date (YYYY-MM-DD as the publisher dated it),
        modified, language, description, tags (list), image, text (paragraphs separated by
        blank lines), word_count, canonical (the page's own canonical URL, if any) and
        is_listing (the page declares itself a section, tag or search page) and
        title_source, author_source, date_source (which source won each field).
        Fields the page does not give are None (or empty).
    """
    return extract(html, url, selectors).as_dict()


def extract(html: str | bytes, url: str, selectors: Mapping[str, str] | None = None) -> Extracted:
    """Extract one article page: the fields of `pipelines.items.Extracted`.

    A page whose reading holds too few words for an article is tried again two ways: a page
    nested deeper than the parser reads is read flattened (pipelines/extraction/depth.py),
    and failing that the article's own JSON-LD `articleBody` gives the text.
    """
    article = _extract(html, url, selectors)
    if article.word_count >= MIN_WORDS:
        return article
    text = html if isinstance(html, str) else html.decode("utf-8", errors="replace")
    if depth.depth(text) > PARSER_DEPTH:
        flat = _extract(depth.flattened(text), url, selectors)
        if flat.word_count > article.word_count:
            article = flat
    if article.word_count < MIN_WORDS:
        tree = trafilatura.load_html(text)
        declared = body.article_body(jsonld.article_objects(tree)) if tree is not None else ""
        if count_words(declared) > article.word_count:
            article.text = body.clean_text(declared, article.title)
            article.word_count = count_words(article.text)
    return article


def _extract(html: str | bytes, url: str, selectors: Mapping[str, str] | None = None) -> Extracted:
    tree = trafilatura.load_html(html)
    if tree is None:
        return Extracted()
    # trafilatura (>= 2.3) prunes a copy of the tree it is given, so the metadata chain
    # below reads the page whole without a copy of its own (tests/test_extract.py).
    doc = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)
    if doc is None:
        # No body found: trafilatura's metadata alone, so title, date and byline survive.
        doc = trafilatura.extract_metadata(copy.deepcopy(tree), default_url=url)
    article_ld = jsonld.article_objects(tree)
    site = site_name(tree, article_ld) or clean(doc.sitename)
    title, title_source = titles.title(tree, article_ld, doc.title, site, url)
    text = body.clean_text(doc.text or "", title)
    if count_words(text) < SHORT_TEXT_WORDS:
        text = _second_chance(tree, url, text, title)
    text = body.with_standfirst(tree, article_ld, text)
    # A credit signed at the end of the text is a byline, not a paragraph of the article.
    closing_credit = authors.sign_off(tree, text)
    if closing_credit:
        text = text.rstrip()[: -len(closing_credit)].rstrip()
    names, author_source = authors.authors(tree, article_ld, doc.author, site, closing_credit)
    published, date_source = dates.published(tree, article_ld, doc.date, url)
    if selectors:
        title, title_source, names, author_source, published, date_source, text = _override(
            tree,
            selectors,
            (title, title_source, names, author_source, published, date_source, text),
        )
    return Extracted(
        title=title,
        byline=", ".join(names) or None,
        authors=names,
        published=published,
        published_date=published[:10] if published else None,
        modified=dates.modified(tree, article_ld),
        language=page_language(tree) or doc.language,
        description=clean(doc.description),
        tags=sorted({t.strip() for t in (doc.tags or []) + (doc.categories or []) if t.strip()}),
        image=doc.image,
        text=text,
        word_count=count_words(text),
        canonical=next(iter(canonical_urls(tree)), None),
        is_listing=body.is_listing(tree, article_ld),
        title_source=title_source,
        author_source=author_source,
        date_source=date_source,
    )


def _second_chance(tree, url: str, text: str, title: str | None) -> str:
    """A short text from the precise extraction, retried without favouring precision.

    favor_precision sometimes prunes most of a short article; the retry costs a second
    extraction on short pages only, and its text is kept only when it is much longer.
    """
    retry = trafilatura.bare_extraction(tree, url=url, include_comments=False)
    retried = body.clean_text(retry.text or "", title) if retry else ""
    return retried if len(retried) > 2 * len(text) else text


def _override(tree, selectors: Mapping[str, str], fields: tuple) -> tuple:
    """The generic fields with those the outlet's matching selectors give put in their place."""
    title, title_source, names, author_source, published, date_source, text = fields
    if "title" in selectors and (found := overrides.select_text(tree, selectors["title"])):
        title, title_source = found[0], "override"
    if "byline" in selectors and (found := overrides.select_text(tree, selectors["byline"])):
        names, author_source = authors.split_authors("; ".join(found)), "override"
    if "date" in selectors and (found := overrides.select_date(tree, selectors["date"])):
        published, date_source = found, "override"
    if "body" in selectors and (found := overrides.select_body(tree, selectors["body"])):
        text = body.clean_text(found, title)
    return title, title_source, names, author_source, published, date_source, text


# What decides what extraction and relevance read from a page: these modules and data files
# of the package, and the libraries that do the work.
VERSIONED_SOURCES = (
    "extract.py",
    "extraction/*.py",
    "relevance.py",
    "libya_terms.yml",
    "entities.py",
    "gazetteer.py",
    "judge.py",
    "gazetteer.yml",
    "text.py",
    "timestamps.py",
    "urls.py",
)
VERSIONED_LIBRARIES = ("trafilatura", "htmldate", "courlan", "lxml", "justext")


@cache
def extractor_version() -> str:
    """The version of the extractor, kept with each article it reads: a digest of the
    sources above and of the libraries' versions. `reextract` re-reads the articles read
    by another; made from the code itself, so no change can forget to bump it."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for pattern in VERSIONED_SOURCES:
        for path in sorted(package.glob(pattern)):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    for library in VERSIONED_LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=none".encode())
    return digest.hexdigest()[:12]


def check_article(article: Extracted) -> None:
    """Raise NotAnArticle when the page holds no article: a listing, no title, a stub."""
    if article.is_listing:
        raise NotAnArticle("a listing page (section, tag or search), not an article")
    if not article.title:
        raise NotAnArticle("no title could be extracted from the page")
    if article.word_count < MIN_WORDS:
        raise NotAnArticle(f"only {article.word_count} words of text, too few")


def extract_and_fingerprint(
    html: str | bytes, url: str, selectors: Mapping[str, str] | None = None
) -> tuple[Extracted, tuple[int, bytes]]:
    """`extract`, plus the text's near-duplicate fingerprint: the work a crawl sends to its
    extraction workers, so that the single writer only compares signatures."""
    article = extract(html, url, selectors)
    return article, clusters.fingerprint(article.text)


def site_name(tree, article_ld: list[dict]) -> str | None:
    """The outlet's name as the page states it (og:site_name, the article's publisher)."""
    for name in meta(tree, "og:site_name", "application-name"):
        return clean(name)
    for obj in article_ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return clean(publisher["name"])
    return None


def page_language(tree) -> str | None:
    """The ISO 639-1 code the page declares (html lang, og:locale, content-language)."""
    for value in tree.xpath(
        "/html/@lang | //meta[@property='og:locale']/@content"
        " | //meta[@http-equiv='content-language']/@content"
    ):
        code = value.strip().replace("_", "-").split("-")[0].lower()
        if len(code) == 2 and code.isalpha():
            return code
    return None


def skip_licence_search() -> None:
    """Turn off trafilatura's search for a licence, in the extraction workers only.

    trafilatura's metadata looks for a Creative Commons licence in the text of every footer
    link: on pages with a large footer that is a sixth of the whole extraction, for a field
    the archive does not keep. trafilatura has no option to skip it, so the workers replace
    the function (tests/test_extract.py fails if trafilatura renames it). Only in the
    workers: `extract_article` called elsewhere is trafilatura unchanged, and its result is
    the same either way.
    """
    trafilatura.metadata.extract_license = _no_licence


def _no_licence(tree) -> None:
    return None
