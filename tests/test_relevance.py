"""The Libya relevance model: one test per rule, and the labelled evaluation set.

The set (tests/relevance/labelled.jsonl) is written for this project in the five
languages; bench/relevance_quality.py prints the model's precision and recall on it and
the cost of a decision. Here it is only a regression floor, never a timing assertion.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipelines import relevance
from pipelines.items import ArticlePage, Extracted
from pipelines.relevance import THRESHOLD, assess
from pipelines.stages import PageDropped, RelevanceStage
from pipelines.text import normalise

LABELLED = Path(__file__).parent / "relevance" / "labelled.jsonl"
LANGUAGES = {"en", "ar", "fr", "it", "tr"}
KINDS = {"positive": True, "indirect-positive": True, "hard-negative": False, "negative": False}

# A neutral opening paragraph, long enough to be the whole lead, so that a sentence added
# after it sits in the tail of the article.
LEAD = (
    "The government presented its spending plans on Tuesday, promising more money for "
    "schools, hospitals and roads, and a cut in the tax paid by small businesses. "
    "Opposition parties said the figures did not add up and called for an independent "
    "review of the forecasts before the vote next month."
)


def labelled() -> list[dict]:
    with LABELLED.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


# Normalisation: the terms and the text are folded the same way.


def test_arabic_letter_variants_harakat_and_tatweel_are_normalised():
    assert normalise("أإآٱ") == "اااا"
    assert normalise("الليبيّة") == normalise("الليبيه")
    assert normalise("مُصْرَاتَة") == "مصراته"
    assert normalise("ليـــبيا") == "ليبيا"
    assert normalise("مستشفى") == "مستشفي"
    for spelling in ("لِيبْيَا", "ليـبيا"):
        assert assess(f"أزمة الوقود في {spelling}", "").terms == ["ليبيا"]


@pytest.mark.parametrize(
    "written",
    ["وليبيا", "بليبيا", "لليبيا", "فليبيا", "الليبية", "والليبيين", "بالليبي", "للّيبيين"],
)
def test_arabic_attached_prefixes_are_accepted(written):
    result = assess(f"خبر عن {written} اليوم", "")
    assert result.relevant, result
    assert all(not term.startswith(("و", "ب", "ال")) for term in result.terms)


def test_arabic_place_with_prefix_counts_as_the_place():
    result = assess("وفي بنغازي وبطرابلس", "")
    assert set(result.terms) == {"بنغازي", "طرابلس"}


@pytest.mark.parametrize(
    "title", ["Libya'da seçim", "Libya’nın petrolü", "Trablus'ta ve Bingazi'den haberler"]
)
def test_turkish_case_endings_after_an_apostrophe(title):
    assert assess(title, "").relevant


def test_turkish_dotted_and_dotless_i_are_folded():
    assert normalise("LİBYALI") == normalise("Libyalı") == "libyali"
    assert assess("LİBYALILAR SANDIĞA GİDİYOR", "").terms == ["libyalilar"]


def test_french_and_italian_accents_and_elisions():
    assert assess("L'armée libyenne avance en Cyrénaïque", "").terms == ["cyrenaique", "libyenne"]
    assert assess("Le plan d'Haftar", "").terms == ["haftar"]
    assert assess("Il ritiro dell'esercito libico", "").terms == ["libico"]


# Disambiguation: context decides what a mention is worth.


@pytest.mark.parametrize(
    "title, text",
    [
        (
            "Clashes in Tripoli",
            "Gunmen fought in Tripoli, Lebanon, and the Lebanese army deployed.",
        ),
        ("Tripoli port to expand", "The port of Tripoli in northern Lebanon will add a terminal."),
        ("اشتباكات في طرابلس", "اندلعت اشتباكات في طرابلس شمال لبنان بين مسلحين."),
        ("حريق في سوق طرابلس الشام", "التهم الحريق عشرات المحال في المدينة."),
        ("Trablusşam'da yangın", "Kentin tarihi çarşısında yangın çıktı."),
        ("Incendie à Tripoli", "Le souk de Tripoli, dans le nord du Liban, a brûlé."),
    ],
)
def test_lebanese_tripoli_is_not_libya(title, text):
    result = assess(title, text)
    assert not result.relevant, result
    assert "tripoli" not in result.terms


def test_tripoli_counts_when_libya_is_named_more_than_lebanon():
    text = (
        "Libya's capital Tripoli saw fighting; Libya's rivals traded blame; a Lebanese envoy left."
    )
    assert "tripoli" in assess("Fighting in Tripoli", text).terms


def test_passing_mention_in_the_tail_is_not_enough():
    text = LEAD + "\n\nExports to Libya and Egypt are expected to rise slightly next year."
    result = assess("Budget promises more for schools", text)
    assert 0 < result.score < THRESHOLD


def test_list_of_countries_counts_little():
    listed = assess("Visa rules tightened", "Citizens of Syria, Yemen, Libya and Sudan need visas.")
    alone = assess("Visa rules tightened", "Citizens of Libya need visas.")
    assert listed.score < alone.score / 2


def test_sports_results_and_tables_count_little():
    result = assess("Qualifiers round-up", "Egypt 2-0 Libya, Ghana 1-1 Angola, Morocco 4-1 Gabon.")
    assert not result.relevant
    assert not assess("Super Eagles beat Libya 2-0 in Uyo", "").relevant


def test_title_counts_more_than_lead_more_than_tail():
    in_title = assess("Libya budget", LEAD).score
    in_lead = assess("Budget", "Libya approved its budget. " + LEAD).score
    in_tail = assess("Budget", LEAD + "\n\nLibya approved its budget.").score
    assert in_title > in_lead > in_tail > 0
    assert in_title >= THRESHOLD > in_lead


def test_repeated_mentions_have_diminishing_returns():
    once = assess("Budget", LEAD + "\n\nLibya.").score
    ten_times = assess("Budget", LEAD + "\n\n" + " ".join(["Libya."] * 10)).score
    assert once < ten_times < 2 * once


def test_another_country_dominating_the_article_scales_the_score_down():
    tunisia = " ".join(["Tunisia held talks with Tunisian unions."] * 4)
    about_tunisia = assess("Talks", f"{LEAD}\n\n{tunisia} Libya and Tripoli were mentioned.")
    neutral = assess("Talks", f"{LEAD}\n\nLibya and Tripoli were mentioned.")
    assert about_tunisia.score < neutral.score


@pytest.mark.parametrize(
    "title, text",
    [
        ("Haftar's forces advanced on Sirte", ""),
        ("NOC declares force majeure at Sharara", "Protesters from Ubari closed the valves."),
        ("UNSMIL urges calm after clashes in Zawiya", ""),
        ("قوات حفتر تتقدم نحو سرت", ""),
        ("Dibeybe, Bingazi'deki saldırıyı kınadı", ""),
        ("Bengasi, riapre il vecchio mercato", "Il mercato di Bengasi era chiuso dal 2014."),
    ],
)
def test_indirect_positive_places_and_actors_without_the_word_libya(title, text):
    result = assess(title, text)
    assert result.relevant, result
    assert not {"libya", "ليبيا", "libye", "libia"} & set(result.terms)


def test_weak_titles_count_only_beside_libyan_evidence():
    us = assess("House of Representatives passes bill", "The central bank welcomed it.")
    assert us.score == 0
    libya = assess("Libya's House of Representatives passes budget", "")
    assert libya.score > assess("Libya passes budget", "").score


@pytest.mark.parametrize(
    "title, text",
    [
        ("Libyan-born striker joins Premier League club", "The British-Libyan forward signed."),
        ("Wildfire on Crete", "Winds blew in from the Libyan Sea."),
        ("Libya asıllı golcü imza attı", "Oyuncu dört yıllık sözleşme imzaladı."),
    ],
)
def test_libyan_by_origin_and_names_containing_libya_are_not_libya_news(title, text):
    assert not assess(title, text).relevant


# Context: a Libyan name used for something else.


@pytest.mark.parametrize(
    "title",
    [
        "Viale Libia, chiude il mercato rionale",
        "Incendio in via Tripoli, evacuato il palazzo",
        "Piazza Bengasi, nuovo capolinea del tram",
        "Travaux rue de Koufra jusqu'en juin",
        "Flooding closes Tripoli Street for a week",
        "Libya Caddesi trafiğe kapatıldı",
        "Trablus Sokak'ta su kesintisi",
        "حريق في متجر بشارع بنغازي",
    ],
)
def test_a_street_or_square_named_after_a_libyan_place_is_not_libya(title):
    result = assess(title, "")
    assert not result.relevant, result


def test_a_headline_in_title_case_makes_no_word_a_name():
    text = "Clashes between armed groups in Tripoli killed 12 people, the health ministry said."
    assert assess("Tripoli Street Battles Leave 12 Dead", text).relevant
    assert not assess("Flooding closes Tripoli Street for a week", "").relevant


@pytest.mark.parametrize(
    "title",
    [
        "A colt named Benghazi wins at 33-1",
        "Divers explore the wreck of HMAS Tobruk",
        "Un trotteur nommé Benghazi s'impose à Vincennes",
        "Vince un purosangue chiamato Tobruk",
        "Bingazi adlı tay yarışı kazandı",
        "فوز الجواد المسمى طبرق بالكأس",
    ],
)
def test_a_horse_or_ship_named_after_a_libyan_place_is_not_libya(title):
    assert not assess(title, "").relevant


@pytest.mark.parametrize(
    "title",
    [
        "Landslide cuts off the Romanian village of Derna",
        "Il villaggio romeno di Derna isolato da una frana",
        "Le village roumain de Derna coupé du monde",
        "Flood warning for Derna in north-western Romania",
        "اقتحام بلدة برقة شمال غرب نابلس",
        "Batı Şeria'daki Berka köyüne baskın",
        "Derna (Romania) mourns two teenagers",
    ],
)
def test_a_town_placed_in_another_country_is_not_the_libyan_one(title):
    result = assess(title, "")
    assert not result.relevant, result


def test_a_town_of_another_country_does_not_count_even_beside_libyan_evidence():
    text = "Elsewhere, a landslide hit Derna, Romania."
    assert "derna" not in assess("Libya's oil output rises", text).terms
    arabic = assess("ارتفاع إنتاج النفط في ليبيا", "وفي الضفة اقتحمت القوات برقة شمال غرب نابلس.")
    assert "برقه" not in arabic.terms


@pytest.mark.parametrize(
    "title",
    [
        "Smugglers move migrants to Europe via Libya",
        "La rue libyenne réclame des élections",
        "الشارع الليبي يطالب بالانتخابات",
        "Naufragio al largo di Zuara, quaranta dispersi",
        "Zuwara, near the Tunisian border, braces for storms",
        "Egyptian workers in Benghazi demand unpaid wages",
        "The embassy of Turkey in Tripoli reopens",
        "Türkiye'nin Trablus Büyükelçiliği yeniden açıldı",
        "Haftar called Tripoli's leaders illegitimate",
        "Tripoli street battles leave 12 dead",
        "Trablus sokak çatışmalarında 5 ölü",
        "Libya marks its 1951 independence",
        "Mısır'ın Bingazi Başkonsolosluğu vize vermeye başladı",
    ],
)
def test_context_words_that_leave_the_libyan_reading_alone(title):
    result = assess(title, "")
    assert result.relevant, result


def test_a_place_shown_to_be_something_else_is_so_throughout_an_article():
    text = "The colt named Benghazi won by a neck; Benghazi now aims for York."
    assert not assess("Benghazi springs a surprise", text).relevant
    libyan = "Benghazi Road in Benghazi was reopened by Libya's eastern authorities."
    assert "benghazi" in assess("Benghazi traffic returns", libyan).terms


@pytest.mark.parametrize(
    "title, evidence",
    [
        ("سرت موجة من الفرح في الشوارع", "قوات حفتر تدخل سرت"),
        ("قاعدة جماهيرية واسعة للحزب", "الجماهيرية الليبية في عهد القذافي"),
        ("Kurun enflasyona menfi etkisi sınırlı", "Libya'da Menfi seçim çağrısı yaptı"),
        ("Tarihi zaviye ziyarete açıldı", "Libya'nın Zaviye kentinde çatışma"),
        ("Il maestrale mitiga il caldo", "Voli sospesi a Mitiga, aeroporto di Tripoli"),
        ("A Sufi zawiya restored in Fez", "Clashes in Zawiya, west of Tripoli"),
    ],
)
def test_forms_that_are_everyday_words_count_only_beside_libyan_evidence(title, evidence):
    assert assess(title, "").score == 0
    assert assess(evidence, "").relevant


@pytest.mark.parametrize(
    "title",
    [
        "احتجاجات في مدينة سرت",
        "مظاهرات في سرت",
        "سكان سرت يطالبون بالإعمار",
        "بلدية سبها تعلن الطوارئ",
        "Zaviye kentinde çatışma",
        "Clashes in Zawiya",
        "Voli dirottati da Mitiga",
    ],
)
def test_a_town_word_or_a_capital_makes_an_everyday_word_form_the_town(title):
    assert assess(title, "").relevant


@pytest.mark.parametrize(
    "title",
    ["اعتقال شابين من برقة", "Berka köyünde gözaltı", "Wine growers around Menfi pick early"],
)
def test_a_name_shared_with_a_town_elsewhere_needs_other_libyan_evidence(title):
    assert assess(title, "").score == 0
    assert assess(title, "وصل وفد من بنغازي إلى برقة").relevant


def test_a_mention_in_a_sentence_about_an_old_year_is_history():
    lead = "A new biography follows the young officer from Salonica to Gallipoli. "
    aside = "He spent 1911 fighting the Italians near Tobruk and Derna, and Libya too."
    recent = "He spent 2023 visiting Tobruk and Derna, and Libya too."
    assert assess("A life in uniform", lead + aside).score < THRESHOLD
    assert assess("A life in uniform", lead + recent).relevant


def test_gaddafi_alone_is_history_not_news():
    text = "The club's exhibition remembers the season Gaddafi's son played for Perugia."
    assert not assess("Gaddafi and Italian football", text).relevant
    assert assess("Gaddafi's son registers to run in Libya's election", "").relevant


# The data file.


def test_the_terms_file_is_what_the_model_uses(tmp_path, monkeypatch):
    terms = tmp_path / "terms.yml"
    terms.write_text(
        "groups:\n"
        "  country:\n"
        "    weight: 1.0\n"
        "    concepts:\n"
        "      atlantis: {en: [atlantis, atlantean], ar: [اطلانطس]}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(relevance, "TERMS_FILE", terms)
    assert assess("Atlantean parliament meets", "").terms == ["atlantean"]
    assert assess("البرلمان في وأطلانطس", "").relevant
    assert not assess("Libya's parliament meets", "").relevant


def test_every_listed_country_term_is_found():
    country = relevance.model(relevance.TERMS_FILE).forms
    listed = {form for term, form in country.values() if term.group == "country"}
    for form in listed:
        if not form.endswith("*"):
            assert assess(form.capitalize(), "").terms == [form], form


def test_an_ambiguous_form_must_be_a_listed_term(tmp_path):
    terms = tmp_path / "terms.yml"
    terms.write_text(
        "groups:\n  country: {weight: 1.0, concepts: {atlantis: {en: [atlantis]}}}\n"
        "context:\n  ambiguous: {en: [atlantic]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="atlantic"):
        relevance.model(terms)


def test_a_term_in_two_concepts_is_refused(tmp_path):
    terms = tmp_path / "terms.yml"
    terms.write_text(
        "groups:\n  places: {weight: 0.8, concepts: {a: {en: [sirte]}, b: {en: [Sirte]}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="sirte"):
        relevance.model(terms)


# The pipeline.


def article(title: str, text: str, scope: str) -> ArticlePage:
    return ArticlePage(
        outlet="x",
        url="http://x.test/a",
        html="",
        scope=scope,
        fetched="",
        article=Extracted(title=title, text=text),
    )


def test_pipeline_drops_off_topic_articles_of_general_outlets_only():
    off_topic = article("Marathon returns to its route", LEAD, "general")
    with pytest.raises(PageDropped, match="^irrelevant: ") as dropped:
        RelevanceStage().process_item(off_topic)
    assert dropped.value.why.kind == "irrelevant" and dropped.value.why.score == 0
    kept = RelevanceStage().process_item(article("Marathon", LEAD, "libya"))
    assert kept.relevance == 0 and kept.libya_terms == []
    item = RelevanceStage().process_item(article("Libya's oil output rises", LEAD, "general"))
    assert item.relevance >= THRESHOLD and item.libya_terms == ["libya"]


# The labelled evaluation set.


def test_labelled_set_is_large_balanced_and_hard_enough():
    rows = labelled()
    assert len(rows) >= 250
    assert len({row["id"] for row in rows}) == len(rows)
    languages = Counter(row["language"] for row in rows)
    assert set(languages) == LANGUAGES and min(languages.values()) >= 40
    for row in rows:
        assert KINDS[row["kind"]] == row["label"], row["id"]
        assert row["title"] and 40 <= len(row["text"].split()) <= 200, row["id"]
    hard = sum(row["kind"] in ("hard-negative", "indirect-positive") for row in rows)
    assert hard >= len(rows) / 3


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_quality_floor_on_labelled_set_in_every_language(language):
    """Precision and recall of each language at 0.97, above the 0.95 the bench reports as
    its target (the set reaches 1.0 with the hard negatives of place names used for
    streets, horses, other countries' towns and everyday words), so that one language
    cannot fall behind unseen under a good overall figure."""
    rows = [r for r in labelled() if r["language"] == language]
    predicted = [(assess(r["title"], r["text"], r["language"]).relevant, r["label"]) for r in rows]
    true_positives = sum(p and t for p, t in predicted)
    precision = true_positives / sum(p for p, _ in predicted)
    recall = true_positives / sum(t for _, t in predicted)
    assert precision >= 0.97, f"{language}: precision {precision:.3f}"
    assert recall >= 0.97, f"{language}: recall {recall:.3f}"
