"""Small readers of page markup shared by the metadata helpers."""

from __future__ import annotations


def first_values(tree, xpaths: tuple[str, ...]) -> list[str]:
    """The non-empty values the xpaths select, in the order of the xpaths."""
    values = []
    for xpath in xpaths:
        values.extend(v.strip() for v in tree.xpath(xpath) if isinstance(v, str) and v.strip())
    return values


def meta(tree, *names: str) -> list[str]:
    """Contents of <meta> tags with one of these property/name/itemprop values."""
    found = []
    for name in names:
        found += first_values(
            tree,
            (f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content",),
        )
    return found


def canonical_urls(tree) -> list[str]:
    """The addresses the page gives itself, as written: <link rel=canonical>, then og:url."""
    return first_values(tree, ("//link[@rel='canonical']/@href",)) + meta(tree, "og:url")


def clean(value) -> str | None:
    """Text with runs of whitespace made single spaces; None when nothing is left."""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def meta_contents(tree) -> dict[str, list[str]]:
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
    return found
