"""Who and where: the gazetteer's places and actors that an article names.

درنة, Derna, Darnah and Derne are one place and "LNA", "الجيش الوطني الليبي" and "Armée
nationale libyenne" one actor: tagging turns the many spellings into one id per entity,
so a researcher searches, counts and maps an entity across the five languages at once.

Tagging reads the article the way relevance does (pipelines/relevance.py `read`): the same
folding (pipelines/text.py), the same patterns compiled from the same gazetteer, and the
same reading of context. So a name is not tagged where relevance says it is something else:
a street or a square ("via Tripoli"), a horse or a ship ("HMAS Tobruk"), a town of another
country ("the Romanian village of Derna"), a Tripoli in an article that names Lebanon as
often as Libya. Precision comes before recall for ambiguous names: a form the gazetteer
lists as ambiguous or as an everyday word (برقة, Bayda, سرت "spread") is tagged only when
the article also names Libya, or a Libyan place or actor by a name of its own, or (an
everyday word) when a town word makes it the town (في سرت).

In a crawl the relevance step reads each article once and keeps both its score and its
entities (`found`); `tag` is the same for a title and a text given directly.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

# Each imports the other as a module: relevance's step keeps the entities it read.
from pipelines import gazetteer, relevance
from pipelines.text import normalise, without_article

# The relevance model's groups that hold gazetteer entries ("tagged": relevance.TAGGED_ONLY).
ENTITY_GROUPS = frozenset({"places", "actors", "tagged"})


@dataclass(frozen=True)
class EntityMention:
    """One entity an article names: how often, and whether its headline does."""

    entity_id: str
    kind: str  # "place" or "actor"
    subkind: str  # city, oil_field, person, armed_group... (gazetteer.yml)
    name: str  # the English name
    count: int
    in_title: bool

    # Also readable as a mapping (mention["entity_id"], dict(mention)), as JSON would be.
    def __getitem__(self, key: str):
        return getattr(self, key)

    def keys(self):
        return asdict(self).keys()


def tag(title: str | None, text: str | None, language: str | None = None) -> list[EntityMention]:
    """The places and actors an article names, most mentioned first.

    Args:
        title: the headline (its mentions count and set `in_title`).
        text: the body, paragraphs separated by line breaks.
        language: the article's language; names are read in all five languages at once
            (quotes and names cross languages), so it only documents the caller's belief.
    """
    return found(relevance.read(title, text))


def found(reading: relevance.Reading) -> list[EntityMention]:
    """The entities of an article that relevance has read."""
    entities = gazetteer.by_id(gazetteer.GAZETTEER_FILE)
    everyday = relevance.model(relevance.TERMS_FILE, gazetteer.GAZETTEER_FILE).context.everyday
    kept = [
        (i, mention)
        for i, mention in enumerate(reading.mentions)
        if mention.term.group in ENTITY_GROUPS
        and mention.term.concept in entities  # not the terms file's own (the dinar)
        and i not in reading.ignored
        and (
            mention.term.concept not in reading.elsewhere
            or _full_name(mention, entities)  # "Mouammar Kadhafi" is he, even in Lahore
        )
        and not _surname_of_the_name_before(reading, i, entities)
    ]
    # An everyday word (سرت "spread") is the town with a town word next to it, written
    # with a capital (Zaviye) in an article that names Libya, or in an article that names
    # the town unambiguously too; another ambiguous name needs Libya.
    named = {m.term.concept for _, m in kept if not m.term.ambiguous}
    families = _families(kept, entities)
    evidence = None  # looked for once, and only when an ambiguous name needs it
    counts: Counter[str] = Counter()
    in_title: set[str] = set()
    for i, mention in kept:
        term = mention.term
        if term.ambiguous and i not in reading.towns and term.concept not in named:
            if evidence is None:
                evidence = reading.evidence()
            if not evidence:
                continue
            if mention.form in everyday and not relevance._written_as_name(
                reading.original, mention.form
            ):
                continue
        # Most articles name no one in full (734 of the 744 benchmark pages): no family.
        concept = _family(mention, families, entities) if families else term.concept
        for entity_id in (concept, entities[concept].within):
            if entity_id:
                counts[entity_id] += 1
                if i < reading.in_title:
                    in_title.add(entity_id)
    return [
        EntityMention(
            entity_id,
            entities[entity_id].kind,
            entities[entity_id].subkind,
            entities[entity_id].name,
            count,
            entity_id in in_title,
        )
        for entity_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _is_person(mention, entities) -> bool:
    entity = entities.get(mention.term.concept)
    return entity is not None and entity.subkind == "person"


def _full_name(mention, entities) -> bool:
    """A person's name of several words that the gazetteer gives as unambiguous."""
    return " " in mention.form and not mention.term.ambiguous and _is_person(mention, entities)


