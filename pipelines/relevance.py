"""Relevance: is this article about Libya?

Outlets with scope `libya` keep every article; for `general` outlets an article is kept
when it names Libya in its title, or names Libya, its places or its actors often enough in
its text. The terms live in libya_terms.yml so researchers can extend them. This is the
first, keyword version; the score and matched terms are stored so a later, stronger model
can be audited and re-thresholded against it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from scrapy.exceptions import DropItem

from scrapers.items import ArticlePage

TERMS_FILE = Path(__file__).with_name("libya_terms.yml")
WEIGHTS = {"strong": 1.0, "places": 0.4, "actors": 0.5}
TITLE_BOOST = 3.0  # a term in the headline counts as much as three in the body
THRESHOLD = 1.0


@dataclass
class Assessment:
    relevant: bool
    score: float
    terms: list[str] = field(default_factory=list)


@cache
def _patterns() -> list[tuple[re.Pattern, float]]:
    """One alternation per group of terms: a pass over the text per group, not per term."""
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    compiled = []
    for group, weight in WEIGHTS.items():
        terms = data[group]
        if isinstance(terms, dict):
            terms = [t for per_language in terms.values() for t in per_language]
        # Longest first, so "libyan" wins over "libya"; explicit letter bounds, since \b
        # misbehaves next to some Arabic letters.
        alternation = "|".join(sorted((t.lower() for t in terms), key=len, reverse=True))
        # Matched against lower-cased text: twice as fast as re.IGNORECASE.
        compiled.append((re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), weight))
    return compiled


def assess(title: str | None, text: str | None, language: str | None = None) -> Assessment:
    """Score an article's Libya relevance from its title and text.

    Args:
        title: the headline.
        text: the body.
        language: unused by the keyword model; part of the interface for the later one.

    Returns:
        An Assessment: relevant (score >= 1), score, and the distinct terms matched.
    """
    score = 0.0
    terms: set[str] = set()
    title, text = (title or "").lower(), (text or "").lower()
    for pattern, weight in _patterns():
        in_title = Counter(pattern.findall(title))
        in_text = Counter(pattern.findall(text))
        for term in in_title.keys() | in_text.keys():
            # Diminishing returns: ten mentions are not ten times one.
            score += weight * (TITLE_BOOST * min(in_title[term], 1) + min(in_text[term], 3))
            terms.add(term)
    return Assessment(score >= THRESHOLD, round(score, 2), sorted(terms))


class RelevancePipeline:
    """Scores every article; drops articles of general outlets that are not about Libya."""

    def process_item(self, item):
        if not isinstance(item, ArticlePage):
            return item
        result = assess(item.title, item.text, item.language)
        item.relevance, item.libya_terms = result.score, result.terms
        if item.scope == "general" and not result.relevant:
            raise DropItem(f"irrelevant: not about Libya (score {result.score}) {item.url}")
        return item
