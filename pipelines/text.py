"""The archive's one text model: how spellings are folded and words are cut.

Search (the full-text index and its queries), relevance, near-duplicate shingles and the
content hash all read text through this module, so that a word the search box finds is a
word relevance counts, and the other way round (tests/test_text.py checks both sides
character class by character class).

Two levels:

- `fold` applies `FOLDS`, the spelling variants readers take for one letter but every
  SQLite tokenizer keeps apart: Arabic harakat, Quranic marks and tatweel, the alef and
  hamza forms, taa marbuta and alef maqsura, Arabic-Indic digits, the Turkish dotless i
  and curly apostrophes. The full-text index applies the same table in SQL (`fold_sql`,
  pipelines/archive.py); its tokenizer (unicode61, remove_diacritics 2) then folds case
  and Latin accents itself.
- `normalise` is `fold` plus what that tokenizer does (case and Latin accents), for the
  readers that match text in Python (relevance, shingles, hashes).

Arabic writes conjunctions, prepositions and the article joined to the word that follows
(والكهرباء: "and the electricity"); `ARABIC_PREFIXES` lists the combinations, which
relevance compiles into its patterns and search expands a query word with. They are never
stripped from the text: the same letters begin many words (وزير, برلمان).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain

# Marks removed: harakat and other Arabic diacritics (tanwin, shadda, sukun, hamza and
# madda above or below...), the superscript alef, the Quranic honorific and annotation
# signs, and the tatweel that stretches a word.
_REMOVED = chain(
    range(0x0610, 0x061B),
    range(0x064B, 0x0660),
    (0x0670, 0x0640),
    range(0x06D6, 0x06EE),
)
FOLDS: dict[str, str] = {
    **{chr(code): "" for code in _REMOVED},
    # The alef forms (madda, hamza above, hamza below, wasla) are one alef to a reader.
    "\u0622": "\u0627",
    "\u0623": "\u0627",
    "\u0625": "\u0627",
    "\u0671": "\u0627",
    # Hamza on a carrier: مسؤول and مسئول are both written for "official".
    "\u0624": "\u0648",
    "\u0626": "\u064a",
    # The same hamza on Persian and Urdu letters (ۀ, ۂ, ۓ), as NFD splits it off.
    "\u06c0": "\u06d5",
    "\u06c2": "\u06c1",
    "\u06d3": "\u06d2",
    "\u0629": "\u0647",  # taa marbuta -> haa (ليبية, ليبيه)
    "\u0649": "\u064a",  # alef maqsura -> yaa (مصطفى, مصطفي)
    # Arabic-Indic and extended (Persian) digits are the digits 0-9.
    **{chr(0x0660 + digit): str(digit) for digit in range(10)},
    **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
    "\u0131": "i",  # Turkish dotless i: Trablus'ta, Bingazi, Mısrata
    "\u2019": "'",  # curly apostrophes: Gaddafi’s, Trablus’ta
    "\u2018": "'",
    "\u02bc": "'",
}
# str.translate looks up every character of a text; a search first finds texts with none.
_FOLDABLE = re.compile(f"[{''.join(FOLDS)}]")
_TABLE = str.maketrans(FOLDS)
# For `normalise`, the same folding in the way that is fast on long texts (str.translate
# is slow on long non-ASCII strings): after NFD, which splits the accented Latin letters and
# the hamza and madda off Arabic ones, one pass removes every mark, then str.replace folds
# the few letters NFD leaves whole. tests/test_text.py checks that both ways agree.
# The class is written twice ([m][m]*, not [m]+): a pattern that opens with a repeat makes
# Python's regex engine try every position, one that opens with a class lets it skip to a
# mark in C (a third of normalise's time on long texts).
_MARK_CLASS = "[\u0300-\u036f" + "".join(c for c, target in FOLDS.items() if not target) + "]"
_MARKS = re.compile(_MARK_CLASS + _MARK_CLASS + "*")
_WHOLE_LETTERS = tuple(
    (c, target) for c, target in FOLDS.items() if target and unicodedata.normalize("NFD", c) == c
)
_WORD = re.compile(r"[^\W_]+")

# Letters Arabic writes joined in front of a word: a conjunction (و ف), a preposition
# (ب ك ل) and the article (ال; ل + ال is written لل), in every order they combine.
ARABIC_PREFIXES: tuple[str, ...] = tuple(
    conjunction + preposition + article
    for conjunction in ("", "و", "ف")
    for preposition, article in (
        ("", ""),
        ("", "ال"),
        ("ب", ""),
        ("ك", ""),
        ("ل", ""),
        ("ب", "ال"),
        ("ك", "ال"),
        ("لل", ""),
    )
)
# The prefixes that end in the article, longest first: a word typed with one is also the
# bare word (الكهرباء is كهرباء).
ARABIC_ARTICLES: tuple[str, ...] = tuple(
    sorted((p for p in ARABIC_PREFIXES if p.endswith(("ال", "لل"))), key=len, reverse=True)
)
ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def fold(text: str) -> str:
    """`text` with `FOLDS` applied: what the full-text index holds."""
    if not _FOLDABLE.search(text):
        return text
    return text.translate(_TABLE)


def normalise(text: str) -> str:
    """`text` folded, lower-cased and without Latin accents: what search matches on."""
    if text.isascii():
        return text.lower()
    text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    for letter, target in _WHOLE_LETTERS:
        if letter in text:
            text = text.replace(letter, target)
    return text.lower()


def words(text: str) -> list[str]:
    """The words of `text`, normalised: runs of letters and digits."""
    return _WORD.findall(normalise(text))


# Chinese characters, Japanese kana and their half-width forms: scripts written without
# spaces between words.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)


# Their punctuation (。、「」 and the full-width forms), which separates rather than counts.
_CJK_PUNCTUATION = re.compile("[\u3000-\u303f\uff00-\uff65]")


def count_words(text: str) -> int:
    """Words in a text, as word processors count them: runs between spaces, and in
    Chinese and Japanese, which put no spaces between words, each character (a Chinese
    word is one to three of them). A 600-character Xinhua dispatch is 600 words, not 7."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    rest = _CJK_PUNCTUATION.sub(" ", _UNSPACED.sub(" ", text))
    return unspaced + len(rest.split())


