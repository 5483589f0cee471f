"""The archive's one text model (pipelines/text.py): the search index and relevance fold
every character class the same way, so what search finds is what relevance counts."""

from __future__ import annotations

import pytest

from libya_archive.search import fts_query
from pipelines.archive import open_archive
from pipelines.relevance import assess
from pipelines.text import (
    ARABIC_PREFIXES,
    FOLDS,
    fold,
    normalise,
    prefixed,
    without_article,
    words,
)

# One spelling variant of each class the model folds, beside the form it folds to.
CLASSES = {
    "harakat": ("لِيبْيَا", "ليبيا"),
    "shadda and tanwin": ("مُحَمَّدٌ", "محمد"),
    "quranic honorific": ("محمد\u0610", "محمد"),
    "quranic annotation": ("درن\u06d6ة", "درنه"),
    "superscript alef": ("هٰذا", "هذا"),
    "tatweel": ("ليـــبيا", "ليبيا"),
    "alef with madda": ("آمر", "امر"),
    "alef with hamza above": ("أمن", "امن"),
    "alef with hamza below": ("إدارة", "اداره"),
    "alef wasla": ("ٱلجيش", "الجيش"),
    "waw with hamza": ("مسؤول", "مسوول"),
    "yeh with hamza": ("رئيس", "رييس"),
    "persian and urdu letters with hamza": ("ۀ ۂ ۓ", "ە ہ ے"),
    "taa marbuta": ("سرتة", "سرته"),
    "alef maqsura": ("مصطفى", "مصطفي"),
    "arabic-indic digits": ("٢٠١١", "2011"),
    "extended arabic-indic digits": ("۲۰۱۹", "2019"),
    "latin accents": ("Bengasì Misrāta Tripolitaine", "bengasi misrata tripolitaine"),
    "turkish dotless i": ("Mısrata", "misrata"),
    "turkish dotted capital i": ("İzmir", "izmir"),
    "curly apostrophes": ("Trablus’ta ‘Sirte’ Sirtʼe", "trablus'ta 'sirte' sirt'e"),
    "case": ("LIBYA Haftar", "libya haftar"),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """A real archive holding one article per class, written with the variant spelling,
    and a vocabulary table over its full-text index."""
    db = open_archive(tmp_path_factory.mktemp("text") / "a.db")
    db["outlets"].insert({"id": "o", "name": "O"})
    ids = {}
    for name, (variant, _) in CLASSES.items():
        ids[name] = db["articles"].insert({"url": name, "outlet": "o", "text": variant}).last_pk
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, instance)")
    yield db, ids
    db.close()


@pytest.mark.parametrize("name", CLASSES)
def test_relevance_reads_a_variant_as_the_form_it_folds_to(name):
    variant, plain = CLASSES[name]
    assert normalise(variant) == normalise(plain)
    assert words(variant) == words(plain)
    # normalise folds as fold does, plus case and Latin accents, whichever way it goes.
    assert normalise(variant) == normalise(fold(variant))


@pytest.mark.parametrize("name", CLASSES)
def test_the_search_index_holds_exactly_the_words_relevance_reads(name, index):
    db, ids = index
    tokens = [
        term
        for (term,) in db.execute(
            "SELECT term FROM temp.vocab WHERE doc = ? AND col = 'text' ORDER BY offset",
            (ids[name],),
        )
    ]
    assert tokens == words(CLASSES[name][0])


@pytest.mark.parametrize("name", CLASSES)
def test_search_finds_a_variant_by_its_plain_form_and_the_other_way_round(name, index):
    db, ids = index
    variant, plain = CLASSES[name]
    search = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert (ids[name],) in db.execute(search, (fts_query(plain),)).fetchall()
    assert (ids[name],) in db.execute(search, (fts_query(variant),)).fetchall()


def test_every_folded_character_has_a_class_that_tries_it():
    """The classes above cover the table: a character added to FOLDS needs a class."""
    tried = "".join(variant for variant, _ in CLASSES.values())
    kinds = {
        "removed": [c for c, target in FOLDS.items() if target == "" and ord(c) >= 0x0610],
        "letters": [c for c, target in FOLDS.items() if target and not target.isdigit()],
        "digits": [c for c, target in FOLDS.items() if target.isdigit()],
    }
    assert all(letter in tried for letter in kinds["letters"]), [
        letter for letter in kinds["letters"] if letter not in tried
    ]
    assert any(digit in tried for digit in kinds["digits"][:10])
    assert any(digit in tried for digit in kinds["digits"][10:])
    assert fold("".join(kinds["removed"])) == ""


def test_the_index_folds_in_sql_as_fold_does_in_python(index):
    """The view the index reads (pipelines/text.py `fold_select`) skips its Arabic folds
    for a value without Arabic; whatever the mix of scripts, it gives what `fold` gives."""
    db, _ = index
    values = [
        None,
        "",
        "Libya’s NOC says output resumed",  # curly quote only: the Arabic folds skipped
        "Mısrata",
        "ـ",  # a lone tatweel: Arabic, removed
        "Haftar’s forces near سِرْت and ٢٠١١, Trablus’ta",
        *(variant for variant, _ in CLASSES.values()),
    ]
    with db.conn:
        for value in values:
            db.execute("UPDATE articles SET title = ?, byline = ? WHERE id = 1", (value, value))
            folded = db.execute(
                "SELECT title, byline FROM articles_fts_folded WHERE id = 1"
            ).fetchone()
            expected = None if value is None else fold(value)
            assert folded == (expected, expected), value
        db.conn.rollback()


def test_the_folds_commute():
    """No fold makes a character another fold changes, so their order does not matter,
    and the view may run its Arabic folds apart from the others."""
    assert not [(s, t) for s, t in FOLDS.items() if any(source in t for source in FOLDS)]


def test_relevance_and_search_accept_the_same_arabic_prefixes():
    assert len(set(ARABIC_PREFIXES)) == len(ARABIC_PREFIXES) == 24
    for prefix in ARABIC_PREFIXES:
        written = f"{prefix}ليبيا"
        assert assess(f"خبر عن {written}", "").terms == ["ليبيا"], written
        assert f'"{written}"' in fts_query("ليبيا")
    assert prefixed("Derna") == ["Derna"]
    assert without_article("والكهرباء") == "كهرباء"
    assert without_article("الغد") == "الغد"  # too short once cut: the word itself
