"""Seeded generator of plausible English news copy about Libya.

The benchmark site needs article bodies that (a) read like wire copy, so
trafilatura's text heuristics treat them as the main content, (b) mention
Libya and its places and institutions, so a crawler's relevance filter keeps
them, and (c) differ from page to page, so deduplication cannot shortcut the
work. Everything here is driven by a caller-supplied ``random.Random``, which
keeps the whole site reproducible from one seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PLACES = (
    "Tripoli",
    "Benghazi",
    "Misrata",
    "Sirte",
    "Sabha",
    "Derna",
    "Zawiya",
    "Tobruk",
    "Ghadames",
    "Kufra",
    "Ajdabiya",
    "Bani Walid",
    "Gharyan",
    "Zuwara",
    "Ubari",
    "Murzuq",
    "Ras Lanuf",
    "Brega",
    "Zintan",
    "Al Bayda",
    "Sabratha",
    "Tarhuna",
    "Khoms",
    "Zliten",
    "Marj",
    "Ghat",
    "Hun",
    "Waddan",
)

ACTORS = (
    "the National Oil Corporation",
    "UNSMIL",
    "the House of Representatives",
    "the Government of National Unity",
    "the Presidential Council",
    "the High Council of State",
    "the Central Bank of Libya",
    "the High National Elections Commission",
    "the Libyan Red Crescent",
    "the interior ministry",
    "the health ministry",
    "the ministry of finance",
    "the General Electricity Company of Libya",
    "the Audit Bureau",
    "the municipal council",
    "the Libyan Investment Authority",
    "the Man-Made River Authority",
    "the Attorney General's office",
    "the Arabian Gulf Oil Company",
    "the Libyan Ports Authority",
    "the ministry of education",
    "the UN Security Council",
    "the African Union",
    "the European Union delegation",
)

TOPICS = (
    "crude oil output",
    "the national budget",
    "electricity cuts",
    "flood reconstruction",
    "fuel shortages",
    "the dinar exchange rate",
    "public sector salaries",
    "the water supply",
    "municipal elections",
    "the ceasefire talks",
    "port operations",
    "the cash liquidity crisis",
    "migrant detention conditions",
    "bread prices",
    "hospital staffing",
    "school exam schedules",
    "gas exports to Europe",
    "road repairs",
    "the voter register",
    "the unification of the armed forces",
    "the reopening of the coastal road",
    "desalination projects",
    "power station maintenance",
    "customs revenue",
    "the housing programme",
)

OIL_SITES = (
    "Sharara",
    "El Feel",
    "Waha",
    "Sarir",
    "Zueitina",
    "Es Sider",
    "Mellitah",
    "Hariga",
    "Bouri",
    "Nafoura",
    "Messla",
    "Amal",
)

FIRST_NAMES = (
    "Ahmed",
    "Mohamed",
    "Fatima",
    "Salem",
    "Khaled",
    "Aisha",
    "Omar",
    "Huda",
    "Ali",
    "Nouri",
    "Mariam",
    "Youssef",
    "Hana",
    "Ibrahim",
    "Amal",
    "Tarek",
    "Samira",
    "Mustafa",
    "Laila",
    "Hisham",
    "Nadia",
    "Abdullah",
    "Rania",
    "Jamal",
    "Sara",
    "Walid",
    "Mona",
    "Faraj",
    "Asma",
    "Osama",
    "Zainab",
)

LAST_NAMES = (
    "Haddad",
    "Mansour",
    "Fitouri",
    "Sharif",
    "Khalil",
    "Ghariani",
    "Naas",
    "Busaadi",
    "Jaber",
    "Elmabrouk",
    "Swehli",
    "Tarhouni",
    "Hamza",
    "Saadi",
    "Benomran",
    "Kikhia",
    "Zway",
    "Megrahi",
    "Abushagur",
    "Dabbashi",
    "Elhouni",
    "Gaddour",
    "Shaibi",
    "Eltaher",
    "Bukhatwa",
    "Rajab",
)

ROLES = (
    "a spokesperson for {actor}",
    "an official at {actor}",
    "a senior adviser to {actor}",
    "a resident of {place}",
    "an economist based in {place}",
    "a shopkeeper in {place}",
    "a member of {actor}",
    "an engineer working near {place}",
    "a teacher in {place}",
    "a local councillor in {place}",
    "a doctor at the main hospital in {place}",
    "a lawyer in {place}",
)

SAY_VERBS = (
    "said",
    "told reporters",
    "announced",
    "confirmed",
    "warned",
    "argued",
    "insisted",
    "acknowledged",
    "noted",
    "added",
)

WEEKDAYS = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "on Saturday",
    "on Sunday",
    "late last week",
    "earlier this month",
    "in a statement",
    "at a news conference",
)

CHANGES = (
    "rise",
    "fall",
    "recover",
    "stabilise",
    "improve",
    "worsen",
    "double",
    "slip",
    "climb",
    "edge higher",
)

CLAUSES = (
    "{topic} in {place} would {change} by {pct} percent before the end of the year",
    "output at the {oil} field had reached {barrels} barrels per day",
    "talks on {topic} would resume in {place} within {days} days",
    "a committee had been formed to review {topic} across the south of Libya",
    "{num} families in {place} had been affected by {topic}",
    "the dispute over {topic} had delayed payments worth {money} million dinars",
    "inspectors would visit {place} and {place2} to assess {topic}",
    "Libya's {topic} remained the main concern for residents of {place}",
    "the agreement reached in {place} covered {topic} and {topic2}",
    "shipments from the port of {place} had been suspended for {days} days",
    "the decision on {topic} had been taken after consultations with {actor2}",
    "about {num} workers at the {oil} field had joined the protest over {topic}",
    "the budget line for {topic} had been raised to {money} million dinars",
)

STANDALONE = (
    "Libya has been divided between rival administrations in the east and west for years.",
    "The country holds Africa's largest proven oil reserves, which fund most public salaries.",
    "Residents of {place} have complained for months about {topic}.",
    "The announcement came a day after a meeting between officials from {place} and {place2}.",
    "Analysts say progress on {topic} will depend on cooperation between {actor} and {actor2}.",
    "It was not immediately clear when the measures would take effect in {place}.",
    "Previous attempts to resolve {topic} stalled amid disagreements over funding.",
    "The {oil} field, run with foreign partners, has been shut several times by protests.",
    "Traffic on the coastal road between {place} and {place2} was reported to be normal.",
    "A delegation from {actor} is expected to travel to {place} next week.",
    "Prices at markets in {place} rose by about {pct} percent over the same period.",
    "The figures could not be independently verified.",
    "Libyan media reported long queues at petrol stations in {place} on {weekday_plain}.",
)

QUOTES = (
    "We are working around the clock to deal with {topic}",
    "People in {place} deserve answers about {topic}",
    "This is a first step, but a great deal remains to be done",
    "Nobody should use {topic} as a political weapon",
    "We expect the situation in {place} to improve within weeks",
    "The numbers speak for themselves",
    "Our teams in {place} and {place2} are ready",
    "Without a unified budget, {topic} will not be solved",
)

HEADLINES = (
    "{Actor} says {topic} in {place} will {change}",
    "{Place} residents protest over {topic}",
    "{Oil} field output hits {barrels} barrels a day",
    "Talks on {topic} resume in {place}",
    "{Actor} and {actor2} agree plan on {topic}",
    "Officials in {place} warn of {topic}",
    "Libya: {topic} tops agenda as {actor} meets in {place}",
    "{Place} port suspends shipments for {days} days",
)

SECTIONS = (
    "politics",
    "economy",
    "energy",
    "society",
    "security",
    "health",
    "environment",
    "culture",
)


@dataclass(frozen=True)
class Article:
    """One generated story: everything the page template needs."""

    headline: str
    standfirst: str
    author: str
    section: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]


def person_name(rng: random.Random) -> str:
    """A plausible Libyan personal name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _slots(rng: random.Random) -> dict[str, str]:
    """Fresh random values for every placeholder a template may use."""
    place, place2 = rng.sample(PLACES, 2)
    actor, actor2 = rng.sample(ACTORS, 2)
    topic, topic2 = rng.sample(TOPICS, 2)
    oil = rng.choice(OIL_SITES)
    return {
        "place": place,
        "place2": place2,
        "Place": place,
        "actor": actor,
        "actor2": actor2,
        "Actor": actor[0].upper() + actor[1:],
        "topic": topic,
        "topic2": topic2,
        "oil": oil,
        "Oil": oil,
        "change": rng.choice(CHANGES),
        "pct": str(rng.randint(2, 45)),
        "barrels": f"{rng.randint(40, 340) * 1000:,}",
        "days": str(rng.randint(2, 30)),
        "num": f"{rng.randint(12, 9000):,}",
        "money": f"{rng.randint(5, 2400):,}",
        "weekday_plain": rng.choice(WEEKDAYS[:7])[3:],
    }


