#!/usr/bin/env python3
"""Near-duplicate detection (pipelines/clusters.py) on generated archives of 10,000 and
100,000 articles: recall, precision, cost per article and start-up time, each beside the
floor of exact hashing (pipelines.dedup.content_hash) of the same texts in the same run.

Each size runs in four steps:

1. **Generate** the archive: N articles in a synthetic news language (a Zipf lexicon of
   40,000 words, function words, topic words and named entities; see `Language`). Every
   twentieth-or-so article shares a theme (its entities, topic words and a background
   paragraph) with others: distinct articles on the same topic, the hard negatives.
2. **Sign** every article and store texts and signatures in a real SQLite file, as the
   store does (`article_signatures`).
3. **Index**: fill the band index (`signature_bands`) from the stored signatures, as
   migration m031 does for an archive signed before the index was kept on disk, beside
   loading the exact hashes of the same articles. A crawl itself loads nothing.
4. **Deduplicate** `--queries` new articles against the whole archive, timed one by one:
   half are planted near-duplicates of an archive article (a new lead, a trailer, the
   paragraphs shuffled, each with probability 1/2, and 5-20% of the words replaced,
   always), a quarter are hard negatives (another article on an archive article's
   theme), a quarter are unrelated. Recall is the share of planted pairs found; precision
   the share of found pairs that were planted.

Targets: recall >= 0.95, precision >= 0.99, cost per article at 100,000 within 1.5x of
the cost at 10,000.

Usage:
    python bench/dedup_nearduplicates.py [--sizes 10000 100000] [--queries 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.clusters import (  # noqa: E402
    METHOD,
    SAME_STORY,
    SignatureIndex,
    index_stored_signatures,
    same_story,
    shingles,
    signature,
)
from pipelines.dedup import content_hash  # noqa: E402
from scrapers.settings import STORE_BATCH_SIZE as STORE_BATCH  # noqa: E402

# Word lists read better as text than as lists of quoted words.
FUNCTION_WORDS = (  # noqa: SIM905
    "the of and to in a that for on is was said with by as at from it has have be are were "
    "its an which would had not will been this their but after they also who more than or "
    "over about into two up one could new other last year since against week some there can "
    "all out under we he she his her them while before when what during our between because "
    "people only three first any most where very so no such those these being back many may "
    "then if should do did does according told monday tuesday wednesday thursday friday"
).split()
SYLLABLES = (  # noqa: SIM905
    "ka ro li ma te su na bi do ve al or en is ut ar mi fo ge ha za pe qu ri sh th tr st"
).split()
PLACES = (  # noqa: SIM905
    "Tripoli Benghazi Misrata Sirte Sabha Derna Zawiya Tobruk Ghadames Kufra Ajdabiya Zuwara "
    "Ubari Murzuq Brega Zintan Sabratha Khoms Zliten Ghat"
).split()
ACTORS = (
    "the National Oil Corporation",
    "UNSMIL",
    "the House of Representatives",
    "the Presidential Council",
    "the Central Bank of Libya",
    "the High National Elections Commission",
    "the Libyan Red Crescent",
    "the interior ministry",
)


@dataclass
class Theme:
    """What articles on one topic share: entities, topic words, a background paragraph."""

    entities: list[str]
    topic_words: np.ndarray
    background: str


class Language:
    """A synthetic news language with the statistics that matter to shingling.

    45% function words (Zipf), 13% topic words, 3% named entities and the rest drawn
    from a 40,000-word Zipf lexicon: unrelated articles share common word pairs ("of the")
    as real ones do, and articles on one theme share entities and vocabulary.
    """

    def __init__(self, rng: np.random.Generator, size: int = 40_000):
        lexicon: set[str] = set()
        while len(lexicon) < size:
            n = int(rng.integers(2, 5))
            lexicon.add("".join(rng.choice(SYLLABLES, n)))
        self.lexicon = np.array(sorted(lexicon))
        # Cumulative Zipf weights: drawing is a binary search (rng.choice(p=...) would
        # sum 40,000 weights on every call).
        self.lexicon_cdf = np.cumsum(1 / (np.arange(size) + 10))
        self.lexicon_cdf /= self.lexicon_cdf[-1]
        self.function_cdf = np.cumsum(1 / (np.arange(len(FUNCTION_WORDS)) + 2))
        self.function_cdf /= self.function_cdf[-1]
        self.function = np.array(FUNCTION_WORDS, dtype=object)
        self.lexicon = self.lexicon.astype(object)

    def common(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` words of the lexicon, by frequency."""
        return self.lexicon[np.searchsorted(self.lexicon_cdf, rng.random(n))]

    def theme(self, rng: np.random.Generator) -> Theme:
        entities = [
            str(rng.choice(PLACES)),
            str(rng.choice(ACTORS)),
            f"{rng.choice(self.lexicon[:3000]).title()} {rng.choice(self.lexicon[:3000]).title()}",
        ]
        topic = rng.choice(self.lexicon[500:20_000], 120)
        theme = Theme(entities, topic, "")
        theme.background = self.sentence(rng, theme) + " " + self.sentence(rng, theme)
        return theme

    def words(self, rng: np.random.Generator, n: int, theme: Theme) -> list[str]:
        kind = rng.random(n)
        out = self.common(rng, n)
        function = kind < 0.45
        picks = np.searchsorted(self.function_cdf, rng.random(int(function.sum())))
        out[function] = self.function[picks]
        topical = (kind >= 0.45) & (kind < 0.58)
        out[topical] = rng.choice(theme.topic_words, int(topical.sum()))
        named = (kind >= 0.58) & (kind < 0.61)
        out[named] = [theme.entities[i] for i in rng.integers(0, 3, int(named.sum()))]
        return out.tolist()

    def sentence(self, rng: np.random.Generator, theme: Theme) -> str:
        text = " ".join(self.words(rng, int(rng.integers(12, 31)), theme))
        return text[0].upper() + text[1:] + "."

    def article(self, rng: np.random.Generator, theme: Theme) -> list[str]:
        paragraphs = [
            " ".join(self.sentence(rng, theme) for _ in range(int(rng.integers(1, 4))))
            for _ in range(int(rng.integers(6, 17)))
        ]
        if rng.random() < 0.5:  # the outlet's background paragraph on this theme
            paragraphs.insert(int(rng.integers(1, len(paragraphs) + 1)), theme.background)
        return paragraphs

    def near_duplicate(
        self, rng: np.random.Generator, paragraphs: list[str], theme: Theme
    ) -> list[str]:
        """Another outlet's copy: new lead, trailer, shuffled paragraphs, changed words."""
        copy = list(paragraphs)
        if rng.random() < 0.5:
            copy[0] = self.sentence(rng, theme) + " " + self.sentence(rng, theme)
        if rng.random() < 0.5:
            copy.append(self.sentence(rng, theme))
        if rng.random() < 0.5:
            rng.shuffle(copy)
        rate = rng.uniform(0.05, 0.20)
        changed = []
        for paragraph in copy:
            words = paragraph.split()
            swap = np.flatnonzero(rng.random(len(words)) < rate)
            for i, word in zip(swap, self.common(rng, len(swap)), strict=True):
                words[i] = str(word)
            changed.append(" ".join(words))
        return changed


