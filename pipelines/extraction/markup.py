"""Small readers of page markup shared by the metadata helpers."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from lxml import etree

T = TypeVar("T")

# The text nodes of an element, as XPath's text() gives them (never joined, as .text joins).
TEXT_NODES = etree.XPath("text()", smart_strings=False)


def per_page(reader: Callable[..., T]) -> Callable[..., T]:
    """A reader of a whole page, run once per page: the titles, dates, authors and body
    helpers each ask the page for its meta tags, and a pass over the page per question
    was a tenth of the extraction's own time. It remembers the last page only (a worker
    reads one page at a time), and by identity: lxml hands out the same root object for
    as long as the page is in use. The page is held by a weak reference where lxml allows
    one (lxml.html's elements do): a page held here was freed only when the next page came,
    inside the next page's first reader, whose time it then seemed to be (half a millisecond
    on the benchmark's pages, most of what the title appeared to cost). Freed with its last
    user instead, it costs the same but shows where it belongs, and leaves memory sooner. A
    dead reference never matches, so a new page that takes the old one's address is read
    afresh. Readings are plain data, never elements, for the same reason: an element keeps
    its whole page in memory. The page and its reading are swapped as one tuple, so two
    threads never mix two pages."""
    last: list[tuple | None] = [None]

    @functools.wraps(reader)
    def read(tree) -> T:
        page = last[0]
        if page is None or page[0]() is not tree:
            page = last[0] = (_reference(tree), reader(tree))
        return page[1]

    return read


def _reference(tree) -> Callable[[], object]:
    """A weak reference to the page, or a strong one for elements that allow no weak one."""
    try:
        return weakref.ref(tree)
    except TypeError:  # lxml.etree's own elements: held, so their identity stays theirs
        return lambda: tree


class Declared(NamedTuple):
    """What a page declares about itself in its meta, link, script and title elements."""

    # (property, name, itemprop, content) of each <meta> with a non-empty content, stripped.
    metas: tuple[tuple[str | None, str | None, str | None, str], ...]
    canonicals: tuple[str, ...]  # <link rel=canonical> addresses, stripped
    json_ld: tuple[str, ...]  # the text of the application/ld+json scripts
    titles: tuple[str, ...]  # the text of the <title> of the <head>, as written


@per_page
def declared(tree) -> Declared:
    """The page's meta tags, canonical links, JSON-LD scripts and title, in one pass.

    Each was a query over the whole page of its own (and the canonical link or the author
    meta tags several, by several readers), and a pass costs about the same whatever it
    looks for: one pass for all of them is a fraction of the time. From the page's root
    element it finds the elements the `//meta`, `//link`, `//script` and `//head/title`
    queries found.
    """
    metas, canonicals, json_ld, titles = [], [], [], []
    for element in tree.iter("meta", "link", "script", "title"):
        tag = element.tag
        if tag == "meta":
            content = (element.get("content") or "").strip()
            if content:
                attributes = (element.get("property"), element.get("name"), element.get("itemprop"))
                metas.append((*attributes, content))
        elif tag == "link":
            href = element.get("href")
            if element.get("rel") == "canonical" and href and href.strip():
                canonicals.append(href.strip())
        elif tag == "script":
            if element.get("type") == "application/ld+json":
                json_ld += TEXT_NODES(element)
        else:
            parent = element.getparent()
            if parent is not None and parent.tag == "head":
                titles += TEXT_NODES(element)
    return Declared(tuple(metas), tuple(canonicals), tuple(json_ld), tuple(titles))


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
    for *attributes, content in declared(tree).metas:
        for key in set(attributes) - {None}:
            found.setdefault(key, []).append(content)
    return {key: tuple(values) for key, values in found.items()}


def canonical_urls(tree) -> list[str]:
    """The addresses the page gives itself, as written: <link rel=canonical>, then og:url."""
    return [*declared(tree).canonicals, *meta(tree, "og:url")]


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
    for prop, name, itemprop, content in declared(tree).metas:
        key = prop or name or itemprop
        if key:
            found.setdefault(key.strip().lower(), []).append(content)
    return {key: tuple(values) for key, values in found.items()}  # shared: read-only