def _fill(template: str, rng: random.Random) -> str:
    return template.format(**_slots(rng))


def _sentence(rng: random.Random) -> str:
    """One sentence: attributed statement, direct quote or background line."""
    kind = rng.random()
    if kind < 0.45:
        speaker = rng.choice(
            (f"{person_name(rng)}, {_fill(rng.choice(ROLES), rng)},", _fill("{Actor}", rng))
        )
        return (
            f"{speaker} {rng.choice(SAY_VERBS)} {rng.choice(WEEKDAYS)} "
            f"that {_fill(rng.choice(CLAUSES), rng)}."
        )
    if kind < 0.65:
        quote = _fill(rng.choice(QUOTES), rng)
        role = _fill(rng.choice(ROLES), rng)
        return f"\u201c{quote},\u201d said {person_name(rng)}, {role}."
    return _fill(rng.choice(STANDALONE), rng)


def _paragraph(rng: random.Random) -> str:
    return " ".join(_varied(_sentence(rng), rng) for _ in range(rng.randint(2, 5)))


def _lexicon(size: int = 20_000) -> list[str]:
    """Invented words, standing for the long tail of a real newsroom's vocabulary."""
    rng = random.Random(size)
    syllables = ["ba", "ke", "ri", "mo", "tu", "sa", "le", "di", "na", "go", "fa", "zi", "pe"]
    words = {
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)
    }
    return sorted(words)[:size]


