"""The article body: trafilatura's text, without the page furniture it lets through.

trafilatura (run with favor_precision) keeps the paragraphs of the article, but pages also
write some furniture as ordinary paragraphs, and then it survives:

- before the text: the headline again, the byline ("By ...", "Von ...", "بقلم ..."), a
  date or "Updated" line;
- anywhere: advertising labels ("Advertisement", "Anzeige", "إعلان") and the signature
  lines of embedded social media posts ("— Name (@handle) May 5, 2024", pic.twitter.com);
- after the text: "Other reports by ...", "Read more", "Related", "You may also like", "Also read",
  "Filed under", "Follow us", share, newsletter and donation prompts, copyright
  lines, in the registry's five languages and German.

Only lines that are furniture as a whole are removed; at the two ends only an unbroken run
of them, so the same words inside a paragraph of the article survive.

The standfirst (the lead paragraph set above the text, "teaser", "intro", "Vorspann") is
text the newsroom wrote for the article, but trafilatura often leaves it out with the
header it sits in. `with_standfirst` puts it back when the page both declares it (as its
description) and shows it, so that search and relevance see it.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from pipelines.extraction import jsonld
from pipelines.extraction.markup import clean, meta

# Structured-data types that declare a page of links to other pages, not an article.
LISTING_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"}

# Whole lines that close an article.
TRAILING_FURNITURE = re.compile(
    r"^\s*(other (reports|stories|articles) (by|from)|read (more|also)|related( (articles|"
    r"stories|posts|content))?:?$|more (from|on this|stories)|also (on|read)\b|follow us|"
    r"share (this|on|it)|like this (story|article)|sign up|subscribe|newsletter|"
    r"advertisement$|©|\(c\) |copyright\b|all rights reserved|"
    r"اقرأ (أيضا|أيضاً|المزيد)|تابعونا|شارك|مقالات ذات صلة|جميع الحقوق محفوظة|"
    r"lire aussi|à lire aussi|suivez-nous|partager|abonnez-vous|tous droits réservés|"
    r"leggi anche|seguici|condividi|iscriviti|riproduzione riservata|"
    r"ilgili haberler|bunlar da ilginizi|takip edin|paylaş|tüm hakları saklıdır|"
    r"lesen sie auch|mehr zum thema|das könnte sie auch interessieren|folgen sie uns|"
    r"teilen\b|folg(e|st) (uns|du)|\d* ?comments?$|leave a (comment|reply)|"
    r"tell us what you think|click here|jetzt unterstützen|you (may|might) also like|"
    r"filed under\b|hat ihnen (dieser|der) (artikel|beitrag) gefallen|"
    r"vous aimerez (aussi|également)|ti potrebbe (anche )?interessare|قد يعجبك|قد يهمك)",
    re.IGNORECASE,
)
# Whole lines that are furniture wherever they stand.
ANYWHERE_FURNITURE = re.compile(
    r"^\s*(advertisement|anzeige|werbung|publicité|pubblicità|reklam|إعلان)\s*$"
    r"|^\s*[—–-]\s*.{1,80}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$"
    r"|pic\.twitter\.com/\w+\s*$",
    re.IGNORECASE,
)
# The longest label ANYWHERE_FURNITURE takes alone on a line ("advertisement").
MAX_AD_LABEL_CHARS = 13
NOT_ALNUM = re.compile(r"[\W_]+")
# Lines that open an article page before its text: bylines and date or update lines.
NAME = r"[A-ZÀ-ÖØ-Þ][\w'’.-]+"
BYLINE = re.compile(
    rf"^\s*(?i:by|von|par|di|por|door|av|af)\s*:?\s+{NAME}(\s+((?i:and|und|et|e|y)\s+|&\s+)?"
    rf"{NAME}){{0,5}}\s*$"
    r"|^\s*(بقلم|كتب|كتبت)\s*:?\s*(\S+\s*){1,6}$"
)
DATELINE = re.compile(
    r"^\s*((updated|published|posted|stand|aktualisiert|veröffentlicht|mis à jour|publié|"
    r"aggiornato|pubblicato|güncelleme|yayınlanma)\b[^.]{0,60}|"
    r"[\w.,: ]{0,30}\d{1,4}[./-]\d{1,2}[./-]\d{1,4}[\w.,: ]{0,30}|"
    r"\w+ \d{1,2}, \d{4}( \d{1,2}:\d{2}.{0,12})?)$",
    re.IGNORECASE,
)


def clean_text(text: str, title: str | None = None) -> str:
    """Paragraphs separated by blank lines, without the furniture described above."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not _furniture_anywhere(line)]
    while lines and _opens_page(lines[0], title):
        lines.pop(0)
    while lines and TRAILING_FURNITURE.match(lines[-1]):
        lines.pop()
    return "\n\n".join(lines)


