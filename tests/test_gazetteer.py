"""The gazetteer (pipelines/gazetteer.yml) checked as data: its entries, its forms, its map.

Fast and offline: the YAML and the outline of Libya (libya_archive/static/libya.geojson)
are read as files. The forms are folded as the models fold them (pipelines/text.py), so a
form that would collide in the tagger or in relevance collides here first.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import yaml

from pipelines.gazetteer import ACTOR_SUBKINDS, LANGUAGES, PLACE_SUBKINDS
from pipelines.text import ARABIC_LETTER, ARABIC_PREFIXES, normalise, without_article

PROJECT_DIR = Path(__file__).resolve().parent.parent
GAZETTEER = PROJECT_DIR / "pipelines" / "gazetteer.yml"
TERMS = PROJECT_DIR / "pipelines" / "libya_terms.yml"
OUTLINE = PROJECT_DIR / "libya_archive" / "static" / "libya.geojson"

FORM_LISTS = ("names", "ambiguous_names", "everyday_names")
ENTRY_KEYS = {
    "name",
    "subkind",
    "lat",
    "lon",
    "offshore",
    "within",
    *FORM_LISTS,
    "elsewhere",
    "note",
    "relevance",
    "supporting",
    "weight",
}
ENTITY_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# Libya's extent; an offshore field may lie a little further north, in the sea.
LATITUDES, LONGITUDES = (19.5, 33.5), (9.3, 25.2)
OFFSHORE_LATITUDES = (32.5, 34.5)
COAST_TOLERANCE = 0.15  # degrees: a coastal town may sit just outside the simplified outline

# The contract with the labelled sets (tests/entities/labelled.jsonl): these ids exist, spelled
# so, forever.
CORE_IDS = (
    # places
    "tripoli",
    "benghazi",
    "misrata",
    "sirte",
    "sabha",
    "derna",
    "zawiya",
    "tobruk",
    "bayda",
    "ajdabiya",
    "zliten",
    "khoms",
    "gharyan",
    "zintan",
    "zuwara",
    "sabratha",
    "bani_walid",
    "tarhuna",
    "ghadames",
    "kufra",
    "ubari",
    "ghat",
    "murzuq",
    "brega",
    "ras_lanuf",
    "es_sider",
    "zueitina",
    "mellitah",
    "sharara",
    "el_feel",
    "jufra",
    "nalut",
    "yafran",
    "marj",
    "shahhat",
    "tajoura",
    "janzour",
    "abu_salim",
    "mitiga_airport",
    "ras_ajdir",
    "wazin",
    "musaid",
    "fezzan",
    "cyrenaica",
    "tripolitania",
    "nafusa_mountains",
    "oil_crescent",
    "great_man_made_river",
    "leptis_magna",
    "cyrene",
    # actors
    "khalifa_haftar",
    "saddam_haftar",
    "abdulhamid_dbeibah",
    "mohamed_menfi",
    "fathi_bashagha",
    "aguila_saleh",
    "fayez_al_sarraj",
    "mohamed_takala",
    "khaled_al_mishri",
    "muammar_gaddafi",
    "saif_al_islam_gaddafi",
    "osama_hamad",
    "abdoulaye_bathily",
    "stephanie_williams",
    "ghassan_salame",
    "hanna_tetteh",
    "unsmil",
    "lna",
    "gna",
    "gnu",
    "gns",
    "house_of_representatives",
    "high_council_of_state",
    "presidential_council",
    "central_bank_of_libya",
    "noc",
    "hnec",
    "rada",
    "stability_support_apparatus",
    "brigade_444",
    "tariq_bin_ziyad_brigade",
    "wagner_group",
    "africa_corps",
    "recep_tayyip_erdogan",
    "abdel_fattah_el_sisi",
    "operation_irini",
)

# The concepts of libya_terms.yml and the entities their forms now belong to (a concept
# not listed here, such as `small_towns` or the `weak` titles, may go to any entity).
CONCEPT_ENTITIES = {
    "tripoli": {"tripoli"},
    "benghazi": {"benghazi"},
    "misrata": {"misrata"},
    "sirte": {"sirte"},
    "sabha": {"sabha"},
    "derna": {"derna"},
    "zawiya": {"zawiya"},
    "fezzan": {"fezzan"},
    "cyrenaica": {"cyrenaica"},
    "tripolitania": {"tripolitania"},
    "tobruk": {"tobruk"},
    "ghadames": {"ghadames"},
    "kufra": {"kufra"},
    "ubari": {"ubari"},
    "haftar": {"khalifa_haftar", "saddam_haftar"},
    "dbeibah": {"abdulhamid_dbeibah"},
    "menfi": {"mohamed_menfi"},
    "bashagha": {"fathi_bashagha"},
    "aguila_saleh": {"aguila_saleh"},
    "sarraj": {"fayez_al_sarraj"},
    "takala": {"mohamed_takala", "naji_issa"},
    "gaddafi": {"muammar_gaddafi", "saif_al_islam_gaddafi"},
    "unsmil": {"unsmil"},
    "lna": {"lna"},
    # "governo di unità nazionale libico" named the GNA and now names the GNU.
    "gna": {"gna", "gnu"},
    "noc": {"noc"},
    "house_of_representatives": {"house_of_representatives"},
    "high_council_of_state": {"high_council_of_state"},
    "hnec": {"hnec"},
    "rada_and_militias": {
        "rada",
        "stability_support_apparatus",
        "tripoli_revolutionaries_brigade",
        "brigade_444",
        "tariq_bin_ziyad_brigade",
    },
}
# Relevance terms that name no entity of the gazetteer.
NOT_ENTITIES = {"dinar"}


# libyaml's loader when there is one: the pure-Python one takes a third of a second a file.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def gazetteer() -> dict:
    return yaml.load(GAZETTEER.read_text(encoding="utf-8"), Loader=LOADER)


def entries() -> list[tuple[str, str, dict]]:
    """(section, id, entry) for every entry, places first."""
    data = gazetteer()
    return [
        (section, i, spec) for section in ("places", "actors") for i, spec in data[section].items()
    ]


def key(form: str) -> str:
    """A form as the models compare it: folded, without the Arabic article, and without the
    spaces and hyphens that the models let match anything ("al-Sarraj" = "alsarraj")."""
    folded = without_article(normalise(str(form)).strip())
    return re.sub(r"[\s-]+", "", folded)


def forms_of(spec: dict, lists=FORM_LISTS) -> list[tuple[str, str, str]]:
    """(list, language, form) for every form of an entry."""
    return [
        (name_list, language, form)
        for name_list in lists
        for language, forms in (spec.get(name_list) or {}).items()
        for form in forms or []
    ]


@cache
def owners() -> dict[str, set[tuple[str, str]]]:
    """Each form's key -> the (entity, list) pairs that hold it."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _, entity_id, spec in entries():
        for name_list, _, form in forms_of(spec):
            found[key(form)].add((entity_id, name_list))
    return found


