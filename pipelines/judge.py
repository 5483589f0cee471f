"""The relevance step: one reading of an article gives its Libya relevance and the places
and actors it names.

Relevance (pipelines/relevance.py) and entity tagging (pipelines/entities.py) read an
article the same way, so every way into the archive (a crawl, an import, a backfill,
`reextract`) reads it once here and keeps both.
"""

from __future__ import annotations

from pipelines import entities, relevance
from pipelines.items import ArticlePage, Extracted
from pipelines.outcomes import NotAboutLibya


def read_article(article: Extracted) -> tuple[relevance.Assessment, list[entities.EntityMention]]:
    """An article's relevance and the entities it names, from one reading."""
    reading = relevance.read(article.title, article.text)
    return relevance.score(reading), entities.found(reading)


def judge(page: ArticlePage) -> None:
    """Score a page's article (`relevance`, `libya_terms`) and name its places and actors
    (`entities`); raise NotAboutLibya when it is an article of a general outlet that is not
    about Libya. Every way into the archive judges pages with this."""
    result, page.entities = read_article(page.article)
    page.relevance, page.libya_terms = result.score, result.terms
    if page.scope == "general" and not result.relevant:
        raise NotAboutLibya(f"not about Libya (score {result.score})", result.score)
