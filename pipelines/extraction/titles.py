"""The headline of an article page, as the publisher states it, without the site's name.

Order of trust (the first source that gives a headline wins):

1. jsonld: the `headline` (or `name`) of the article's own JSON-LD object, the headline the
   publisher declares for machines;
2. meta: `og:title`, then `twitter:title`;
3. h1: the first `<h1>` that looks like a headline (not a logo, a section name or "Log in");
4. trafilatura: its own guess;
5. title: the `<title>` tag, the last resort because it carries most decoration.

Every candidate is cleaned the same way: HTML entities decoded, whitespace collapsed, and
the site's decoration cut off. The decoration is learned from the page, not from a list: a
segment after (or before) a separator is cut when it names the site (og:site_name, the
publisher, the host name), is a date, or is what is left of a longer candidate once a
shorter candidate that the page also gives has been matched ("Headline | Site" beside
"Headline"). A last segment that names a section the page declares (article:section,
articleSection, a category meta) is cut too, even when a bare hyphen glues it on.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

from pipelines.extraction.markup import clean, declared, meta, meta_contents

# Separators that sites put between a headline and their name, section or date.
# The lookahead names the characters every form starts with: without it the regex tries its
# four forms at each position of a title, and splitting titles was a third of their reading.
SEPARATOR = re.compile(
    r"(?=[\s|｜ㅣ-])(?:\s+[|\-–—·•*:/»~]\s+|\s*[|｜ㅣ]\s*|\s+-(?=\S)|(?<=\S)-\s+)"
)
SEPARATOR_FIRST = re.compile(r"\s*[|\-–—·•*:/»~｜ㅣ]")
SEPARATOR_LAST = re.compile(r"[|\-–—·•*:/»~｜ㅣ]\s*$")
DATE_SEGMENT = re.compile(r"^\W*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\W*$")
MAX_DECORATION_CHARS = 60
# Class names that mark the kicker, overline or label set above or inside a headline.
KICKER_CLASS = re.compile(
    r"kicker|dachzeile|overline|eyebrow|topline|roofline|supertitle|spitzmarke|label|tag\b",
    re.IGNORECASE,
)
# A last segment after a separator, spaced or not ("...-Politics", "... | Economy"): cut when
# it is a section the page itself declares. Without that, a hyphen with no spaces is taken
# to be part of a word.
SECTION_SUFFIX = re.compile(r"\s*[-–—|｜ㅣ:/»]\s*([^-–—|｜ㅣ:/»]{1,40})$")
# What is not a letter or a digit: `[^\W_]` is exactly the characters str.isalnum() keeps,
# and one substitution is faster than a test per character.
NOT_ALNUM = re.compile(r"[\W_]+")
# An h1 shorter than this is a logo or a section name when the page offers a longer title.
MIN_H1_CHARS = 12


def title(
    tree,
    article_ld: list[dict],
    trafilatura_title: str | None,
    site_name: str | None,
    url: str | None = None,
) -> tuple[str | None, str]:
    """(the headline, the name of the source that gave it)."""
    site_keys = _site_keys(tree, article_ld, site_name, url)
    section_keys = _section_keys(tree, article_ld)
    candidates = [
        (source, strip_section(strip_site(text, site_keys), section_keys))
        for source, text in _candidates(tree, article_ld, trafilatura_title)
    ]
    texts = [text for _, text in candidates]
    for source, text in candidates:
        headline = strip_beside(text, texts)
        if headline:
            return headline, source
    return None, "none"


def strip_site(text: str, site_keys: set[str]) -> str:
    """`text` without the site name or date segments before or after the headline."""
    parts = SEPARATOR.split(text)
    separators = SEPARATOR.findall(text)
    while len(parts) > 1 and _is_decoration(parts[-1], site_keys):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _is_decoration(parts[0], site_keys):
        parts.pop(0)
        separators.pop(0)
    headline = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        headline += separator + part
    return headline.strip()


def strip_section(text: str, section_keys: set[str]) -> str:
    """`text` without a trailing section name that the page declares ("Headline-Politics")."""
    match = SECTION_SUFFIX.search(text)
    if match and match.start() > 0 and _key(match.group(1)) in section_keys:
        return text[: match.start()].rstrip()
    return text


def strip_beside(text: str, others: list[str]) -> str:
    """`text` cut to another candidate it merely decorates, with a section or a kicker."""
    for other in others:
        if not other or other == text or len(other) * 2 < len(text):
            continue  # a short `other` ("Climate change") never cuts a headline
        # "Headline - Section" beside a bare "Headline": the short rest is decoration.
        rest = text[len(other) :] if text.startswith(other) else None
        if rest is not None and len(rest) <= MAX_DECORATION_CHARS and SEPARATOR_FIRST.match(rest):
            return other
        # "Kicker: Headline" beside a bare "Headline": the kicker is decoration too.
        lead = text[: -len(other)] if text.endswith(other) else None
        if lead is not None and len(lead) <= MAX_DECORATION_CHARS and SEPARATOR_LAST.search(lead):
            return other
    return text


def _candidates(tree, article_ld: list[dict], trafilatura_title: str | None):
    found: list[tuple[str, str]] = []
    for obj in article_ld:
        for field in ("headline", "name"):
            if isinstance(obj.get(field), str):
                found.append(("jsonld", obj[field]))
                break
    found += [("meta", value) for value in meta(tree, "og:title", "twitter:title")]
    found += [("h1", h1) for h1 in _headline_h1s(tree)]
    if trafilatura_title:
        found.append(("trafilatura", trafilatura_title))
    found += [("title", value) for value in declared(tree).titles]
    cleaned = [(source, clean(html.unescape(text))) for source, text in found]
    return [(source, text) for source, text in cleaned if text]


def _headline_h1s(tree) -> list[str]:
    """Text of the h1 elements that can be a headline: outside header, nav and footer, and
    without the kicker (the small line above a headline) that many CMSs put inside the h1."""
    h1s = []
    for element in tree.iter("h1"):
        if _in_page_frame(element):
            continue
        text = clean("".join(_text_without_kickers(element)))
        if text and len(text) >= MIN_H1_CHARS:
            h1s.append(text)
    return h1s


def _in_page_frame(element) -> bool:
    """Whether an element lies in a nav, a footer, or a header that is no article's.

    Read from the few ancestors of the page's h1s: the XPath that said the same tested its
    conditions on every element of the page.
    """
    tags = [ancestor.tag for ancestor in element.iterancestors()]  # nearest first
    if "nav" in tags or "footer" in tags:
        return True
    return any(tag == "header" and "article" not in tags[i + 1 :] for i, tag in enumerate(tags))


def _text_without_kickers(element) -> list[str]:
    """The element's text pieces, skipping descendants whose class marks a kicker."""
    pieces = [element.text or ""]
    for child in element:
        if not KICKER_CLASS.search(str(child.get("class", ""))):
            pieces += _text_without_kickers(child)
        pieces.append(child.tail or "")
    return pieces