@cache
def terms() -> dict:
    return yaml.load(TERMS.read_text(encoding="utf-8"), Loader=LOADER)


# Entries


def test_every_entry_is_well_formed():
    seen = set()
    for section, entity_id, spec in entries():
        assert ENTITY_ID.fullmatch(entity_id), f"{entity_id}: ids are lower-case ASCII and _"
        assert entity_id not in seen, f"{entity_id} is listed twice"
        seen.add(entity_id)
        assert not set(spec) - ENTRY_KEYS, (entity_id, set(spec) - ENTRY_KEYS)
        assert isinstance(spec.get("name"), str) and spec["name"].strip(), entity_id
        subkinds = PLACE_SUBKINDS if section == "places" else ACTOR_SUBKINDS
        assert spec.get("subkind") in subkinds, (entity_id, spec.get("subkind"))
        assert spec.get("names"), f"{entity_id}: an entry needs `names`"
        for name_list in (*FORM_LISTS, "elsewhere"):
            lists = spec.get(name_list) or {}
            assert isinstance(lists, dict) and set(lists) <= set(LANGUAGES), (entity_id, name_list)
            for language, forms in lists.items():
                assert isinstance(forms, list) and forms, (entity_id, name_list, language)
                assert all(isinstance(form, str) and form.strip() for form in forms), entity_id
        if section == "actors":
            assert "lat" not in spec and "offshore" not in spec, entity_id
        assert spec.get("relevance", True) in (True, False), entity_id
        assert spec.get("supporting", False) in (True, False), entity_id
        if "weight" in spec:
            assert 0 < float(spec["weight"]) <= 1, entity_id
        assert "\n" not in spec.get("note", ""), f"{entity_id}: a note is one line"