def build_archive(path: Path, size: int, language: Language, rng: np.random.Generator):
    """Generate, sign and store `size` articles; returns their themes and texts."""
    themes = [language.theme(rng) for _ in range(max(1, size // 20))]
    theme_of = rng.integers(0, len(themes), size)
    texts = ["\n\n".join(language.article(rng, themes[t])) for t in theme_of]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")  # as the archive
    conn.executescript("""
        CREATE TABLE articles (id INTEGER PRIMARY KEY, text TEXT, content_hash TEXT);
        CREATE TABLE article_signatures (article_id INTEGER PRIMARY KEY, method TEXT,
            shingles INTEGER, signature BLOB);
        CREATE TABLE signature_bands (band_key INTEGER NOT NULL, article_id INTEGER NOT NULL,
            PRIMARY KEY (band_key, article_id)) WITHOUT ROWID;
        CREATE TABLE signature_bands_new (band_key INTEGER NOT NULL, article_id INTEGER NOT NULL,
            PRIMARY KEY (band_key, article_id)) WITHOUT ROWID;
    """)
    started = time.perf_counter()
    rows = []
    for article_id, text in enumerate(texts, 1):
        own = shingles(text)
        rows.append((article_id, METHOD, len(own), signature(own).astype("<u4").tobytes()))
    sign_seconds = time.perf_counter() - started
    started = time.perf_counter()
    hashes = [(i, text, content_hash(text)) for i, text in enumerate(texts, 1)]
    hash_seconds = time.perf_counter() - started
    with conn:
        conn.executemany("INSERT INTO articles VALUES (?, ?, ?)", hashes)
        conn.executemany("INSERT INTO article_signatures VALUES (?, ?, ?, ?)", rows)
    conn.close()
    return themes, theme_of, texts, sign_seconds / size, hash_seconds / size


def start_up(path: Path) -> tuple[float, float]:
    """Build the band index from the stored signatures, and load the exact hashes."""
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    with conn:
        indexed = index_stored_signatures(conn)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    hashes = dict(conn.execute("SELECT content_hash, id FROM articles"))
    hash_seconds = time.perf_counter() - started
    conn.close()
    assert len(hashes) and indexed
    return index_seconds, hash_seconds


def run_queries(path, language, rng, themes, theme_of, texts, queries):
    """Deduplicate new articles one by one against the archive; score and time it.

    Each query is indexed and committed in batches as the store does (queries are not
    articles of the archive: found as candidates, they fail the exact check).
    """
    conn = sqlite3.connect(path)
    index = SignatureIndex(conn)

    def text_of(article_id: int) -> str | None:
        row = conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    cases = []  # (text, planted partner or None, kind)
    sources = rng.choice(len(texts), queries, replace=False)
    for n, source in enumerate(sources.tolist()):
        theme = themes[theme_of[source]]
        if n % 4 < 2:
            copy = language.near_duplicate(rng, texts[source].split("\n\n"), theme)
            cases.append(("\n\n".join(copy), source + 1, "planted"))
        elif n % 4 == 2:
            cases.append(("\n\n".join(language.article(rng, theme)), None, "hard negative"))
        else:
            other = language.theme(rng)
            cases.append(("\n\n".join(language.article(rng, other)), None, "unrelated"))
    exact: dict[str, int] = {}
    started = time.perf_counter()
    for text, _, _ in cases:
        exact.setdefault(content_hash(text), len(exact))
    floor = (time.perf_counter() - started) / len(cases)
    next_id = len(texts) + 1
    found_planted = false_pairs = true_pairs = candidates = 0
    costs = []
    for text, partner, _kind in cases:
        started = time.perf_counter()
        sig = signature(shingles(text))
        matches = same_story(index, sig, text, text_of)
        index.add(next_id, sig)
        if next_id % STORE_BATCH == 0:
            conn.commit()  # as the store does: its batch's index pages written out
        costs.append(time.perf_counter() - started)
        candidates += len(index.candidates(sig))  # outside the timing: for the report
        # Queries are not written to the archive, so they can only match archive articles.
        true_pairs += int(partner in matches)
        false_pairs += len(matches) - int(partner in matches)
        found_planted += int(partner in matches)
        next_id += 1
    conn.close()
    planted = sum(1 for _, partner, _ in cases if partner)
    recall = found_planted / planted
    precision = true_pairs / max(1, true_pairs + false_pairs)
    cost = float(np.mean(costs))
    return recall, precision, cost, floor, candidates / len(cases), false_pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"near-duplicates: {METHOD}, same story at exact Jaccard >= {SAME_STORY}")
    results = {}
    for size in args.sizes:
        rng = np.random.default_rng(args.seed)
        language = Language(rng)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "archive.db"
            started = time.perf_counter()
            themes, theme_of, texts, sign, hashing = build_archive(path, size, language, rng)
            built = time.perf_counter() - started
            load, load_floor = start_up(path)
            recall, precision, cost, floor, cands, false_pairs = run_queries(
                path, language, rng, themes, theme_of, texts, args.queries
            )
        results[size] = cost
        print(
            f"\n{size:,} articles (generated, signed and stored in {built:.0f} s)\n"
            f"  recall     {recall:.4f} of {args.queries // 2} planted pairs  (target >= 0.95)\n"
            f"  precision  {precision:.4f}, {false_pairs} false pairs  (target >= 0.99)\n"
            f"  dedup cost {cost * 1000:.3f} ms/article = {cost / floor:.0f}x exact hashing "
            f"({floor * 1000:.4f} ms); {cands:.1f} LSH candidates/article\n"
            f"  signing    {sign * 1000:.3f} ms/article = {sign / hashing:.0f}x exact hashing "
            f"({hashing * 1000:.4f} ms)\n"
            f"  indexing   {load:.3f} s to index {size:,} stored signatures (once) = "
            f"{load / load_floor:.1f}x loading their exact hashes ({load_floor:.3f} s)"
        )
    if len(results) > 1:
        small, large = min(results), max(results)
        ratio = results[large] / results[small]
        print(f"\ncost per article at {large:,} / at {small:,}: {ratio:.2f}x  (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
