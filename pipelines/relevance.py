"""Relevance: is this article about Libya? A multilingual (en, ar, fr, it, tr) evidence model.

Outlets with scope `libya` keep every article; for `general` outlets an article is kept when
`assess()` finds it relevant. The words the model looks for live in libya_terms.yml, grouped
(the country, its places, its actors, weak titles, context words), so researchers extend the
model without touching code.

How an article is read
1. Title, text and terms are normalised by the archive's one text model (pipelines/text.py),
   the folding the search index applies: lower case with Turkish İ/ı folded to i, accents,
   harakat and tatweel stripped, Arabic letter variants unified (أ إ آ ٱ -> ا, ؤ -> و,
   ئ -> ي, ة -> ه, ى -> ي), curly apostrophes made straight.
2. One regular expression (a trie of every term) finds the mentions; Arabic terms accept the
   attached prefixes (و ف ب ك ل ال and their combinations), Turkish case endings after an
   apostrophe and French/Italian elisions fall outside the word and need nothing.
3. Context overrides some mentions: a "Tripoli" in an article that names Lebanon (or Greek
   Arcadia) at least as often as Libya is not the Libyan capital; a mention inside a list
   of countries, a results table or next to a score counts a quarter; "Libyan-born" and the
   Libyan Sea are not Libya news; weak titles (House of Representatives, central bank, GNU)
   count only beside other evidence.

The score
Each mention is worth its group's weight (country 1.0, actors 0.9, places 0.85, weak 0.3;
a concept may override it, as Gaddafi does with 0.7) times where it is: 1.2 in the
headline, 0.7 in the lead (the first paragraphs, ~200-600 characters), 0.35 further down.
Mentions of one concept (Libya/ليبيا/Libye..., Tripoli/طرابلس/Trablus...) have
diminishing returns: the best counts fully, the next half, then a quarter. When the
headline names nothing Libyan and another country is named far more often than Libya,
the article is about that country and the score is scaled down.

So the score is evidence in units of "one unambiguous mention of the country": THRESHOLD
1.0 means the country, a Libyan actor or a Libyan city in the headline, or the country in
the lead plus a little more, or a handful of Libyan mentions in the body. One aside in the
tail scores about 0.35 and a lone mention in the lead 0.7: passing mentions stay below.
The score has no upper bound; it is stored so that the threshold can be revisited.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import yaml

from pipelines.items import ArticlePage
from pipelines.outcomes import NotAboutLibya
from pipelines.text import normalise, prefixed, without_article

TERMS_FILE = Path(str(files("pipelines").joinpath("libya_terms.yml")))
THRESHOLD = 1.0

TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 1.2, 0.7, 0.35
DECAY = 0.5  # the n-th mention of one concept is worth DECAY**n of the best one
LIST_WEIGHT = 0.25  # a mention inside a list of countries or a results table
LEAD_MIN, LEAD_MAX = 200, 600  # the lead ends at the first paragraph break after LEAD_MIN
# The article is about another country when it names that one this many times more.
DOMINANCE_RATIO, DOMINANCE_FACTOR = 1.5, 0.6

EVIDENCE = ("country", "places", "actors", "weak", "origin")
TRIPOLI = ("places", "tripoli")

# Between two neighbouring mentions of a list or a table: punctuation, numbers, "and".
LIST_GAP = re.compile(
    r"[\s\d.,;:()/|+\-–—،؛]*(?:\b(?:and|or|et|ou|e|o|ve|veya|ile)\b)?[\s\d.,;:()/|+\-–—،؛]*"
)
# A result next to a mention: "Egypt 2-0 Libya", "Libya 1-1".
SCORE_AFTER = re.compile(r"\s*\d+\s*[-–:]\s*\d+")
SCORE_BEFORE = re.compile(r"\d+\s*[-–:]\s*\d+\s*$")


@dataclass
class Assessment:
    relevant: bool
    score: float
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Term:
    """What a normalised form stands for: its group, its concept and their weight."""

    group: str
    concept: str
    weight: float
    supporting: bool = False


class Mention(NamedTuple):
    """One term found in the title or text (a tuple: thousands are made per second)."""

    term: Term
    form: str
    start: int
    end: int
    zone: float  # TITLE_WEIGHT, LEAD_WEIGHT or BODY_WEIGHT


def _normalise_term(term: str) -> str:
    """A term as the text will look once normalised; Arabic terms without their article."""
    # The article comes back as one of the prefixes every Arabic form is compiled with.
    return without_article(normalise(str(term)).strip())


def _trie_regex(forms: list[str]) -> str:
    """One regex alternation for many words, sharing prefixes: far faster than a flat list.

    A space matches any run of whitespace, a hyphen a hyphen, a space or nothing, and a
    final * any further letters. Longer forms win: every optional tail is greedy.
    """
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict) -> str:
    """The regex for a trie node's children (the end-of-form marker "" excluded)."""
    branches = []
    for char, child in sorted(node.items()):
        if char == "":
            continue
        if char == "*":
            branches.append(r"\w*")
            continue
        piece = {" ": r"\s+", "-": r"[-\s]?"}.get(char, re.escape(char))
        rest = _render(child)
        if rest:
            piece += f"(?:{rest})?" if "" in child else rest
        branches.append(piece)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _key(form: str) -> str:
    """A form without spaces and hyphens: "al-sarraj", "al sarraj" and "alsarraj" meet."""
    return form.replace(" ", "").replace("\n", "").replace("-", "")


