"""Story clusters: the same story in several outlets (a wire story with a new lead or
trailer, a republished piece), found as near-duplicates and kept as clusters.

Every member keeps its own article row; they share `articles.cluster_id`, and `clusters`
holds the story's size, outlets, origin (the earliest publication) and spread in hours.

How two articles are found to be the same story, in three steps:

1. **Shingles**: the set of overlapping word pairs of the text, as the archive's text
   model cuts and folds its words (`pipelines.text.words`: case, accents, punctuation and
   Arabic spelling variants folded). Pairs, not the usual triples: a wire
   copy with 5-20% of its words changed keeps 64-90% of its pairs but only 51-86% of its
   triples, while distinct articles on the same topic share almost no pairs either.
2. **Candidates** by locality-sensitive hashing: a 128-permutation MinHash (datasketch)
   cut into 42 bands of 3 rows. Two articles whose shingle sets have Jaccard similarity J
   share a band with probability 1 - (1 - J^3)^42: 0.68 at J = 0.3, 0.95 at 0.41, 0.995
   at 0.5; for unrelated articles (J about 0.01) it is 4e-5, a handful of candidates per
   article in an archive of 100,000. The signatures and their band keys are stored
   (`article_signatures`, `signature_bands`), so a crawl compares new articles with the
   whole archive without shingling old texts again, and without loading anything.
3. **Verification**: a candidate is the same story when the exact Jaccard similarity of
   the two shingle sets is at least `SAME_STORY` (0.2). Planted copies score 0.3-0.95,
   distinct articles on the same topic under 0.06 (bench/dedup_nearduplicates.py). The
   candidate's signature first gives an estimate; below `ESTIMATE_FLOOR` the exact check
   (reading the candidate's text) is skipped: that keeps the cost of the chance candidates,
   which grow with the archive, to a comparison of two signatures.

The band index is a table of the archive (`signature_bands`) rather than datasketch's
MinHashLSH, which keeps one Python set per bucket (11 s and 1.3 GB to load 100,000
articles), or any structure in memory: a crawl's memory must not grow with the archive.
"""

from __future__ import annotations

import functools
import json
import logging
import zlib
from datetime import UTC, datetime

import numpy as np

from pipelines.dedup import words_digest
from pipelines.text import words
from pipelines.timestamps import as_utc, now_iso

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 2
NUM_PERM = 128
BANDS, ROWS = 42, 3  # 126 of the 128 hash values; candidate threshold (1/42)^(1/3) = 0.29
SAME_STORY = 0.2  # exact Jaccard of the shingle sets at which two texts are one story
ESTIMATE_FLOOR = 0.12  # 2.3 standard errors under SAME_STORY, 4.5 under J = 0.3
MAX_EXACT_CHECKS = 8  # candidates read and compared exactly, the likeliest first
MIN_SHINGLES = 30  # shorter texts (briefs, captions) match by chance: never clustered
# Recorded beside each signature: a change to any of the above, or to the words of the text
# model (pipelines/text.py; "t2": the one shared with search and relevance), makes the
# stored signatures stale, and the store signs their articles again.
METHOD = f"minhash-affine32-{NUM_PERM}-w{SHINGLE_WORDS}-t2"
# Odd 64-bit constants that spread a band's three values over a 64-bit key.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_SALT = (np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)).astype(
    np.uint64
)


def shingles(text: str) -> set[bytes]:
    """The set of overlapping word pairs of `text`, UTF-8 encoded."""
    return _word_pairs(words(text))


def _word_pairs(text_words: list[str]) -> set[bytes]:
    # Bytes, each word encoded once: the signature hashes bytes (zlib.crc32, called from C
    # rather than through a Python function per pair), and sets of bytes compare as the
    # sets of their texts would.
    encoded = [word.encode("utf-8") for word in text_words]
    offsets = (encoded[i:] for i in range(SHINGLE_WORDS))  # unequal: the last pairs end
    return set(map(b" ".join, zip(*offsets, strict=False)))