LEXICON = _lexicon()


def _varied(sentence: str, rng: random.Random) -> str:
    """The sentence with half its words after the first few swapped for rarer words.

    Templates alone make any two articles share a quarter of their word pairs, which real
    distinct stories never do (a few percent); near-duplicate detection runs on every
    archived article, so the benchmark's text must be as varied as news is.
    """
    words = sentence[:-1].split()
    for i in range(3, len(words)):
        if rng.random() < 0.5:
            words[i] = rng.choice(LEXICON)
    return " ".join(words) + sentence[-1]


def generate_article(rng: random.Random) -> Article:
    """A complete story with 6-15 paragraphs of body text."""
    headline = _fill(rng.choice(HEADLINES), rng)
    headline = headline[0].upper() + headline[1:]
    return Article(
        headline=headline,
        standfirst=_sentence(rng),
        author=person_name(rng),
        section=rng.choice(SECTIONS),
        paragraphs=tuple(_paragraph(rng) for _ in range(rng.randint(6, 15))),
        tags=tuple(rng.sample(PLACES, 2) + rng.sample(TOPICS, 2)),
    )


def teaser_title(rng: random.Random) -> str:
    """A short headline for link lists (most read, related, latest)."""
    title = _fill(rng.choice(HEADLINES), rng)
    return title[0].upper() + title[1:]
