"""Extraction: an article page's HTML becomes title, byline, authors, dates, text and more.

trafilatura does the work. On top of it, this module adds only what trafilatura lacks:
the publication timestamp with its time zone (trafilatura keeps the day only), the page's
language from its markup, authors as a list, and the trimming of furniture that trails
the article ("Other reports by ...", "Read more", share prompts), which trafilatura keeps
when it is written as ordinary paragraphs.

`extract_article` works on stored bytes alone (benchmarks, re-extraction later); only the
pipeline class at the end speaks Scrapy's language (DropItem).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import trafilatura
from scrapy.exceptions import DropItem

from scrapers.items import ArticlePage

# Below this many words a page is a stub, a gallery or a listing, not an article.
MIN_WORDS = 40

# Lines that close an article as page furniture, in the registry's five languages. Only a
# run of such lines at the very end is trimmed, so the same words inside the text survive.
TRAILING_FURNITURE = re.compile(
    r"^\s*(other (reports|stories|articles) (by|from)|read (more|also)|related( (articles|"
    r"stories|posts))?:?$|more from|follow us|share (this|on)|sign up|subscribe|"
    r"advertisement$|اقرأ (أيضا|أيضاً|المزيد)|تابعونا|شارك|مقالات ذات صلة|"
    r"lire aussi|à lire aussi|suivez-nous|partager|leggi anche|seguici|condividi|"
    r"ilgili haberler|bunlar da ilginizi|takip edin|paylaş)",
    re.IGNORECASE,
)
AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&|\bو\b|،)\s*")
AUTHOR_PREFIX = re.compile(r"^\s*(by|par|di|بقلم|كتب|كتبت)(\s*:\s*|\s+)", re.IGNORECASE)

# Where a page states its publication time: the first one whose day agrees with
# trafilatura's date wins, so we keep the time and zone without trusting a wrong day.
PUBLISHED_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
    "//time[@datetime][contains(@class, 'published') or @itemprop='datePublished']/@datetime",
    "//time[@datetime]/@datetime",
)
MODIFIED_XPATHS = (
    "//meta[@property='article:modified_time']/@content",
    "//meta[@itemprop='dateModified']/@content",
)
ISO_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)


def extract_article(html: str | bytes, url: str) -> dict[str, Any]:
    """Extract one article page.

    Args:
        html: the page, as text or bytes.
        url: the page's URL (trafilatura uses it for relative links and dates in URLs).

    Returns:
        A dict with title, byline, authors (list), published (ISO 8601, with the page's
        time zone where it gives one), published_date (YYYY-MM-DD as the publisher wrote it),
        modified, language, description, tags (list), image, text (paragraphs separated by
        blank lines), word_count and canonical (the page's own canonical URL, if any).
        Fields the page does not give are None (or empty).
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        return _empty()
    # Read what trafilatura discards before it cleans the tree in place.
    markup = {
        "language": _page_language(tree),
        "stamps": _first_values(tree, PUBLISHED_XPATHS),
        "modified": _first_values(tree, MODIFIED_XPATHS),
        "json_ld": _json_ld_dates(tree),
        "canonical": _first_values(
            tree, ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content")
        ),
    }
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"original_date": True, "extensive_search": True},
    )
    if doc is None:
        return {**_empty(), "language": markup["language"]}
    authors = split_authors(doc.author)
    text = trim_trailing_furniture(doc.text or "")
    published = _published(doc.date, markup["json_ld"]["published"] + markup["stamps"])
    modified = next(
        (s for s in markup["json_ld"]["modified"] + markup["modified"] if ISO_TIMESTAMP.match(s)),
        None,
    )
    return {
        "title": _clean(doc.title),
        "byline": ", ".join(authors) or None,
        "authors": authors,
        "published": published,
        "published_date": published[:10] if published else None,
        "modified": modified,
        "language": markup["language"] or doc.language,
        "description": _clean(doc.description),
        "tags": sorted({t.strip() for t in (doc.tags or []) + (doc.categories or []) if t.strip()}),
        "image": doc.image,
        "text": text,
        "word_count": len(text.split()),
        "canonical": markup["canonical"][0] if markup["canonical"] else None,
    }


