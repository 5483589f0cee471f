"""The gazetteer: Libya's places and actors, read from gazetteer.yml.

One list serves two readers: entity tagging (pipelines/entities.py) names what an article
mentions, and the relevance model (pipelines/relevance.py) takes its place and actor terms
from the same entries, so a town added here is found by both and a name marked ambiguous
here is treated with care by both. The YAML is the place to review and extend; this module
only reads and checks it, and says which entry is wrong when one is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml

# libyaml's safe loader where PyYAML has it (its wheels do): ten times the pure-Python
# parser, which took a second and a half over this file in every process that tags.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GAZETTEER_FILE = Path(str(files("pipelines").joinpath("gazetteer.yml")))
KINDS = ("place", "actor")
LANGUAGES = ("en", "ar", "fr", "it", "tr")
PLACE_SUBKINDS = frozenset(
    [
        "region",
        "district",
        "city",
        "town",
        "village",
        "oasis",
        "oil_field",
        "oil_terminal",
        "port",
        "border_crossing",
        "airport",
        "site",
        "infrastructure",
    ]
)
ACTOR_SUBKINDS = frozenset(
    [
        "person",
        "armed_group",
        "institution",
        "party",
        "international",
        "foreign",
        "company",
        "tribe_or_community",
    ]
)
NAME_LISTS = ("names", "ambiguous_names", "everyday_names", "elsewhere")
ENTITY_ID = re.compile(r"[a-z][a-z0-9_]*")
# Libya's extent with a margin: a coordinate outside it is a typo (a swapped lat/lon).
LATITUDES, LONGITUDES = (19.0, 34.0), (9.0, 25.5)


class GazetteerError(ValueError):
    """An entry of the gazetteer is malformed; the message names it and says what to fix."""


@dataclass(frozen=True)
class Entity:
    """One place or actor, with its names in every language."""

    id: str
    kind: str  # "place" or "actor"
    subkind: str
    name: str  # the English name, as displayed
    names: dict[str, list[str]]  # language -> forms that name only this entity
    # Forms that also name something else (another town, a foreign body): they count only
    # beside other Libyan evidence.
    ambiguous_names: dict[str, list[str]] = field(default_factory=dict)
    # Forms that are everyday words of a language (Arabic سرت "spread"): they count beside
    # other evidence or with a town word next to them.
    everyday_names: dict[str, list[str]] = field(default_factory=dict)
    # Words that name the other bearer of a name (Lebanon for Tripoli): when an article
    # gives them at least as often as it names Libya, the name is not this entity.
    elsewhere: dict[str, list[str]] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    relevance: bool = True  # whether a mention is evidence that an article is about Libya
    supporting: bool = False  # evidence only beside other evidence (history as often as news)
    weight: float | None = None  # the relevance weight, when not its kind's
    within: str | None = None  # a facility named after its town: a mention names the town too
    note: str | None = None

    @property
    def name_ar(self) -> str | None:
        forms = (
            self.names.get("ar") or self.ambiguous_names.get("ar") or self.everyday_names.get("ar")
        )
        return forms[0] if forms else None

    def all_names(self) -> dict[str, list[str]]:
        """Every form that can name the entity, per language (for display and search)."""
        merged: dict[str, list[str]] = {}
        for lists in (self.names, self.ambiguous_names, self.everyday_names):
            for language, forms in lists.items():
                merged.setdefault(language, []).extend(forms)
        return merged


@cache
def load(path: Path = GAZETTEER_FILE) -> tuple[Entity, ...]:
    """Every entity of the gazetteer, places first (read once per process)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{path.name}: not valid YAML ({exc})") from exc
    entities, seen = [], set()
    for section, kind in (("places", "place"), ("actors", "actor")):
        for entity_id, spec in (data.get(section) or {}).items():
            entity = _entity(str(entity_id), kind, spec, path.name)
            if entity.id in seen:
                raise GazetteerError(f"{path.name}: {entity.id!r} is listed twice")
            seen.add(entity.id)
            entities.append(entity)
    for entity in entities:
        if entity.within and entity.within not in seen:
            raise GazetteerError(f"{path.name}: {entity.id}: within {entity.within!r} is no entry")
    return tuple(entities)


@cache  # entity tagging asks for it once per article; the entities are read once anyway
def by_id(path: Path = GAZETTEER_FILE) -> dict[str, Entity]:
    """Every entity of the gazetteer by its id (one shared dict: read it, do not change it)."""
    return {entity.id: entity for entity in load(path)}


def _entity(entity_id: str, kind: str, spec: dict, where: str) -> Entity:
    def fail(why: str) -> GazetteerError:
        return GazetteerError(f"{where}: {entity_id}: {why}")

    if not ENTITY_ID.fullmatch(entity_id):
        raise fail("an id is lower-case ASCII letters, digits and underscores")
    if not isinstance(spec, dict) or not spec.get("name") or not spec.get("names"):
        raise fail("each entry needs a `name` and `names`")
    subkinds = PLACE_SUBKINDS if kind == "place" else ACTOR_SUBKINDS
    if spec.get("subkind") not in subkinds:
        raise fail(f"subkind {spec.get('subkind')!r} is not one of {sorted(subkinds)}")
    lists = {key: _names(spec.get(key) or {}, fail) for key in NAME_LISTS}
    latitude, longitude = spec.get("lat"), spec.get("lon")
    if kind == "place":
        try:
            latitude, longitude = float(latitude), float(longitude)
        except (TypeError, ValueError):
            raise fail("a place needs `lat` and `lon` in decimal degrees") from None
        if not (
            LATITUDES[0] <= latitude <= LATITUDES[1] and LONGITUDES[0] <= longitude <= LONGITUDES[1]
        ):
            raise fail(f"({latitude}, {longitude}) is not in Libya (lat and lon swapped?)")
    return Entity(
        id=entity_id,
        kind=kind,
        subkind=spec["subkind"],
        name=str(spec["name"]),
        latitude=latitude,
        longitude=longitude,
        relevance=bool(spec.get("relevance", True)),
        supporting=bool(spec.get("supporting", False)),
        weight=float(spec["weight"]) if spec.get("weight") is not None else None,
        within=spec.get("within"),
        note=spec.get("note"),
        **lists,
    )


def _names(spec, fail) -> dict[str, list[str]]:
    if not isinstance(spec, dict):
        raise fail("names are given per language: {en: [...], ar: [...]}")
    unknown = set(spec) - set(LANGUAGES)
    if unknown:
        raise fail(f"unknown language {sorted(unknown)} (one of {', '.join(LANGUAGES)})")
    return {language: [str(form) for form in forms or []] for language, forms in spec.items()}