def trim_trailing_furniture(text: str) -> str:
    """Paragraphs separated by blank lines, without the furniture lines that close the page."""
    return clean_text(text)


def _furniture_anywhere(line: str) -> bool:
    """Whether a line is furniture wherever it stands (ANYWHERE_FURNITURE).

    The pattern is tried at every position of every paragraph; each of its forms needs a
    label alone on the line, a "(@" or a "/", so a paragraph with none of them is passed
    without the scan, which was most of the cost of cleaning a text.
    """
    if len(line.strip()) > MAX_AD_LABEL_CHARS and "(@" not in line and "/" not in line:
        return False
    return bool(ANYWHERE_FURNITURE.search(line))


def _opens_page(line: str, title: str | None) -> bool:
    # The headline again, alone or with the site's decoration ("Headline | Site"). The
    # length first: the key of a long first paragraph is costly and cannot match.
    if title and len(line) <= len(title) + 40 and _key(line).startswith(_key(title)):
        return True
    return bool(BYLINE.match(line) or DATELINE.match(line))


def _key(text: str) -> str:
    # `[^\W_]` is exactly what str.isalnum() keeps; one substitution beats a test per character.
    return NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


# A description shorter than this is a tagline, not a standfirst.
MIN_STANDFIRST_WORDS = 8
# Elements whose text is not shown on the page.
HIDDEN_TAGS = {"head", "title", "meta", "script", "style", "noscript", "template"}
# The page's text nodes that hold a phrase. Compiled once, and written with the descendant
# axis: `//text()` gathers every node of the page first, a tenth more time for the same nodes.
TEXT_WITH = etree.XPath("/descendant::text()[contains(., $opening)]")
WORD = re.compile(r"\w+")


def with_standfirst(tree, article_ld: list[dict], text: str) -> str:
    """The text with the page's standfirst before it, when the text lacks it.

    A standfirst is a description of the article (og:description, the meta description or
    JSON-LD's) that the page also shows as an element of its own; a description found only
    in the head is a summary for search engines and stays out.
    """
    if not text:
        return text
    descriptions = meta(tree, "og:description", "description", "twitter:description")
    descriptions += [o["description"] for o in article_ld if isinstance(o.get("description"), str)]
    in_text = _WordsIn(text)
    # Pages often repeat one description (og, meta, twitter, JSON-LD): each is tried once.
    for description in dict.fromkeys(descriptions):
        words = _words(description)
        if len(words.split()) >= MIN_STANDFIRST_WORDS and not in_text.holds(words):
            shown = _shown_as_element(tree, description, words)
            if shown:
                return f"{shown}\n\n{text}"
    return text


class _WordsIn:
    """Whether a text holds a run of words (as `_words` writes them), answered cheaply.

    The text's own words take a regex pass over the whole article, needed only when the
    run could be there: each inner word of a run the text holds is a whole word of the
    text, so one missing from the text's folded characters settles it in a substring search.
    """

    def __init__(self, text: str):
        self.text = text
        self.folded = text.casefold()
        self.words: str | None = None

    def holds(self, words: str) -> bool:
        if not all(word in self.folded for word in words.split()[1:-1]):
            return False
        if self.words is None:
            self.words = _words(self.text)
        return words in self.words


def _shown_as_element(tree, description: str, words: str) -> str | None:
    """The text of the visible element that says the description, if there is one."""
    # Only text nodes that hold the description's first words are looked at (one XPath
    # pass in C); from each, up to the first ancestor that holds the whole of it.
    opening = " ".join(clean(description).split()[:3])
    for node in TEXT_WITH(tree, opening=opening):
        element = node.getparent()
        while element is not None and element.tag not in HIDDEN_TAGS:
            shown = clean(element.text_content()) or ""
            shown_words = _words(shown)
            if shown_words == words:
                return shown
            if len(shown_words) > len(words):
                break
            element = element.getparent()
    return None


def _words(text: str) -> str:
    """The words of a text, case folded, for comparing texts whatever their punctuation."""
    return " ".join(WORD.findall(text.casefold()))


def article_body(article_ld: list[dict]) -> str:
    """The text the article's JSON-LD declares (`articleBody`), paragraphs kept: the last
    resort when the page's markup gives none."""
    for obj in article_ld:
        declared = obj.get("articleBody")
        if isinstance(declared, str) and declared.strip():
            return declared.strip()
    return ""


def is_listing(tree, article_ld: list[dict]) -> bool:
    """True when the page declares itself a listing (a section, tag, search or author page)
    in its JSON-LD and declares no article: its text would be teasers, not an article."""
    if article_ld:
        return False
    return any(jsonld.types(obj) & LISTING_TYPES for obj in jsonld.objects(tree))