def split_authors(author: str | None) -> list[str]:
    """trafilatura's author string ("A; B") as a list of names, without "By" prefixes."""
    if not author:
        return []
    names = []
    for part in AUTHOR_SPLIT.split(author):
        name = AUTHOR_PREFIX.sub("", part).strip(" .:-")
        if name and name not in names:
            names.append(name)
    return names


def trim_trailing_furniture(text: str) -> str:
    """Paragraphs separated by blank lines, without the furniture lines that close the page."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    while lines and TRAILING_FURNITURE.match(lines[-1]):
        lines.pop()
    return "\n\n".join(lines)


def _published(day: str | None, stamps: list[str]) -> str | None:
    """The fullest timestamp the page gives whose day is trafilatura's day (or any, if none)."""
    for stamp in stamps:
        stamp = stamp.strip()
        if ISO_TIMESTAMP.match(stamp) and (day is None or stamp.startswith(day)):
            return stamp.replace(" ", "T", 1)
    return day


def _json_ld_dates(tree) -> dict[str, list[str]]:
    """datePublished / dateModified of the JSON-LD objects (those of @graph included)."""
    found: dict[str, list[str]] = {"published": [], "modified": []}
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                stack.extend(node.get("@graph", []))
                for key, field in (("datePublished", "published"), ("dateModified", "modified")):
                    if isinstance(node.get(key), str):
                        found[field].append(node[key])
    return found


def _page_language(tree) -> str | None:
    for value in tree.xpath(
        "/html/@lang | //meta[@property='og:locale']/@content"
        " | //meta[@http-equiv='content-language']/@content"
    ):
        code = value.strip().replace("_", "-").split("-")[0].lower()
        if len(code) == 2 and code.isalpha():
            return code
    return None


def _first_values(tree, xpaths: tuple[str, ...]) -> list[str]:
    values = []
    for xpath in xpaths:
        values.extend(v.strip() for v in tree.xpath(xpath) if v and v.strip())
    return values


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


def _empty() -> dict[str, Any]:
    return {
        "title": None,
        "byline": None,
        "authors": [],
        "published": None,
        "published_date": None,
        "modified": None,
        "language": None,
        "description": None,
        "tags": [],
        "image": None,
        "text": "",
        "word_count": 0,
        "canonical": None,
    }


class ExtractPipeline:
    """Fills an ArticlePage from its HTML; drops pages that hold no article.

    Extraction is most of a crawl's CPU time, so it runs in worker processes
    (EXTRACT_WORKERS): the crawler's own process keeps fetching and storing meanwhile.
    """

    def __init__(self, workers: int, stats):
        self.workers = workers
        self.stats = stats
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("EXTRACT_WORKERS"), crawler.stats)

    def open_spider(self):
        if self.workers > 0:
            # forkserver, not fork: forking a process that runs a Twisted reactor and threads
            # can deadlock the child.
            context = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item):
        if not isinstance(item, ArticlePage):
            return item
        pool = self.pool
        try:
            if pool is None:
                fields = extract_article(item.html, item.url)
            else:
                loop = asyncio.get_running_loop()
                fields = await loop.run_in_executor(pool, extract_article, item.html, item.url)
        except BrokenProcessPool as exc:
            # A worker died (out of memory on a monstrous page?): start new workers once, so
            # one page cannot stop the crawl, and record the pages in flight as failed.
            if self.pool is pool:
                pool.shutdown(wait=False, cancel_futures=True)
                self.open_spider()
            raise DropItem(f"extract: an extraction worker died ({exc})", "WARNING") from exc
        except Exception as exc:  # noqa: BLE001 - any page may break the extractor
            message = f"extract: extraction failed: {type(exc).__name__}: {exc}"
            raise DropItem(message, "WARNING") from exc
        canonical = fields.pop("canonical")
        for name, value in fields.items():
            setattr(item, name, value)
        item.page_canonical = canonical
        if not item.title:
            raise DropItem(f"no-article: no title could be extracted from {item.url}")
        if item.word_count < MIN_WORDS:
            raise DropItem(f"no-article: only {item.word_count} words of text at {item.url}")
        return item