def _surname_of_the_name_before(reading: relevance.Reading, i: int, entities) -> bool:
    """Whether a person's name follows another person's name with one space between: the
    surname of the name before ("Saif al-Islam Qadhafi" is one man, not also his father).
    Not after a conjunction attached in Arabic (الدبيبة وحفتر: two men)."""
    if i == 0 or i == reading.in_title:
        return False
    before, mention = reading.mentions[i - 1], reading.mentions[i]
    text = reading.texts[0 if i < reading.in_title else 1]
    return (
        text[before.end : mention.start] == " "
        and not text.startswith(("و", "ف"), mention.start)
        and _is_person(mention, entities)
        and _is_person(before, entities)
        and before.term.concept != mention.term.concept
    )


def _families(kept, entities) -> dict[str, set[str]]:
    """Surname -> the people the article names in full with it."""
    families: dict[str, set[str]] = {}
    for _, mention in kept:
        if " " in mention.form and _is_person(mention, entities):
            surname = without_article(mention.form.rsplit(" ", 1)[-1])
            families.setdefault(surname, set()).add(mention.term.concept)
    return families


def _family(mention, families: dict[str, set[str]], entities) -> str:
    """Who a bare surname names: the member of the family the article names in full, when
    it names one and not the surname's usual bearer ("Haftar" in an article on Saddam
    Haftar is Saddam); otherwise the usual bearer (the entity that lists it)."""
    if " " in mention.form or not _is_person(mention, entities):
        return mention.term.concept
    in_full = families.get(without_article(mention.form), set())
    if mention.term.concept in in_full or len(in_full) != 1:
        return mention.term.concept
    return next(iter(in_full))


def resolve(typed: str | None) -> str | None:
    """The id of the entity a person typed: its id, or any of its names in any language
    ("Darnah", "درنة", "Derne" -> "derna"), folded as search folds. None if no entity."""
    if not typed or not typed.strip():
        return None
    entities = gazetteer.by_id(gazetteer.GAZETTEER_FILE)
    key = typed.strip()
    if key in entities:
        return key
    return _names_index(gazetteer.GAZETTEER_FILE).get(_folded(key))


_INDEXES: dict = {}


def _names_index(path) -> dict[str, str]:
    """Every name of every entity, normalised, -> its id (the English name and the id
    spelled with spaces too: "khalifa haftar")."""
    if path not in _INDEXES:
        index: dict[str, str] = {}
        for entity in gazetteer.load(path):
            forms = [entity.name, entity.id.replace("_", " ")]
            forms += [form for names in entity.all_names().values() for form in names]
            for form in forms:
                index.setdefault(_folded(form.rstrip("*")), entity.id)
        _INDEXES[path] = index
    return _INDEXES[path]


def names_json(entity: gazetteer.Entity) -> dict[str, list[str]]:
    """An entity's names per language, for the `entities` table."""
    return {language: list(dict.fromkeys(forms)) for language, forms in entity.all_names().items()}


def _folded(name: str) -> str:
    """A name as the gazetteer's forms are compared: normalised, Arabic article dropped."""
    return without_article(normalise(name).strip())


def rows() -> list[dict]:
    """The gazetteer as rows of the `entities` table."""
    return [
        {
            "id": entity.id,
            "kind": entity.kind,
            "subkind": entity.subkind,
            "name": entity.name,
            "name_ar": entity.name_ar,
            "names": json.dumps(names_json(entity), ensure_ascii=False),
            "latitude": entity.latitude,
            "longitude": entity.longitude,
        }
        for entity in gazetteer.load(gazetteer.GAZETTEER_FILE)
    ]
