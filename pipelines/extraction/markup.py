"""Small readers of page markup shared by the metadata helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def per_page(reader: Callable[..., T]) -> Callable[..., T]:
    """A reader of a whole page, run once per page: the titles, dates, authors and body
    helpers each ask the page for its meta tags, and a pass over the page per question
    was a tenth of the extraction's own time. It remembers the last page only (a worker
    reads one page at a time), and by identity: lxml hands out the same root object for
    as long as the page is in use, and the reference kept here keeps it in use. The page
    and its reading are swapped as one tuple, so two threads never mix two pages."""
    last: list[tuple | None] = [None]

    @functools.wraps(reader)
    def read(tree) -> T:
        page = last[0]
        if page is None or page[0] is not tree:
            page = last[0] = (tree, reader(tree))
        return page[1]

    return read


def first_values(tree, xpaths: tuple[str, ...]) -> list[str]:
    """The non-empty values the xpaths select, in the order of the xpaths."""
    values = []
    for xpath in xpaths:
        values.extend(v.strip() for v in tree.xpath(xpath) if isinstance(v, str) and v.strip())
    return values


def meta(tree, *names: str) -> list[str]:
    """Contents of <meta> tags with one of these property/name/itemprop values, in the
    order of the names, then of the page."""
    index = _meta_index(tree)
    return [content for name in names for content in index.get(name, ())]


@per_page
def _meta_index(tree) -> dict[str, tuple[str, ...]]:
    """Each property, name or itemprop value of the page's <meta> tags (as written) with
    the non-empty contents of the tags that carry it."""
    found: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        if content:
            for key in {element.get(a) for a in ("property", "name", "itemprop")} - {None}:
                found.setdefault(key, []).append(content)
    return {key: tuple(values) for key, values in found.items()}


def canonical_urls(tree) -> list[str]:
    """The addresses the page gives itself, as written: <link rel=canonical>, then og:url."""
    return first_values(tree, ("//link[@rel='canonical']/@href",)) + meta(tree, "og:url")


def clean(value) -> str | None:
    """Text with runs of whitespace made single spaces; None when nothing is left."""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


@per_page
def meta_contents(tree) -> dict[str, tuple[str, ...]]:
    """Every <meta> content keyed by its lower-cased property, name or itemprop.

    One pass over the page's meta tags, for readers that try many names: names differ in
    case from site to site (`DC.date.issued`, `dc.date.issued`), the meaning does not.
    """
    found: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        key = element.get("property") or element.get("name") or element.get("itemprop")
        if content and key:
            found.setdefault(key.strip().lower(), []).append(content)
    return {key: tuple(values) for key, values in found.items()}  # shared: read-only