@dataclass
class Model:
    """The terms file compiled: one pattern, and what each matched form means."""

    pattern: re.Pattern
    forms: dict[str, tuple[Term, str]]  # key of a form as found -> its term, the form as listed
    stems: list[tuple[str, Term]]  # forms ending in *, longest first


@cache
def model(path: Path = TERMS_FILE) -> Model:
    """Compile the terms file (once per process)."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    forms: dict[str, Term] = {}
    for group, spec in groups.items():
        term_of = {}
        for concept, per_language in spec["concepts"].items():
            per_language = dict(per_language)
            weight = float(per_language.pop("weight", spec["weight"]))
            term = Term(group, concept, weight, bool(spec.get("supporting")))
            for words in per_language.values():
                for form in map(_normalise_term, words):
                    known = forms.get(form) or term_of.get(form)
                    if known and known != term:
                        raise ValueError(f"{path.name}: {form!r} is both {known} and {term}")
                    term_of[form] = term
        forms.update(term_of)
    stems = sorted(
        ((_key(form[:-1]), term) for form, term in forms.items() if form.endswith("*")),
        key=lambda item: -len(item[0]),
    )
    found = {}
    for form, term in forms.items():
        for variant in prefixed(form):
            found.setdefault(variant, (term, form))
    pattern = re.compile(rf"(?<!\w)({_trie_regex(list(found))})(?!\w)")
    return Model(pattern, {_key(form): value for form, value in found.items()}, stems)


def _lookup(m: Model, form: str) -> tuple[Term, str] | None:
    """The term a matched form stands for and the form as listed (exact, or a *-stem)."""
    key = _key(form) if " " in form or "-" in form else form
    if key in m.forms:
        return m.forms[key]
    return next(((term, form) for stem, term in m.stems if key.startswith(stem)), None)


def _mentions(m: Model, text: str, zone_of) -> list[Mention]:
    """Every mention of a term in a normalised text, with the weight of where it is."""
    found = []
    for match in m.pattern.finditer(text):
        known = _lookup(m, match.group(1))
        if known is not None:
            start = match.start()
            found.append(Mention(known[0], known[1], start, match.end(), zone_of(start)))
    return found


def _lead_end(text: str) -> int:
    """Where the lead stops: the first paragraph break after LEAD_MIN, at most LEAD_MAX."""
    end = text.find("\n", LEAD_MIN)
    return LEAD_MAX if end == -1 or end > LEAD_MAX else end


def _listed(mentions: list[Mention], text: str) -> set[int]:
    """Indexes of mentions in a run of 3+ countries (a list, a table) or next to a score."""
    listed = {
        i
        for i, m in enumerate(mentions)
        if SCORE_AFTER.match(text, m.end)
        or SCORE_BEFORE.search(text, max(0, m.start - 12), m.start)
    }
    run = [0] if mentions else []
    for i in range(1, len(mentions) + 1):
        joined = i < len(mentions) and LIST_GAP.fullmatch(
            text[mentions[i - 1].end : mentions[i].start]
        )
        if joined:
            run.append(i)
            continue
        others = {mentions[j].term.concept for j in run if mentions[j].term.group == "countries"}
        if len(others) >= 2:
            listed.update(run)
        run = [i]
    return listed


def _score(mentions: list[Mention], listed: set[int], tripoli_counts: bool) -> tuple[float, list]:
    """Sum the evidence per concept with diminishing returns; return it and the terms used."""
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    terms: set[str] = set()
    supporting: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i, mention in enumerate(mentions):
        term = mention.term
        if (
            term.group not in EVIDENCE
            or (term.group, term.concept) == TRIPOLI
            and not tripoli_counts
        ):
            continue
        value = term.weight * mention.zone * (LIST_WEIGHT if i in listed else 1.0)
        (supporting if term.supporting else values)[(term.group, term.concept)].append(value)
        terms.add(mention.form)
    score = sum(_diminishing(v) for v in values.values())
    if score > 0:
        score += sum(_diminishing(v) for v in supporting.values())
    return score, sorted(terms)


def _diminishing(values: list[float]) -> float:
    """The best value counts fully, the next DECAY times, the next DECAY**2..."""
    return sum(value * DECAY**n for n, value in enumerate(sorted(values, reverse=True)))


def _focus(mentions: list[Mention], listed: set[int]) -> float:
    """DOMINANCE_FACTOR when another country is named far more often than Libya, else 1."""
    libyan = sum(
        1 for i, m in enumerate(mentions) if m.term.group in EVIDENCE[:3] and i not in listed
    )
    others = Counter(m.term.concept for m in mentions if m.term.group == "countries")
    top = max(others.values(), default=0)
    return DOMINANCE_FACTOR if top >= 3 and top > DOMINANCE_RATIO * libyan else 1.0


def assess(title: str | None, text: str | None, language: str | None = None) -> Assessment:
    """Score an article's Libya relevance from its title and text.

    Args:
        title: the headline.
        text: the body, paragraphs separated by line breaks (the first ones are the lead).
        language: the article's language; the model reads all five languages at once, so
            it only documents the caller's belief (quotes and names cross languages).

    Returns:
        An Assessment: relevant (score >= THRESHOLD, 1.0), the score (see the module
        docstring) and the distinct terms that counted, as normalised.
    """
    m = model(TERMS_FILE)  # looked up at each call, so a test can point it at another file
    title, text = normalise(title or ""), normalise(text or "")
    lead_end = _lead_end(text)
    head = _mentions(m, title, lambda _: TITLE_WEIGHT)
    body = _mentions(m, text, lambda at: LEAD_WEIGHT if at < lead_end else BODY_WEIGHT)
    listed = _listed(head, title) | {i + len(head) for i in _listed(body, text)}
    mentions = head + body
    score, terms = _score(mentions, listed, _tripoli_is_libyan(mentions))
    if not any(m.term.group in EVIDENCE[:3] for m in head):
        score *= _focus(mentions, listed)
    return Assessment(score >= THRESHOLD, round(score, 3), terms)


def _tripoli_is_libyan(mentions: list[Mention]) -> bool:
    """A Tripoli counts unless Lebanon or Greece is named at least as often as Libya itself."""
    groups = Counter(m.term.group for m in mentions)
    return groups["other_tripoli"] == 0 or groups["country"] > groups["other_tripoli"]


def judge(page: ArticlePage) -> None:
    """Score a page's article (`relevance`, `libya_terms`); raise NotAboutLibya when it is
    an article of a general outlet that is not about Libya. Every way into the archive
    judges pages with this."""
    article = page.article
    result = assess(article.title, article.text, article.language)
    page.relevance, page.libya_terms = result.score, result.terms
    if page.scope == "general" and not result.relevant:
        raise NotAboutLibya(f"not about Libya (score {result.score})", result.score)