def _site_keys(tree, article_ld: list[dict], site_name: str | None, url: str | None) -> set[str]:
    """Spellings of the site's name that may decorate a title, reduced to letters and digits."""
    names = [site_name] if site_name else []
    names += meta(tree, "og:site_name", "application-name", "apple-mobile-web-app-title")
    for obj in article_ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    if labels:
        names.append(labels[0] if len(labels) == 1 else labels[-2])
        names.append(".".join(labels))  # "ntv.com.tr" written out
    return {key for key in map(_key, names) if len(key) >= 2}


def _section_keys(tree, article_ld: list[dict]) -> set[str]:
    """The sections the page says it belongs to (article:section, articleSection, a meta
    named like a section or category), reduced as site names are."""
    names = [
        value
        for name, values in meta_contents(tree).items()
        if "section" in name or "category" in name
        for value in values
    ]
    for obj in article_ld:
        section = obj.get("articleSection")
        names += [section] if isinstance(section, str) else []
        names += [s for s in section if isinstance(s, str)] if isinstance(section, list) else []
    return {key for key in map(_key, names) if 2 <= len(key) <= 40}


def _is_decoration(segment: str, site_keys: set[str]) -> bool:
    if DATE_SEGMENT.match(segment):
        return True
    key = _key(segment)
    if not key:
        return True
    for site in site_keys:
        # The name itself, most of it ("WELT" for "WELT Online"), or the name plus a short
        # word or two ("MDR.DE", "NTV Haber"); never a short word that merely occurs in it.
        if key == site or (key in site and len(key) * 5 >= len(site) * 3):
            return True
        if site in key and len(key) <= len(site) + 20:
            return True
    return False


def _key(text: str) -> str:
    """Letters and digits only, accents folded, case folded: "Börsen-Zeitung" -> "borsenzeitung"."""
    return NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))
