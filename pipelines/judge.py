"""The relevance step: one reading of an article gives its Libya relevance and the places
and actors it names.

Relevance (pipelines/relevance.py) and entity tagging (pipelines/entities.py) read an
article the same way, so every way into the archive (a crawl, an import, a backfill,
`reextract`) reads it once here and keeps both.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines import entities, relevance
from pipelines.extract import extract_and_fingerprint
from pipelines.items import ArticlePage, Extracted
from pipelines.outcomes import NotAboutLibya


def read_article(article: Extracted) -> tuple[relevance.Assessment, list[entities.EntityMention]]:
    """An article's relevance and the entities it names, from one reading."""
    reading = relevance.read(article.title, article.text)
    return relevance.score(reading), entities.found(reading)


def extract_and_judge(
    html: str | bytes, url: str, selectors: Mapping[str, str] | None = None
) -> tuple[Extracted, tuple[int, bytes], tuple[relevance.Assessment, list]]:
    """The work of an extraction worker: the page's article and fingerprint, and its
    relevance and entities, so that the crawler's own process (which also fetches and
    stores) does not spend its time reading articles."""
    article, fingerprint = extract_and_fingerprint(html, url, selectors)
    return article, fingerprint, read_article(article)


def keep(page: ArticlePage, judged: tuple[relevance.Assessment, list]) -> None:
    """Put an article's reading on its page: `relevance`, `libya_terms`, `entities`."""
    result, page.entities = judged
    page.relevance, page.libya_terms = result.score, result.terms


def judge(page: ArticlePage) -> None:
    """Score a page's article (`relevance`, `libya_terms`) and name its places and actors
    (`entities`), unless its extraction worker did; raise NotAboutLibya when it is an
    article of a general outlet that is not about Libya. Every way into the archive judges
    pages with this."""
    if page.relevance is None:
        keep(page, read_article(page.article))
    if page.scope == "general" and page.relevance < relevance.THRESHOLD:
        raise NotAboutLibya(f"not about Libya (score {page.relevance})", page.relevance)
