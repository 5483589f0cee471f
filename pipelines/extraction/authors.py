"""The authors of an article page, as a list of names."""

from __future__ import annotations

import re

AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&|\bو\b|،)\s*")
AUTHOR_PREFIX = re.compile(r"^\s*(by|par|di|بقلم|كتب|كتبت)(\s*:\s*|\s+)", re.IGNORECASE)


def authors(
    tree, article_ld: list[dict], trafilatura_author: str | None, site_name: str | None
) -> tuple[list[str], str]:
    """(the names of the people, or agency, credited; where they came from)."""
    names = split_authors(trafilatura_author)
    return names, "trafilatura" if names else "none"


def split_authors(author: str | None) -> list[str]:
    """An author string ("A; B", "By A and B") as a list of names, without "By" prefixes."""
    if not author:
        return []
    names = []
    for part in AUTHOR_SPLIT.split(author):
        name = AUTHOR_PREFIX.sub("", part).strip(" .:-")
        if name and name not in names:
            names.append(name)
    return names
