"""Per-outlet overrides: selectors in outlets.yml for pages that defeat the generic path.

An outlet's entry may give, under `extract:`, a CSS selector (or an XPath prefixed with
`xpath:`) for `title`, `byline`, `date` or `body`. When it matches, it wins over every
generic source (its source is recorded as "override"); when it matches nothing (the
outlet changed its templates), the generic path decides as if there were no override.
"""

from __future__ import annotations

from functools import cache

import htmldate
from cssselect import GenericTranslator, SelectorError
from lxml import etree

from pipelines.extraction.markup import clean

FIELDS = ("title", "byline", "date", "body")
BLOCKS = ".//p | .//h2 | .//h3 | .//h4 | .//li | .//blockquote"


@cache
def compile_selector(selector: str) -> etree.XPath:
    """An XPath for `selector` (CSS, or XPath after "xpath:"); ValueError if it is invalid."""
    try:
        if selector.startswith("xpath:"):
            return etree.XPath(selector.removeprefix("xpath:").strip())
        return etree.XPath(GenericTranslator().css_to_xpath(selector))
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise ValueError(f"{selector!r} is not a valid CSS selector or XPath: {exc}") from exc


def select_text(tree, selector: str) -> list[str]:
    """The text of every element (or attribute value) the selector matches."""
    texts = []
    for found in compile_selector(selector)(tree):
        text = clean(found if isinstance(found, str) else found.text_content())
        if text:
            texts.append(text)
    return texts


def select_date(tree, selector: str) -> str | None:
    """The date the selected element states: its datetime/content attribute, else its text."""
    for found in compile_selector(selector)(tree):
        if isinstance(found, str):
            stamp = found
        else:
            stamp = found.get("datetime") or found.get("content") or found.text_content()
        day = htmldate.find_date(
            f"<html><body><p>{stamp}</p></body></html>", extensive_search=True, original_date=True
        )
        if day:
            return stamp.strip() if stamp.strip().startswith(day) else day
    return None


def select_body(tree, selector: str) -> str | None:
    """The paragraphs of the selected elements, separated by blank lines."""
    paragraphs = []
    for found in compile_selector(selector)(tree):
        if isinstance(found, str):
            continue
        blocks = found.xpath(BLOCKS) or [found]
        paragraphs += [text for text in (clean(b.text_content()) for b in blocks) if text]
    return "\n\n".join(paragraphs) or None