def prefixed(word: str) -> list[str]:
    """An Arabic word with each of `ARABIC_PREFIXES` in front; other words alone."""
    if not ARABIC_LETTER.match(word):
        return [word]
    return [prefix + word for prefix in ARABIC_PREFIXES]


def without_article(word: str) -> str:
    """An Arabic word without the article (and what is attached to it) in front, when
    at least three letters remain."""
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 3:
            return word[len(article) :]
    return word


def fold_select(table: str, key: str, columns: tuple[str, ...]) -> str:
    """SELECT `key` and `columns` of `table`, the columns folded like `fold`, in SQL.

    Plain SQL (replace, instr, CAST), so that any SQLite client (sqlite3, sqlite-utils, a
    GUI) can still write the archive. The Arabic folds (all but four: every source in
    U+0600-U+06FF) run only on a value that holds a character of that block, which its
    UTF-8 lead bytes show (an archive is UTF-8): a text in another script skips 89 replace()
    calls, which made most of the cost of indexing an article (1.2 of 1.8 ms). The folds
    commute (no target holds a source: tests/test_text.py), so the split leaves every
    value as `fold` makes it. Nested in subqueries of 12 calls each, since SQLite's parser
    refuses about 40 nested calls; SQLite flattens them into one expression per column, so
    the replace() calls of a value that skips them are never evaluated.
    """
    arabic = [(source, target) for source, target in FOLDS.items() if _in_arabic_block(source)]
    others = [
        (source, target) for source, target in FOLDS.items() if (source, target) not in arabic
    ]
    kept = [f"{column} AS {column}_unfolded" for column in columns]
    select = f"SELECT {key}, {', '.join([*columns, *kept])} FROM {table}"
    for start in range(0, len(arabic), 12):
        folded = [
            f"{_replaced(column, arabic[start : start + 12])} AS {column}" for column in columns
        ]
        unfolded = [f"{column}_unfolded" for column in columns]
        select = f"SELECT {key}, {', '.join([*folded, *unfolded])} FROM ({select})"
    folded = []
    for column in columns:
        unfolded = f"{column}_unfolded"
        has_arabic = " OR ".join(
            f"instr(CAST({unfolded} AS BLOB), X'{lead}')" for lead in ARABIC_LEADS
        )
        chosen = f"CASE WHEN {has_arabic} THEN {column} ELSE {unfolded} END"
        folded.append(f"{_replaced(chosen, others)} AS {column}")
    return f"SELECT {key}, {', '.join(folded)} FROM ({select})"


# The UTF-8 lead bytes of the characters U+0600-U+06FF, and of no others (continuation
# bytes are 0x80-0xBF).
ARABIC_LEADS = ("D8", "D9", "DA", "DB")


def _in_arabic_block(character: str) -> bool:
    return "\u0600" <= character <= "\u06ff"


def _replaced(expression: str, pairs: list[tuple[str, str]]) -> str:
    for source, target in pairs:
        expression = f"replace({expression}, {_literal(source)}, {_literal(target)})"
    return expression


def _literal(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
