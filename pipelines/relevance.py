"""Relevance: is this article about Libya? A multilingual (en, ar, fr, it, tr) evidence model.

Outlets with scope `libya` keep every article; for `general` outlets an article is kept when
`assess()` finds it relevant. The words the model looks for live in libya_terms.yml, grouped
(the country, origins, other countries, context words), and in the gazetteer
(pipelines/gazetteer.yml: Libya's places and actors, which entity tagging reads too), so
researchers extend the model without touching code.

How an article is read
1. Title, text and terms are normalised by the archive's one text model (pipelines/text.py),
   the folding the search index applies: lower case with Turkish İ/ı folded to i, accents,
   harakat and tatweel stripped, Arabic letter variants unified (أ إ آ ٱ -> ا, ؤ -> و,
   ئ -> ي, ة -> ه, ى -> ي), curly apostrophes made straight.
2. One regular expression (a trie of every term) finds the mentions; Arabic terms accept the
   attached prefixes (و ف ب ك ل ال and their combinations), Turkish case endings after an
   apostrophe and French/Italian elisions fall outside the word and need nothing.
3. Context overrides some mentions: a "Tripoli" in an article that names Lebanon (or Greek
   Arcadia) at least as often as Libya is not the Libyan capital (the `elsewhere` cues of
   a gazetteer entry); a mention inside a list of countries, a results table or next to a
   score counts a quarter; "Libyan-born" and the Libyan Sea are not Libya news; weak titles
   (House of Representatives, central bank, GNU: ambiguous names in the gazetteer) count
   only beside other evidence.
4. The words around a place say when it is something else (`context` in libya_terms.yml):
   a street, a square or a district ("viale Libia", "in via Tripoli", "Tripoli Street",
   "شارع بنغازي"), a horse or a ship ("a colt named Benghazi", "HMAS Tobruk"), a town placed
   in another country ("the Romanian village of Derna", "برقة شمال غرب نابلس"). Such a
   mention counts nothing, and neither do the place's other mentions in an article that does
   not name Libya: a text reads one name one way. Forms that are also everyday words
   (Arabic سرت "spread", Turkish menfi "negative", Italian mitiga "eases") count only beside
   other evidence or a town word (في سرت, Zaviye kentinde); forms shared with a town
   elsewhere (برقة) only beside other evidence. A mention in a sentence with a year before
   2000 (the 1911 invasion, the siege of Tobruk) is history and counts a quarter.

The score
Each mention is worth its group's weight (country 1.0, actors 0.9, places 0.85, weak 0.3;
a concept may override it, as Gaddafi does with 0.7, and he counts only beside other
evidence, being history as often as news) times where it is: 1.2 in the
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
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, partial
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

import yaml

from pipelines import gazetteer
from pipelines.text import ARABIC_LETTER, ARABIC_PREFIXES, normalise, without_article

TERMS_FILE = Path(str(files("pipelines").joinpath("libya_terms.yml")))
THRESHOLD = 1.0

TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 1.2, 0.7, 0.35
DECAY = 0.5  # the n-th mention of one concept is worth DECAY**n of the best one
LIST_WEIGHT = 0.25  # a mention inside a list of countries or a results table
LEAD_MIN, LEAD_MAX = 200, 600  # the lead ends at the first paragraph break after LEAD_MIN
# The article is about another country when it names that one this many times more.
DOMINANCE_RATIO, DOMINANCE_FACTOR = 1.5, 0.6

EVIDENCE = ("country", "places", "actors", "weak", "origin")
# Groups whose mentions place a neighbouring name in another country: the countries, and the
# cues of the gazetteer's `elsewhere` lists (Lebanon and Beirut for Tripoli).
ELSEWHERE = ("countries", "elsewhere")
# Gazetteer entries that are not evidence of Libya (foreign actors): found, for tagging,
# but worth nothing to relevance.
TAGGED_ONLY = "tagged"
# A year before this in the same sentence makes a mention history: the colonial war, the
# Second World War, the Gaddafi decades. 2011 and after are today's Libya.
HISTORY_BEFORE = 2000
YEAR = re.compile(r"1[89]\d\d")  # a literal first digit: the regex engine skips ahead fast
SENTENCE_ENDS = ".!?؟\n"
LETTERS = re.compile(r"[^\W\d_]+")
SENTENCE_END = re.compile(f"[{SENTENCE_ENDS}]")
# "Tripoli, Lebanon." and "Barqa (Palestine)": the country closes the phrase.
CLOSED = re.compile(r"\s*(?:[,.;:)\-–—]|$)")
COMMA = re.compile(r"\s*[,(]\s*")  # between the place and the country in those
ONLY_WORDS = re.compile(r"[\w\s'-]+")  # words alone between a place and a country
# How far before a place a street, horse or ship word may start ("colt named", "viale").
NAMED_BEFORE = 40
# The case ending or possessive after a country: "Lebanon's Tripoli", "Lübnan'ın Trablus".
SUFFIX = re.compile(r"'\w{1,5}")
# A word inside a sentence: after a space that follows no sentence end. Written for speed
# (half the time of (?<![.!?:؟\s])[ \t\u00a0]+(\w[\w']*), which it finds the same): opening
# with the space lets the regex engine skip to one in C, the look behind then checks the
# character before it; and words that start with a small ASCII letter, a digit or _, which
# `_inner_names` drops as not capitalised, are not returned.
INNER_WORD = re.compile(r"[ \t\u00a0](?<![.!?:؟\s][ \t\u00a0])[ \t\u00a0]*([^\W\da-z_][\w']*)")

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
    # The form also names something else (another town, an everyday word): it names the
    # entity only beside other Libyan evidence (tagging; relevance has `supporting`).
    ambiguous: bool = False


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
    return _render(_trie(forms))


def _trie(forms: list[str]) -> dict:
    """The forms as a trie: a node maps each next character to its child, "" to the end."""
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _render(node: dict) -> str:
    """The regex for a trie node's children (the end-of-form marker "" excluded)."""
    branches = _branches(node)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _branches(node: dict) -> list[str]:
    """The regex of each child of a trie node, one alternative per next character."""
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
    return branches