def signature(shingle_set: set[bytes]) -> np.ndarray:
    """The MinHash signature of a shingle set: NUM_PERM uint32 values."""
    from datasketch import MinHash  # here: it imports scipy (0.2 s), which only workers need

    minhash = MinHash(
        num_perm=NUM_PERM,
        # A fast, stable 32-bit hash (Python's hash() changes between processes).
        hashfunc=zlib.crc32,
        permutations=_permutations(),
        scheme="affine32",
    )
    minhash.update_batch(shingle_set)
    return minhash.hashvalues


@functools.cache
def _permutations() -> np.ndarray:
    """The fixed permutations every signature is made with (seed 1)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations


def fingerprint(text: str) -> tuple[int, bytes, str]:
    """(number of shingles, signature bytes, content hash) of a text: what the writer needs
    of it, to place it in its story (`place`) and to know it again (`dedup.decide`).

    Computed where CPU is spare (the extraction workers), from one reading of the text's
    words, so the single writer only compares signatures and digests.
    """
    text_words = words(text)
    own = _word_pairs(text_words)
    return len(own), signature(own).astype("<u4").tobytes(), words_digest(text_words)


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two sets."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """One 64-bit key per band for each signature: shape (n, BANDS)."""
    rows = signatures[:, : BANDS * ROWS].astype(np.uint64).reshape(-1, BANDS, ROWS)
    with np.errstate(over="ignore"):  # wrapping multiplication is the point
        keys = (rows * _MIX).sum(axis=2, dtype=np.uint64)
        return keys ^ _BAND_SALT


# Band keys are stored in 47 bits, the widest integer SQLite keeps in 6 bytes. Two keys
# meet by chance with probability 42 million / 2^47 = 3e-7 a lookup in an archive of a
# million articles; such a stray candidate is dropped by its signature's estimate anyway.
KEY_BITS = 47
# The stored signatures of the articles that share a band key with the probe, in either
# table of the index, skipping keys that more than COMMON_BAND articles share (counted
# only up to COMMON_BAND + 1).
_CANDIDATES_SQL = f"""
WITH probe(band_key) AS (VALUES {",".join(["(?)"] * BANDS)}),
useful AS (
    SELECT band_key FROM probe WHERE (
        SELECT count(*) FROM (
            SELECT 1 FROM signature_bands b WHERE b.band_key = probe.band_key
            UNION ALL
            SELECT 1 FROM signature_bands_new n WHERE n.band_key = probe.band_key
            LIMIT ?
        )
    ) <= ?
)
SELECT article_id, signature FROM article_signatures
WHERE article_id IN (
    SELECT b.article_id FROM useful JOIN signature_bands b ON b.band_key = useful.band_key
    UNION ALL
    SELECT n.article_id FROM useful JOIN signature_bands_new n ON n.band_key = useful.band_key
) AND method = ?
"""


def stored_keys(sig: np.ndarray) -> list[int]:
    """The band keys of one signature as the archive stores them."""
    return (band_keys(sig[None, :])[0] & np.uint64((1 << KEY_BITS) - 1)).tolist()


def index_stored_signatures(conn) -> int:
    """Fill `signature_bands` from the stored signatures; returns the articles indexed.

    For an archive signed before the table existed (migration m031). The keys are first
    appended to a scratch table, then copied in key order: SQLite sorts them on disk, where
    inserting them in their random order would rewrite the index's pages over and over.
    """
    conn.execute("CREATE TEMP TABLE new_bands (band_key INTEGER, article_id INTEGER)")
    rows = conn.execute(
        "SELECT article_id, signature FROM article_signatures WHERE method = ? AND shingles >= ?",
        (METHOD, MIN_SHINGLES),
    )
    indexed = 0
    while chunk := rows.fetchmany(4096):
        ids = np.array([article_id for article_id, _ in chunk], dtype=np.int64)
        signatures = np.stack([np.frombuffer(blob, dtype="<u4") for _, blob in chunk])
        keys = band_keys(signatures) & np.uint64((1 << KEY_BITS) - 1)
        conn.executemany(
            "INSERT INTO new_bands VALUES (?, ?)",
            zip(keys.ravel().tolist(), np.repeat(ids, BANDS).tolist(), strict=True),
        )
        indexed += len(chunk)
    conn.execute(
        "INSERT OR IGNORE INTO signature_bands (band_key, article_id) "
        "SELECT band_key, article_id FROM new_bands ORDER BY band_key, article_id"
    )
    conn.execute("DROP TABLE new_bands")
    return indexed


class SignatureIndex:
    """The LSH band index over the archive's signatures, kept in the archive itself: one
    row per band key of each signed article.

    On disk rather than in memory so that a crawl's memory does not grow with the archive
    or the site: in numpy arrays it was about 1 KB per article (plus twice that while
    merging), a gigabyte for a million articles. A lookup is 42 primary-key probes.

    In two tables, as a log-structured merge tree of two levels: new rows go to the small
    `signature_bands_new` and are moved into the large `signature_bands` in key order once
    there are `STAGED_ROWS` of them. Written straight into the large table, the random keys
    of each batch of 100 articles landed on some 3,500 different pages at 100,000 articles,
    every one of them written to the WAL at each commit; moved 84,000 at a time, they share
    pages (bench/dedup_nearduplicates.py measures the cost per article). Both tables are
    in the archive and change in the store's transactions, so a killed crawl leaves them
    consistent, and the store's connection sees its own uncommitted rows, so articles of
    the batch being written are found like any other.
    """

    STAGED_ROWS = 2_000 * BANDS  # about 1.2 MB of table: its pages stay in SQLite's cache

    # A band key that more articles share than this comes from text they share that is not
    # the story (boilerplate, a standard sign-off, the commonest word pairs): as evidence it
    # is worthless, and reading all its articles would make the cost of every lookup grow
    # with the archive (bench/dedup_nearduplicates.py: two such keys brought 104 of 115
    # candidates an article at 100,000 articles). A copy of a story shares several bands
    # with the original, so ignoring the common ones does not lose it.
    COMMON_BAND = 500

    def __init__(self, conn):
        self.conn = conn
        self.staged: int | None = None  # rows in signature_bands_new, counted on first add

    def __len__(self) -> int:
        """Articles indexed."""
        (count,) = self.conn.execute(
            "SELECT count(*) FROM article_signatures WHERE method = ? AND shingles >= ?",
            (METHOD, MIN_SHINGLES),
        ).fetchone()
        return count

    def add(self, article_id: int, sig: np.ndarray, previous: np.ndarray | None = None) -> None:
        """Index an article; `previous` is its former signature, whose keys are removed."""
        if previous is not None:
            self.remove(article_id, previous)
        if self.staged is None:
            (self.staged,) = self.conn.execute(
                "SELECT count(*) FROM signature_bands_new"
            ).fetchone()
        self.conn.executemany(
            "INSERT OR IGNORE INTO signature_bands_new (band_key, article_id) VALUES (?, ?)",
            ((key, article_id) for key in stored_keys(sig)),
        )
        self.staged += BANDS
        if self.staged >= self.STAGED_ROWS:
            self.merge()

    def merge(self) -> None:
        """Move the staged rows into the main table, in key order."""
        self.conn.execute(
            "INSERT OR IGNORE INTO signature_bands (band_key, article_id) "
            "SELECT band_key, article_id FROM signature_bands_new ORDER BY band_key, article_id"
        )
        self.conn.execute("DELETE FROM signature_bands_new")
        self.staged = 0

    def remove(self, article_id: int, sig: np.ndarray) -> None:
        """Take an article's signature out of the index."""
        for table in ("signature_bands", "signature_bands_new"):
            self.conn.executemany(
                f"DELETE FROM {table} WHERE band_key = ? AND article_id = ?",
                ((key, article_id) for key in stored_keys(sig)),
            )

    def candidates(self, sig: np.ndarray, floor: float = 0.0) -> dict[int, float]:
        """{article id: estimated Jaccard similarity} of the articles that share at least
        one band with `sig`, and whose estimate is at least `floor`."""
        rows = self.conn.execute(
            _CANDIDATES_SQL, (*stored_keys(sig), self.COMMON_BAND + 1, self.COMMON_BAND, METHOD)
        ).fetchall()
        if not rows:
            return {}
        ids = np.array([article_id for article_id, _ in rows], dtype=np.int64)
        signatures = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<u4")
        estimates = (signatures.reshape(len(rows), NUM_PERM) == sig).sum(axis=1) / NUM_PERM
        keep = estimates >= floor
        return dict(zip(ids[keep].tolist(), estimates[keep].tolist(), strict=True))


