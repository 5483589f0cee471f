"""Search queries folded the way the archive's full-text index is (pipelines/text.py).

A researcher types words as they come: with or without harakat, with any alef, with the
article or a conjunction attached (الكهرباء, والكهرباء, بالكهرباء), in Latin script with or
without accents. `fts_query` turns that into an FTS5 expression that finds all of them;
Datasette's search box, the canned queries, the dashboards and `export --search` all use it.
"""

from __future__ import annotations

import re

from pipelines.text import ARABIC_LETTER, fold, prefixed, without_article

# A "quoted phrase", or a run of anything else up to white space or a quote.
_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
_OPERATORS = {"OR", "AND", "NOT"}


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _word_variants(word: str) -> list[str]:
    """The spellings of an Arabic word with the prefixes that may be attached to it.

    A word typed with the article (or the article and a proclitic) is searched without it
    too: كهرباء and الكهرباء for الكهرباء. Single-letter proclitics stay: و, ب, ل and ف
    also begin many words (وزير, برلمان).
    """
    return prefixed(without_article(word))


def _term(word: str) -> str:
    """One bare query word as an FTS5 expression."""
    prefix = word.endswith("*")
    word = fold(word.rstrip("*"))
    if not word:
        return ""
    star = "*" if prefix else ""
    if not ARABIC_LETTER.search(word) or " " in word:
        return _quote(word) + star
    return "(" + " OR ".join(_quote(v) + star for v in _word_variants(word)) + ")"


def fts_query(text: str | None) -> str:
    """An FTS5 MATCH expression for what a person typed in a search box.

    Words must all occur (in any order), "quoted words" as a phrase, a word ending in * as a
    prefix; OR, AND and NOT in capitals work as in FTS5. Nothing else in the input is FTS5
    syntax, so no input is a syntax error. Arabic words match their variants (see above).

    >>> fts_query('Haftar Sirte')
    '"Haftar" AND "Sirte"'
    """
    terms: list[str] = []
    for match in _PART.finditer(text or ""):
        phrase, word = match.groups()
        if word in _OPERATORS:
            # An operator needs a term on both sides: keep it only after a term.
            if terms and terms[-1] not in _OPERATORS:
                terms.append(word)
            continue
        term = _quote(fold(phrase)) if phrase is not None else _term(word)
        if term and term != '""':
            # FTS5 allows an implicit AND between phrases only, not between (groups).
            if terms and terms[-1] not in _OPERATORS:
                terms.append("AND")
            terms.append(term)
    while terms and terms[-1] in _OPERATORS:
        terms.pop()
    # An empty phrase matches nothing, where an empty expression would be a syntax error.
    return " ".join(terms) or '""'