def test_every_entry_is_named_in_english_and_arabic():
    """`names` holds the forms that name the entry alone; where every Arabic form is also
    an everyday word (سرت, الخمس) or another place's name (البيضاء), the Arabic is in
    `everyday_names` or `ambiguous_names` and the entry still has it."""
    for _, entity_id, spec in entries():
        languages = {language for _, language, _ in forms_of(spec)}
        assert {"en", "ar"} <= languages, (entity_id, languages)
        for _, language, form in forms_of(spec):
            if language == "ar":
                assert ARABIC_LETTER.search(normalise(form)), (entity_id, form)
            else:
                assert not ARABIC_LETTER.search(normalise(form)), (entity_id, form)


def test_the_core_ids_exist():
    known = {entity_id for _, entity_id, _ in entries()}
    assert not set(CORE_IDS) - known, sorted(set(CORE_IDS) - known)


def test_foreign_actors_are_no_evidence_of_libya():
    for section, entity_id, spec in entries():
        if spec["subkind"] == "foreign":
            assert spec.get("relevance") is False, entity_id
        if section == "places":
            assert "relevance" not in spec and "weight" not in spec, entity_id
    actors = gazetteer()["actors"]
    for person in ("muammar_gaddafi", "saif_al_islam_gaddafi"):
        assert actors[person]["supporting"] is True and actors[person]["weight"] == 0.7


# Forms


def test_a_form_names_one_entity_in_one_list():
    clashes = {form: sorted(held) for form, held in owners().items() if len(held) > 1 and form}
    assert not clashes, clashes


def test_no_form_is_another_entitys_form_with_a_prefix_or_a_stem():
    """Arabic forms take و ف ب ك ل ال in front, and a final * any letters after: neither may
    turn one entity's form into another's."""
    found = owners()
    entity_of = {form: next(iter(held))[0] for form, held in found.items()}
    clashes = []
    for form, entity_id in entity_of.items():
        if ARABIC_LETTER.match(form):
            for prefix in ARABIC_PREFIXES:
                other = entity_of.get(key(prefix + form))
                if prefix and other and other != entity_id:
                    clashes.append((form, prefix, other, entity_id))
        if form.endswith("*"):
            stem = form[:-1]
            for other_form, other in entity_of.items():
                if other != entity_id and other_form.startswith(stem):
                    clashes.append((form, other_form, other, entity_id))
    assert not clashes, clashes


def test_forms_are_written_as_in_articles():
    for _, entity_id, spec in entries():
        for _, _, form in forms_of(spec, (*FORM_LISTS, "elsewhere")):
            assert form == form.strip() and "  " not in form, (entity_id, form)
            assert "*" not in form[:-1], (entity_id, form)  # only a final * is a wildcard
            assert not re.search(r"[\\^$|?{}\[\]]", form), (entity_id, form)  # no regexes
            assert len(key(form)) >= 3, (entity_id, form)


def test_the_article_is_dropped_only_where_it_is_one():
    """The models drop a leading ال (and وال, بال...) from every Arabic form; a form that
    merely starts with those letters would lose them."""
    for _, entity_id, spec in entries():
        for _, language, form in forms_of(spec):
            folded = normalise(form).strip()
            if language == "ar" and without_article(folded) != folded:
                assert folded.startswith("ال"), (entity_id, form)


# Places on the map


def outline() -> list[tuple[float, float]]:
    data = json.loads(OUTLINE.read_text(encoding="utf-8"))
    (feature,) = data["features"]
    return [tuple(point) for point in feature["geometry"]["coordinates"][0]]


def inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Ray casting: whether (lon, lat) is inside the ring."""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def distance_to_outline(point: tuple[float, float], ring: list[tuple[float, float]]) -> float:
    """The distance in degrees from (lon, lat) to the nearest edge of the ring."""
    x, y = point
    best = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1)))
        best = min(best, math.hypot(x - x1 - t * dx, y - y1 - t * dy))
    return best


def test_the_outline_is_a_closed_clockwise_polygon_of_libya():
    data = json.loads(OUTLINE.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["properties"]["name"] == "Libya"
    assert feature["geometry"]["type"] == "Polygon"
    ring = outline()
    assert 60 <= len(ring) <= 121 and ring[0] == ring[-1]
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
    # Clockwise, as d3-geo (Vega's maps) reads a ring on the sphere: counter-clockwise, the
    # map would fill the whole globe but Libya.
    assert area < 0, "clockwise: the interior on the right"
    assert 140 < -area / 2 < 170  # Libya spans about 155 square degrees
    for lon, lat in ring:
        assert 9.3 <= lon <= 25.2 and 19.5 <= lat <= 33.5, (lon, lat)


def test_places_lie_in_libya():
    ring = outline()
    outside = []
    for section, entity_id, spec in entries():
        if section != "places":
            assert "lat" not in spec, entity_id
            continue
        lat, lon = spec["lat"], spec["lon"]
        assert isinstance(lat, float) and isinstance(lon, float), entity_id
        assert round(lat, 4) == lat and round(lon, 4) == lon, f"{entity_id}: 4 decimals"
        if spec.get("offshore"):
            assert OFFSHORE_LATITUDES[0] <= lat <= OFFSHORE_LATITUDES[1], entity_id
            assert LONGITUDES[0] <= lon <= LONGITUDES[1], entity_id
            continue
        assert LATITUDES[0] <= lat <= LATITUDES[1], (entity_id, lat)
        assert LONGITUDES[0] <= lon <= LONGITUDES[1], (entity_id, lon)
        point = (lon, lat)
        if not inside(point, ring) and distance_to_outline(point, ring) > COAST_TOLERANCE:
            outside.append((entity_id, lat, lon, round(distance_to_outline(point, ring), 2)))
    assert not outside, outside


# The relevance terms (until libya_terms.yml stops listing places and actors)


def test_no_form_is_also_a_relevance_term_of_another_kind():
    """The country, its demonyms, other countries, 'Libyan-born' and the Libyan Sea stay in
    libya_terms.yml: a gazetteer form may not be one of them (relevance would refuse both)."""
    groups = terms()["groups"]
    kept = {
        key(form)
        for group, spec in groups.items()
        if group not in ("places", "actors", "weak", "other_tripoli") and "concepts" in spec
        for per_language in spec["concepts"].values()
        for language, forms in per_language.items()
        if language in LANGUAGES
        for form in forms
    }
    clashes = sorted(form for form in owners() if form in kept)
    assert not clashes, clashes


def test_elsewhere_cues_do_not_shadow_a_name_or_a_country():
    """A cue is found like a term: written as a country is in libya_terms.yml (Turkish
    mısır*, not mısır, which would hide the stem), and never one of the gazetteer's forms."""
    groups = terms()["groups"]
    countries = {
        key(form)
        for group in ("country", "countries")
        for per_language in groups[group]["concepts"].values()
        for language, forms in per_language.items()
        if language in LANGUAGES
        for form in forms
    }
    forms = owners()
    clashes = []
    for _, entity_id, spec in entries():
        for _, _, cue in forms_of(spec, ("elsewhere",)):
            cue = key(cue)
            if cue in forms:
                clashes.append((entity_id, cue, sorted(forms[cue])))
            if cue in countries:
                continue  # the country itself, which then also speaks against the entity
            for country in countries:
                if country.endswith("*") and cue.startswith(country[:-1]):
                    clashes.append((entity_id, cue, country))
    assert not clashes, clashes
