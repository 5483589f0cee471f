"""The headline of an article page, as the page shows it."""

from __future__ import annotations

from pipelines.extraction.markup import clean


def title(
    tree, article_ld: list[dict], trafilatura_title: str | None, site_name: str | None
) -> tuple[str | None, str]:
    """(the headline, where it came from)."""
    headline = clean(trafilatura_title)
    return headline, "trafilatura" if headline else "none"