def _key(form: str) -> str:
    """A form without spaces and hyphens: "al-sarraj", "al sarraj" and "alsarraj" meet."""
    return form.replace(" ", "").replace("\n", "").replace("-", "")


@dataclass(frozen=True)
class Context:
    """The `context` of the terms file compiled: the words that make a name something else."""

    named_before: re.Pattern  # ends right before a mention: "viale", "شارع", "colt named"
    # Starts right after a mention: a naming word ("adli") in group 1, or in group 2 a
    # street word that must be capitalised somewhere ("street", "sokak").
    named_after: re.Pattern
    located_after: frozenset[str]  # words between a place and the country after it
    located_before: frozenset[str]  # words between a country and the place after it
    names: frozenset[str]  # the country's names (not adjectives): "viale Libia" is a street
    everyday: frozenset[str]  # ambiguous forms that are everyday words: a town word rescues
    town_before: re.Pattern  # ends right before an ambiguous form and makes it the town
    town_after: re.Pattern  # starts right after an ambiguous form and makes it the town


@dataclass
class Model:
    """The terms file compiled: one pattern, and what each matched form means."""

    pattern: re.Pattern
    forms: dict[str, tuple[Term, str]]  # key of a form as found -> its term, the form as listed
    # Forms ending in *, by the length of their stem, longest first: stem -> its term.
    stems: list[tuple[int, dict[str, Term]]]
    context: Context
    # A cue of a gazetteer `elsewhere` list (as listed, normalised) -> the entities it
    # speaks against: "lebanon" -> ("tripoli",).
    cue_owners: dict[str, tuple[str, ...]] = field(default_factory=dict)