def same_story(index: SignatureIndex, sig: np.ndarray, text: str, text_of) -> dict[int, float]:
    """{article id: similarity} of the indexed articles that tell the same story.

    `text_of(article_id)` gives a candidate's current text, for the exact check.
    """
    found = {}
    own: set[str] | None = None  # shingled only when a candidate needs the exact check
    candidates = index.candidates(sig, ESTIMATE_FLOOR)
    # Only the likeliest few are read and checked: joining a story takes one match, and a
    # bound here keeps the cost per article flat even where an outlet's template makes
    # many texts look alike (daily bulletins, price lists).
    likeliest = sorted(candidates, key=candidates.__getitem__, reverse=True)[:MAX_EXACT_CHECKS]
    for candidate in likeliest:
        other = text_of(candidate)
        own = own if own is not None else shingles(text)
        similarity = jaccard(own, shingles(other)) if other else 0.0
        if similarity >= SAME_STORY:
            found[candidate] = round(similarity, 3)
    return found


class StoryClusters:
    """Keeps clusters, signatures and the index in step with the articles the store writes.

    Used by the store (the only writer), inside its transactions.
    """

    def __init__(self, db):
        self.db = db
        self.index = SignatureIndex(db.conn)

    def open(self) -> None:
        """Sign (and cluster) the articles that have no current signature yet: an archive
        from before clusters, or after a change of METHOD."""
        unsigned = [
            article_id
            for (article_id,) in self.db.execute(
                "SELECT a.id FROM articles a LEFT JOIN article_signatures s "
                "ON s.article_id = a.id AND s.method = ? WHERE s.article_id IS NULL ORDER BY a.id",
                (METHOD,),
            )
        ]
        if unsigned:
            with self.db.atomic():
                for article_id in unsigned:
                    self.place(article_id, self._text_of(article_id) or "", when=None)
            logger.info("near-duplicate index: %d older articles signed", len(unsigned))

    def place(
        self,
        article_id: int,
        text: str,
        when: str | None,
        printed: tuple | None = None,
    ) -> int | None:
        """Sign a new or changed article, find its story and put it in that cluster.

        `printed` is the text's fingerprint when the extraction worker already made it.
        Returns the article's cluster id (None when no other article tells its story).
        """
        count, blob = (printed or fingerprint(text))[:2]
        sig = np.frombuffer(blob, dtype="<u4")
        previous = self._indexed_signature(article_id)
        self.db.execute(
            "INSERT OR REPLACE INTO article_signatures (article_id, method, shingles, signature)"
            " VALUES (?, ?, ?, ?)",
            (article_id, METHOD, count, blob),
        )
        if count < MIN_SHINGLES:
            if previous is not None:  # an edit cut it to a brief: no longer compared
                self.index.remove(article_id, previous)
            return None
        matches = same_story(self.index, sig, text, self._text_of)
        matches.pop(article_id, None)  # found through its own former signature
        self.index.add(article_id, sig, previous)
        current = self._cluster_of(article_id)
        if not matches:
            if current is not None:
                self.refresh(current, when)
            return current
        return self._join(article_id, matches, current, when)

    # Cluster bookkeeping ------------------------------------------------------------------

    def _text_of(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def _indexed_signature(self, article_id: int) -> np.ndarray | None:
        """The article's signature as the band index holds it, if it is indexed."""
        row = self.db.execute(
            "SELECT signature FROM article_signatures "
            "WHERE article_id = ? AND method = ? AND shingles >= ?",
            (article_id, METHOD, MIN_SHINGLES),
        ).fetchone()
        return np.frombuffer(row[0], dtype="<u4") if row else None

    def _cluster_of(self, article_id: int) -> int | None:
        row = self.db.execute(
            "SELECT cluster_id FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return row[0] if row else None

    def _join(
        self, article_id: int, matches: dict[int, float], current: int | None, when: str | None
    ) -> int:
        """Put the article and its matches in one cluster, merging clusters they were in."""
        marks = ",".join("?" * len(matches))
        clusters = {
            cid
            for (cid,) in self.db.execute(
                f"SELECT DISTINCT cluster_id FROM articles WHERE id IN ({marks}) "
                "AND cluster_id IS NOT NULL",
                list(matches),
            )
        }
        if current is not None:
            clusters.add(current)
        now = when or now_iso()
        if clusters:
            cluster_id = min(clusters)
            for other in sorted(clusters - {cluster_id}):  # merge: the oldest cluster stays
                self.db.execute(
                    "UPDATE articles SET cluster_id = ? WHERE cluster_id = ?", (cluster_id, other)
                )
                self.db.execute(
                    "UPDATE cluster_members SET cluster_id = ? WHERE cluster_id = ?",
                    (cluster_id, other),
                )
                self.db.execute("DELETE FROM clusters WHERE id = ?", (other,))
        else:
            cluster_id = self.db["clusters"].insert({"created": now, "size": 0}).last_pk
        best = max(matches, key=matches.get)
        joining = {article_id: (best, matches[best])}
        for other, similarity in matches.items():
            joining.setdefault(other, (article_id, similarity))
        for member, (matched, similarity) in joining.items():
            self.db.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (cluster_id, member))
            # A member keeps the record of how it first joined; later matches add nothing.
            self.db.execute(
                "INSERT INTO cluster_members (article_id, cluster_id, matched_article_id,"
                " similarity, joined) VALUES (?, ?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE"
                " SET cluster_id = excluded.cluster_id",
                (member, cluster_id, matched, similarity, now),
            )
        self.refresh(cluster_id, now)
        return cluster_id

    def refresh(self, cluster_id: int, when: str | None = None) -> None:
        """Recompute a cluster's size, outlets, origin, spread and each member's lag."""
        members = self.db.execute(
            "SELECT id, outlet, published, first_seen, title FROM articles "
            "WHERE cluster_id = ? ORDER BY id",
            (cluster_id,),
        ).fetchall()
        timed = sorted(
            ((_moment(published or first_seen), aid, outlet, title))
            for aid, outlet, published, first_seen, title in members
        )
        origin_time, origin_id, origin_outlet, origin_title = timed[0]
        last_time = timed[-1][0]
        outlets = list(dict.fromkeys(outlet for _, _, outlet, _ in timed))
        for moment, aid, *_ in timed:
            self.db.execute(
                "UPDATE cluster_members SET lag_hours = ? WHERE article_id = ?",
                (_hours(moment - origin_time), aid),
            )
        self.db["clusters"].update(
            cluster_id,
            {
                "title": origin_title,
                "size": len(members),
                "outlet_count": len(outlets),
                "outlets": json.dumps(outlets, ensure_ascii=False),
                "origin_article_id": origin_id,
                "origin_outlet": origin_outlet,
                "first_published": origin_time.isoformat(timespec="seconds"),
                "last_published": last_time.isoformat(timespec="seconds"),
                "spread_hours": _hours(last_time - origin_time),
                "updated": when or now_iso(),
            },
        )


def _moment(stamp: str | None) -> datetime:
    """When a member was published, in UTC; an undated one comes last (never the origin)."""
    return as_utc(stamp) or datetime.max.replace(tzinfo=UTC)


def _hours(delta) -> float | None:
    hours = delta.total_seconds() / 3600
    return None if abs(hours) > 1e6 else round(hours, 2)  # an undated member: no lag
