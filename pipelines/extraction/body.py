"""The article body: trafilatura's text, without the furniture that trails articles."""

from __future__ import annotations

import re

# Lines that close an article as page furniture, in the registry's five languages. Only a
# run of such lines at the very end is trimmed, so the same words inside the text survive.
TRAILING_FURNITURE = re.compile(
    r"^\s*(other (reports|stories|articles) (by|from)|read (more|also)|related( (articles|"
    r"stories|posts))?:?$|more from|follow us|share (this|on)|sign up|subscribe|"
    r"advertisement$|اقرأ (أيضا|أيضاً|المزيد)|تابعونا|شارك|مقالات ذات صلة|"
    r"lire aussi|à lire aussi|suivez-nous|partager|leggi anche|seguici|condividi|"
    r"ilgili haberler|bunlar da ilginizi|takip edin|paylaş)",
    re.IGNORECASE,
)


def trim_trailing_furniture(text: str) -> str:
    """Paragraphs separated by blank lines, without the furniture lines that close the page."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    while lines and TRAILING_FURNITURE.match(lines[-1]):
        lines.pop()
    return "\n\n".join(lines)