@cache
def model(path: Path = TERMS_FILE, places_and_actors: Path = gazetteer.GAZETTEER_FILE) -> Model:
    """Compile the terms file and the gazetteer's places and actors (once per process)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=gazetteer.SAFE_LOADER)
    groups, context = data["groups"], data.get("context", {})
    forms: dict[str, Term] = {}

    def add(term: Term, words, where: str) -> None:
        for form in map(_normalise_term, words):
            known = forms.get(form)
            if known and known != term:
                raise ValueError(f"{where}: {form!r} is both {known} and {term}")
            forms[form] = term

    for group, spec in groups.items():
        for concept, per_language in (spec.get("concepts") or {}).items():
            per_language = dict(per_language)
            weight = float(per_language.pop("weight", spec["weight"]))
            supporting = per_language.pop("supporting", spec.get("supporting"))
            term = Term(group, concept, weight, bool(supporting))
            for words in per_language.values():
                add(term, words, path.name)
    entities = gazetteer.load(places_and_actors)
    everyday = _entity_terms(entities, groups, add, places_and_actors.name)
    cue_owners = _elsewhere_cues(entities, forms)
    _mark_ambiguous(forms, context.get("ambiguous", {}), path)
    _mark_ambiguous(forms, context.get("also_elsewhere", {}), path)
    everyday.update(_normalise_term(word) for word in _words(context, "ambiguous"))
    stems: dict[int, dict[str, Term]] = {}
    for form, term in forms.items():
        if form.endswith("*"):
            stem = _key(form[:-1])
            stems.setdefault(len(stem), {}).setdefault(stem, term)  # the first listed wins
    arabic = [form for form in forms if ARABIC_LETTER.match(form)]
    latin = [form for form in forms if not ARABIC_LETTER.match(form)]
    return Model(
        re.compile(_terms_regex(latin, arabic)),
        {_key(form): (term, form) for form, term in forms.items()},
        sorted(stems.items(), reverse=True),
        _context(context, groups, everyday),
        cue_owners,
    )


def _terms_regex(latin: list[str], arabic: list[str]) -> str:
    r"""The regex that finds every term, matched from the non-word character before it.

    Its group 1 is an Arabic form without its prefix; `_mentions` searches a text with a
    space in front, so that a term can open it. Written for the speed of the scan, which
    took two fifths of the time of reading an article, and takes a third less so:
    - it opens with \W, not (?<!\w): a pattern that starts with a character class lets
      the regex engine skip in C to where a word can start, not try every letter;
    - the first letters of the Latin forms are the top-level alternatives, which the engine
      rules out by looking at one character, and the Arabic alternative comes last, behind
      a look at the script, as no Latin word needs to enter it.
    Arabic forms take the attached prefixes (و ف ب ك ل ال...) as one optional group in
    front of their own trie: written out per form, they made a pattern eight times the
    size, which took seconds to compile in every process.
    """
    # The pattern takes in the character before a term, so a term must start with a word
    # character: one that did not could follow another term directly and be missed.
    for form in latin + arabic:
        if not re.match(r"\w", form):
            raise ValueError(f"a term starts with a letter or a digit, not {form!r}")
    prefixes = _trie_regex([prefix for prefix in ARABIC_PREFIXES if prefix])
    # Every Arabic form and prefix starts with an Arabic letter: the look is exact.
    arabic_branch = rf"(?={ARABIC_LETTER.pattern})(?:{prefixes})?({_trie_regex(arabic)})"
    alternatives = _branches(_trie(latin)) + [arabic_branch]
    return rf"\W(?:{'|'.join(alternatives)})(?!\w)"


def _mark_ambiguous(forms: dict[str, Term], ambiguous: dict, path: Path) -> None:
    """Make the forms listed as ambiguous supporting: they count only beside other evidence."""
    for form in (_normalise_term(word) for words in ambiguous.values() for word in words):
        if form not in forms:
            raise ValueError(f"{path.name}: ambiguous {form!r} is not a listed term")
        forms[form] = replace(forms[form], supporting=True, ambiguous=True)


def _entity_terms(entities, groups: dict, add, where: str) -> set[str]:
    """Add the gazetteer's names as the terms of the groups that take them (`gazetteer:
    place` for places...); return the everyday-word forms, which a town word rescues.

    A name counts with its group's weight (or the entry's own); an ambiguous name only
    beside other evidence, with the group's `ambiguous_weight`; an entry marked
    `relevance: false` is found (for tagging) and worth nothing.
    """
    group_of = {spec["gazetteer"]: name for name, spec in groups.items() if "gazetteer" in spec}
    everyday: set[str] = set()
    for entity in entities:
        group = group_of.get(entity.kind) if entity.relevance else None
        spec = groups[group] if group else {"weight": 0.0}
        weight = entity.weight if entity.weight is not None else float(spec["weight"])
        ambiguous_weight = float(spec.get("ambiguous_weight", weight))
        group = group or TAGGED_ONLY
        named = Term(group, entity.id, weight, entity.supporting)
        # An entry's own weight holds for all its names; else an ambiguous name is weak.
        weight_ambiguous = min(weight, ambiguous_weight) if entity.weight is None else weight
        ambiguous = Term(group, entity.id, weight_ambiguous, True, True)
        for words in entity.names.values():
            add(named, words, f"{where}: {entity.id}")
        for words in entity.ambiguous_names.values():
            add(ambiguous, words, f"{where}: {entity.id}")
        for words in entity.everyday_names.values():
            add(replace(ambiguous, weight=weight), words, f"{where}: {entity.id}")
            everyday.update(map(_normalise_term, words))
    return everyday


def _elsewhere_cues(entities, forms: dict[str, Term]) -> dict[str, tuple[str, ...]]:
    """The `elsewhere` cues of the gazetteer, found like terms: a cue that is no term yet
    joins the group `elsewhere`; one that is (a country) stays what it is and also speaks
    against the entity."""
    owners: dict[str, list[str]] = defaultdict(list)
    for entity in entities:
        for words in entity.elsewhere.values():
            for form in map(_normalise_term, words):
                # A place's cues are places too (Lebanon), which put a name next to them
                # in another country; a person's (his wife) only speak against the name.
                group = "elsewhere" if entity.kind == "place" else "cue"
                forms.setdefault(form, Term(group, entity.id, 0.0))
                if entity.id not in owners[form]:
                    owners[form].append(entity.id)
    return {form: tuple(ids) for form, ids in owners.items()}


def _words(spec: dict, key: str) -> list[str]:
    """The normalised words of one `context` list, all languages together."""
    return [normalise(str(word)).strip() for words in spec.get(key, {}).values() for word in words]


def _cues(words: list[str]) -> str:
    """A regex alternation of cue words; Arabic ones with the prefixes that are no article."""
    prefixes = [p for p in ARABIC_PREFIXES if not p.endswith(("ال", "لل"))]
    variants = [
        prefix + word
        for word in words
        for prefix in (prefixes if ARABIC_LETTER.match(word) else [""])
    ]
    return _trie_regex(variants) if variants else "(?!)"


def _context(spec: dict, groups: dict, everyday: set[str]) -> Context:
    """Compile the `context` section of the terms file (and the gazetteer's everyday names)."""
    # The first form of each language is the name; the rest are adjectives (rue libyenne).
    names = {
        _normalise_term(words[0])
        for concept in groups["country"]["concepts"].values()
        for language, words in concept.items()
        if language != "weight"
    }
    return Context(
        # The cue may open a name of several words joined by hyphens: "rue du Serment-de-".
        # Matched from the non-word character before the cue (see _named_before).
        re.compile(rf"\W(?:{_cues(_words(spec, 'named_before'))})\s+(?:[\w']+-)*$"),
        re.compile(
            rf"\s+(?:({_cues(_words(spec, 'named_after'))})"
            rf"|({_cues(_words(spec, 'streets_after'))}))(?!\w)"
        ),
        frozenset(_words(spec, "located_after")),
        frozenset(_words(spec, "located_before")),
        frozenset(names),
        frozenset(everyday),
        re.compile(rf"(?<!\w)(?:{_cues(_words(spec, 'town_before'))})\s+$"),
        re.compile(rf"\s+(?:{_cues(_words(spec, 'town_after'))})(?!\w)"),
    )


def _lookup(m: Model, form: str) -> tuple[Term, str] | None:
    """The term a matched form stands for and the form as listed (exact, or a *-stem)."""
    key = _key(form) if " " in form or "-" in form else form
    if key in m.forms:
        return m.forms[key]
    # One look per length of stem, not one per stem: an eighth of the forms found are read
    # as a stem's, among dozens of stems.
    for length, terms in m.stems:
        term = terms.get(key[:length])
        if term is not None:
            return term, form
    return None


def _mentions(m: Model, text: str, zone_of) -> list[Mention]:
    """Every mention of a term in a normalised text, with the weight of where it is."""
    found = []
    # The pattern matches from the non-word character before a term (see _terms_regex).
    # With a space in front of the text, so that a term can open it, a match starts at the
    # term's own start in `text`, and ends one character after the term's end there.
    padded = " " + text
    for match in m.pattern.finditer(padded):
        start, end = match.span()
        known = _lookup(m, match.group(1) or padded[start + 1 : end])
        if known is not None:
            found.append(Mention(known[0], known[1], start, end - 1, zone_of(start)))
    return found


def _lead_end(text: str) -> int:
    """Where the lead stops: the first paragraph break after LEAD_MIN, at most LEAD_MAX."""
    end = text.find("\n", LEAD_MIN)
    return LEAD_MAX if end == -1 or end > LEAD_MAX else end


def _score_before(text: str, start: int) -> bool:
    """Whether a result ends right before a position ("2-0 Libya")."""
    before = text[max(0, start - 12) : start].rstrip()
    # Most mentions follow a word: a look at one character skips the regex (a tenth of a ms).
    return before[-1:].isdigit() and SCORE_BEFORE.search(before) is not None


def _listed(mentions: list[Mention], text: str) -> set[int]:
    """Indexes of mentions in a run of 3+ countries (a list, a table) or next to a score."""
    listed = {
        i
        for i, m in enumerate(mentions)
        if SCORE_AFTER.match(text, m.end) or _score_before(text, m.start)
    }
    # A run counts with two countries in it: most texts (all but 47 of 1,488 titles and
    # bodies of the benchmark pages) name fewer, and need not be cut into runs.
    if len({m.term.concept for m in mentions if m.term.group == "countries"}) < 2:
        return listed
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


def _history(mentions: list[Mention], text: str) -> set[int]:
    """Indexes of Libyan mentions in a sentence that also gives a year before HISTORY_BEFORE."""
    spans = [_sentence(text, y.start()) for y in YEAR.finditer(text) if _is_old_year(text, y)]
    if not spans:
        return set()
    return {
        i
        for i, m in enumerate(mentions)
        if m.term.group in EVIDENCE and any(start <= m.start < end for start, end in spans)
    }


def _is_old_year(text: str, match: re.Match) -> bool:
    """A four-digit number before HISTORY_BEFORE that is not part of a longer number."""
    start, end = match.span()
    return (
        int(match.group()) < HISTORY_BEFORE
        and not (start and text[start - 1].isdigit())
        and not (end < len(text) and text[end].isdigit())
    )


def _sentence(text: str, at: int) -> tuple[int, int]:
    """The span of the sentence around a position."""
    start = max(text.rfind(end, 0, at) for end in SENTENCE_ENDS) + 1
    found = SENTENCE_END.search(text, at)
    return start, found.start() if found else len(text)


def _not_libyan(c: Context, mentions: list[Mention], text: str, original: str) -> set[int]:
    """Indexes of places (and names of the country) that the words around them make a
    street, a horse, a ship or a town of another country."""
    return _named(c, mentions, text, original) | _located(c, mentions, text)


def _named(c: Context, mentions: list[Mention], text: str, original: str) -> set[int]:
    """Indexes of places and country names after or before a street, horse or ship word."""
    return {
        i
        for i, m in enumerate(mentions)
        if (m.term.group == "places" or m.term.group == "country" and m.form in c.names)
        and (_named_after(c, text, m.end, original) or _named_before(c, text, m.start))
    }


def _named_before(c: Context, text: str, start: int) -> bool:
    """Whether a street, horse or ship word ends right before a position (it starts at most
    NAMED_BEFORE characters before it)."""
    # The pattern takes in the non-word character before the word, as the terms' pattern
    # does: the regex engine skips to those in C instead of trying each position.
    if start > NAMED_BEFORE:
        return c.named_before.search(text, start - NAMED_BEFORE - 1, start) is not None
    return c.named_before.search(" " + text[:start]) is not None


def _named_after(c: Context, text: str, end: int, original: str) -> bool:
    """Whether a naming word follows a position, or a street word written as part of a
    name somewhere in the article."""
    after = c.named_after.match(text, end)
    return after is not None and (
        after.group(1) is not None or _written_as_name(original, after.group(2))
    )


def _written_as_name(original: str, form: str) -> bool:
    """Whether a word that reads as `form` is capitalised inside a sentence of the original
    text: a name ("in Zawiya", "Tripoli Street"), not a common noun or a sentence start."""
    return form in _inner_names(original)


@lru_cache(maxsize=2)  # asked once per mention, about the article being read
def _inner_names(original: str) -> frozenset[str]:
    """The capitalised words inside the sentences of a text, normalised."""
    names = [word for word in INNER_WORD.findall(original) if word[0].isupper()]
    if not names:
        return frozenset()
    # Normalised in one call, not one per word (a tenth of a ms an article): normalising
    # works letter by letter, and a line break, which no word holds, stops even the one
    # rule that looks at the neighbours (a Greek final sigma).
    return frozenset(name.split("'")[0] for name in normalise("\n".join(names)).split("\n"))


def _located(c: Context, mentions: list[Mention], text: str) -> set[int]:
    """Indexes of places that the next or the previous mention puts in another country."""
    found = set()
    for i, country in enumerate(mentions):
        if country.term.group not in ELSEWHERE:  # few are: look only around those
            continue
        before = mentions[i - 1] if i else None
        gap = text[before.end : country.start] if before else ""
        if before and _placeable(before) and _located_after(c, gap, text, country):
            found.add(i - 1)
        elif before and before.term.group != "places" and _placeable(before) and gap == " ":
            found.add(i - 1)  # a country's adjective after a title: Armée nationale tchadienne
        after = mentions[i + 1] if i + 1 < len(mentions) else None
        if after and _placeable(after):
            lebanese = country.term.group == "elsewhere"
            if _located_before(c, text[country.end : after.start], lebanese):
                found.add(i + 1)
    return found


def _placeable(mention: Mention) -> bool:
    """A place, or an ambiguous title, that a country next to it can place elsewhere: "the
    Romanian village of Derna", "the Chadian national army" (Armée nationale tchadienne)."""
    return mention.term.group == "places" or mention.term.ambiguous


def _located_after(c: Context, gap: str, text: str, country: Mention) -> bool:
    """Whether the words between a place and a country after it place it there."""
    if COMMA.fullmatch(gap):
        return bool(CLOSED.match(text, country.end))
    if not gap.strip():  # Arabic: an adjective with the article, or ب "in", follows directly
        return text.startswith(("ال", "ب"), country.start)
    words = gap.replace("'", " ").split()
    return ONLY_WORDS.fullmatch(gap) is not None and all(w in c.located_after for w in words)


def _located_before(c: Context, gap: str, lebanese: bool) -> bool:
    """Whether the words between a country and a place after it place the place there.

    A possessive alone does so only for the Lebanese cues: "Lebanon's Tripoli" is the
    Lebanese city, "Turkey's Tripoli embassy" (Türkiye'nin Trablus Büyükelçiliği) is in Libya.
    """
    suffix = SUFFIX.match(gap)
    rest = gap[suffix.end() :] if suffix else gap
    words = rest.replace("'", " ").split()
    if not words:
        return lebanese and bool(suffix) and rest.isspace()
    return ONLY_WORDS.fullmatch(rest) is not None and all(w in c.located_before for w in words)


def _one_sense(mentions: list[Mention], not_libyan: set[int]) -> set[int]:
    """Extend the places that are something else to all their mentions, unless the article
    names the country: "Benghazi" in the headline is the horse the text says is named so."""
    if any(m.term.group == "country" and i not in not_libyan for i, m in enumerate(mentions)):
        return not_libyan
    concepts = {mentions[i].term.concept for i in not_libyan}
    return not_libyan | {
        i for i, m in enumerate(mentions) if m.term.group == "places" and m.term.concept in concepts
    }


def _towns(c: Context, mentions: list[Mention], text: str, original: str) -> set[int]:
    """Indexes of everyday-word forms that a town word next to them, or their writing as a
    name in the article, makes the town."""
    return {
        i
        for i, m in enumerate(mentions)
        if m.form in c.everyday
        and m.term.group != "actors"  # a town word or a capital makes a town, not a man
        and (
            c.town_after.match(text, m.end)
            or c.town_before.search(text, max(0, m.start - 12), m.start)
            or not ARABIC_LETTER.match(m.form)
            and _written_as_name(original, m.form)
        )
    }


def _score(reading: Reading) -> tuple[float, list]:
    """Sum the evidence per concept with diminishing returns; return it and the terms used."""
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    terms: set[str] = set()
    supporting: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i, mention in enumerate(reading.mentions):
        term = mention.term
        if i in reading.ignored or term.group not in EVIDENCE or term.concept in reading.elsewhere:
            continue
        value = term.weight * mention.zone * (LIST_WEIGHT if i in reading.listed else 1.0)
        supports = term.supporting and i not in reading.towns
        (supporting if supports else values)[(term.group, term.concept)].append(value)
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


@dataclass
class Reading:
    """What the model finds in one article, before any score: the mentions (headline
    first) and what their context makes of them. Relevance scores it; entity tagging
    (pipelines/entities.py) names the places and actors in it."""

    mentions: list[Mention]
    in_title: int  # the first `in_title` mentions are the headline's
    listed: set[int]  # in a list of countries, a results table, or history: count little
    ignored: set[int]  # a street, a horse, a town of another country: count nothing
    towns: set[int]  # everyday-word forms that their context makes the town
    elsewhere: set[str]  # entities whose other bearer the article names as often as Libya
    original: str = ""  # the title and text as written (the capitals normalising removes)
    texts: tuple[str, str] = ("", "")  # the title and text normalised, where mentions are

    def evidence(self) -> bool:
        """Whether something in the article names Libya unambiguously: the country, or a
        Libyan place or actor by a name that is theirs alone."""
        return any(
            m.term.group in EVIDENCE[:3]
            and (not m.term.ambiguous or i in self.towns)
            and i not in self.ignored
            and m.term.concept not in self.elsewhere
            for i, m in enumerate(self.mentions)
        )


def _title_case(title: str | None) -> bool:
    """Whether a headline capitalises (nearly) every word ("Tripoli Street Battles Leave
    12 Dead"): its capitals then say nothing about which words are names."""
    words = [word for word in LETTERS.findall(title or "") if len(word) > 3]
    return len(words) >= 3 and sum(word[0].isupper() for word in words) >= 0.8 * len(words)


def read(title: str | None, text: str | None) -> Reading:
    """Find the model's terms in an article and read their context (see the module
    docstring); `text` is the body, paragraphs separated by line breaks."""
    # Looked up at each call, so a test can point them at other files.
    m = model(TERMS_FILE, gazetteer.GAZETTEER_FILE)
    # For the capitals normalising removes; a headline in Title Case tells none.
    original = f"{'' if _title_case(title) else title or ''}\n{text or ''}"
    title, text = normalise(title or ""), normalise(text or "")
    lead_end = _lead_end(text)
    head = _mentions(m, title, lambda _: TITLE_WEIGHT)
    body = _mentions(m, text, lambda at: LEAD_WEIGHT if at < lead_end else BODY_WEIGHT)
    parts = (head, title, body, text)
    # A headline with an old year is an anniversary or a retrospective: still Libya news.
    listed = _in_both(_listed, *parts) | {i + len(head) for i in _history(body, text)}
    mentions = head + body
    context = partial(_not_libyan, m.context, original=original)
    return Reading(
        mentions,
        len(head),
        listed,
        _one_sense(mentions, _in_both(context, *parts)),
        _in_both(partial(_towns, m.context, original=original), *parts),
        _named_elsewhere(m, mentions),
        original,
        (title, text),
    )


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
    return score(read(title, text))


def score(reading: Reading) -> Assessment:
    """The relevance of an article read by `read`."""
    total, terms = _score(reading)
    mentions, ignored = reading.mentions, reading.ignored
    head = mentions[: reading.in_title]
    if not any(h.term.group in EVIDENCE[:3] for i, h in enumerate(head) if i not in ignored):
        total *= _focus(mentions, reading.listed | ignored)
    total = round(total, 3)  # the score stored, and the one the decision is made on
    return Assessment(total >= THRESHOLD, total, terms)


def _in_both(find, head: list[Mention], title: str, body: list[Mention], text: str) -> set[int]:
    """What `find` picks in the headline and in the body, as indexes of head + body."""
    return find(head, title) | {i + len(head) for i in find(body, text)}


def _named_elsewhere(m: Model, mentions: list[Mention]) -> set[str]:
    """The entities whose `elsewhere` cues the article gives at least as often as it names
    the country Libya: a Tripoli counts unless Lebanon or Greece is named as often."""
    if not m.cue_owners:
        return set()
    cues = Counter(owner for x in mentions for owner in m.cue_owners.get(x.form, ()))
    if not cues:
        return set()
    country = sum(1 for x in mentions if x.term.group == "country")
    return {entity for entity, count in cues.items() if count >= country}
