"""Story clusters: the same story in several outlets (a wire story with a new lead or
trailer, a republished piece), found as near-duplicates and kept as clusters.

Every member keeps its own article row; they share `articles.cluster_id`, and `clusters`
holds the story's size, outlets, origin (the earliest publication) and spread in hours.

How two articles are found to be the same story, in three steps:

1. **Shingles**: the set of overlapping word pairs of the text, case, punctuation and
   Arabic spelling variants folded (`shingles`). Pairs, not the usual triples: a wire
   copy with 5-20% of its words changed keeps 64-90% of its pairs but only 51-86% of its
   triples, while distinct articles on the same topic share almost no pairs either.
2. **Candidates** by locality-sensitive hashing: a 128-permutation MinHash (datasketch)
   cut into 42 bands of 3 rows. Two articles whose shingle sets have Jaccard similarity J
   share a band with probability 1 - (1 - J^3)^42: 0.68 at J = 0.3, 0.95 at 0.41, 0.995
   at 0.5; for unrelated articles (J about 0.01) it is 4e-5, a handful of candidates per
   article in an archive of 100,000. The signatures are stored (`article_signatures`), so
   a crawl loads them and compares new articles with the whole archive without shingling
   old texts again.
3. **Verification**: a candidate is the same story when the exact Jaccard similarity of
   the two shingle sets is at least `SAME_STORY` (0.2). Planted copies score 0.3-0.95,
   distinct articles on the same topic under 0.06 (bench/dedup_nearduplicates.py). The
   candidate's signature first gives an estimate; below `ESTIMATE_FLOOR` the exact check
   (reading the candidate's text) is skipped: that keeps the cost of the chance candidates,
   which grow with the archive, to a comparison of two signatures.

The band index is a sorted numpy array rather than datasketch's MinHashLSH: that keeps
one Python set per bucket, and for 42 bands over 100,000 articles it took 11 s and 1.3 GB
to load, where the sorted array takes well under a second and 50 MB.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import re
import time
import zlib
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np

from pipelines.archive import ARABIC_FOLDING

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 2
NUM_PERM = 128
BANDS, ROWS = 42, 3  # 126 of the 128 hash values; candidate threshold (1/42)^(1/3) = 0.29
SAME_STORY = 0.2  # exact Jaccard of the shingle sets at which two texts are one story
ESTIMATE_FLOOR = 0.12  # 2.3 standard errors under SAME_STORY, 4.5 under J = 0.3
MAX_EXACT_CHECKS = 8  # candidates read and compared exactly, the likeliest first
MIN_SHINGLES = 30  # shorter texts (briefs, captions) match by chance: never clustered
# Recorded beside each signature: a change to any of the above makes old ones stale.
METHOD = f"minhash-affine32-{NUM_PERM}-w{SHINGLE_WORDS}"

WORD = re.compile(r"[^\W_]+")
FOLD = str.maketrans(ARABIC_FOLDING)
# str.translate looks up every character of the text; most texts have none to fold.
FOLDABLE = re.compile(f"[{''.join(ARABIC_FOLDING)}]")
# Odd 64-bit constants that spread a band's three values over a 64-bit key.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_SALT = (np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)).astype(
    np.uint64
)


def _crc32(shingle: str) -> int:
    """A fast, stable 32-bit hash (Python's hash() changes between processes)."""
    return zlib.crc32(shingle.encode("utf-8"))


def words(text: str) -> list[str]:
    """The text's words, case, punctuation and Arabic spelling variants folded."""
    folded = text.casefold()
    if FOLDABLE.search(folded):
        folded = folded.translate(FOLD)
    return WORD.findall(folded)


def shingles(text: str) -> set[str]:
    """The set of overlapping word pairs of `text`."""
    w = words(text)
    return {" ".join(w[i : i + SHINGLE_WORDS]) for i in range(len(w) - SHINGLE_WORDS + 1)}


def signature(shingle_set: set[str]) -> np.ndarray:
    """The MinHash signature of a shingle set: NUM_PERM uint32 values."""
    from datasketch import MinHash  # here: it imports scipy (0.2 s), which only workers need

    minhash = MinHash(
        num_perm=NUM_PERM,
        hashfunc=_crc32,
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


def fingerprint(text: str) -> tuple[int, bytes]:
    """(number of shingles, signature bytes) of a text: what `place` needs of it.

    Computed where CPU is spare (the extraction workers), so the single writer only
    compares signatures.
    """
    own = shingles(text)
    return len(own), signature(own).astype("<u4").tobytes()


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


class _Segment:
    """Signatures and their band keys in compact numpy arrays: about 1 KB per article,
    where a dict entry per band key cost 6-8 KB (bench/crawl_scale.py)."""

    def __init__(self, ids: np.ndarray, signatures: np.ndarray):
        self.ids = ids
        self.signatures = signatures
        # In slices: band_keys works in 64-bit copies eight times the size of its input.
        keys = np.concatenate(
            [band_keys(signatures[i : i + 4096]).ravel() for i in range(0, len(ids), 4096)]
        )
        order = np.argsort(keys)
        self.keys = keys[order]
        self.rows = (order // BANDS).astype(np.int32)  # the signature each key belongs to

    def __len__(self) -> int:
        return len(self.ids)

    def candidates(self, keys: np.ndarray, sig: np.ndarray, floor: float) -> dict[int, float]:
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        hit = hi > lo
        if not hit.any():
            return {}
        rows = np.unique(
            np.concatenate([self.rows[a:b] for a, b in zip(lo[hit], hi[hit], strict=True)])
        )
        estimates = (self.signatures[rows] == sig).sum(axis=1) / NUM_PERM
        keep = estimates >= floor
        return dict(zip(self.ids[rows[keep]].tolist(), estimates[keep].tolist(), strict=True))


class SignatureIndex:
    """Signatures of the archive's articles and an LSH band index over them.

    Loaded once (`load`), then grown one article at a time (`add`). Signatures live in
    sorted numpy segments: the loaded archive is one; articles added during a crawl wait in
    a small dict until there are `PENDING` of them, then become a segment, and segments of
    similar size are merged (as in a log-structured merge tree), so a crawl's memory grows
    by about 1 KB per new article and a lookup searches a few segments at most.
    """

    PENDING = 500

    def __init__(self, ids: np.ndarray | None = None, signatures: np.ndarray | None = None):
        self.segments: list[_Segment] = []
        if ids is not None and len(ids):
            self.segments.append(_Segment(ids, signatures))
        self.pending: dict[int, np.ndarray] = {}  # article id -> signature, not yet compacted
        self.pending_keys: dict[int, list[int]] = defaultdict(list)  # band key -> article ids

    @classmethod
    def load(cls, conn) -> SignatureIndex:
        """The index of every current signature stored in the archive."""
        where = "WHERE method = ? AND shingles >= ?"
        params = (METHOD, MIN_SHINGLES)
        (count,) = conn.execute(
            f"SELECT count(*) FROM article_signatures {where}", params
        ).fetchone()
        if not count:
            return cls()
        # Read row by row into arrays sized in advance: a list of every row first would
        # hold the archive's signatures twice over while loading.
        ids = np.zeros(count, dtype=np.int64)
        signatures = np.zeros((count, NUM_PERM), dtype=np.uint32)
        rows = conn.execute(
            f"SELECT article_id, signature FROM article_signatures {where} ORDER BY article_id",
            params,
        )
        loaded = 0
        for article_id, blob in itertools.islice(rows, count):  # the store is the one writer
            ids[loaded] = article_id
            signatures[loaded] = np.frombuffer(blob, dtype="<u4")
            loaded += 1
        return cls(ids[:loaded], signatures[:loaded])

    def __len__(self) -> int:
        """Signatures indexed (an article re-signed after an edit counts once per version)."""
        return sum(map(len, self.segments)) + len(self.pending)

    def add(self, article_id: int, sig: np.ndarray) -> None:
        """Index an article (again, after its text changed)."""
        self.pending[article_id] = sig
        for key in band_keys(sig[None, :])[0].tolist():
            self.pending_keys[key].append(article_id)
        if len(self.pending) >= self.PENDING:
            self._compact()

    def _compact(self) -> None:
        ids = np.fromiter(self.pending, dtype=np.int64, count=len(self.pending))
        self.segments.append(_Segment(ids, np.stack(list(self.pending.values()))))
        self.pending, self.pending_keys = {}, defaultdict(list)
        while len(self.segments) > 1 and 2 * len(self.segments[-1]) >= len(self.segments[-2]):
            newer, older = self.segments.pop(), self.segments.pop()
            self.segments.append(
                _Segment(
                    np.concatenate([older.ids, newer.ids]),
                    np.concatenate([older.signatures, newer.signatures]),
                )
            )

    def candidates(self, sig: np.ndarray, floor: float = 0.0) -> dict[int, float]:
        """{article id: estimated Jaccard similarity} of the articles that share at least
        one band with `sig`, and whose estimate is at least `floor`.

        Done in numpy over the segments, so that the candidates that common word pairs
        bring (more in a larger archive) cost next to nothing.
        """
        keys = band_keys(sig[None, :])[0]
        found: dict[int, float] = {}
        for segment in self.segments:  # oldest first: a newer signature's estimate wins
            found.update(segment.candidates(keys, sig, floor))
        pending = {aid for key in keys.tolist() for aid in self.pending_keys.get(key, ())}
        for article_id in pending:
            estimate = float(np.count_nonzero(self.pending[article_id] == sig)) / NUM_PERM
            if estimate >= floor:
                found[article_id] = estimate
        return found


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
        # An article re-signed after an edit is also found under its old signature:
        # the exact check below reads its current text, so it decides on that.
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
        self.index = SignatureIndex()
        self.load_seconds = 0.0

    def open(self) -> None:
        """Load the stored signatures, then sign (and cluster) articles that have none."""
        started = time.perf_counter()
        self.index = SignatureIndex.load(self.db.conn)
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "near-duplicate index: %d signatures loaded in %.2f s",
            len(self.index),
            self.load_seconds,
        )
        unsigned = self.db.execute(
            "SELECT a.id, a.text FROM articles a LEFT JOIN article_signatures s "
            "ON s.article_id = a.id AND s.method = ? WHERE s.article_id IS NULL ORDER BY a.id",
            (METHOD,),
        ).fetchall()
        if unsigned:
            with self.db.atomic():
                for article_id, text in unsigned:
                    self.place(article_id, text or "", when=None)
            logger.info("near-duplicate index: %d older articles signed", len(unsigned))

    def place(
        self,
        article_id: int,
        text: str,
        when: str | None,
        printed: tuple[int, bytes] | None = None,
    ) -> int | None:
        """Sign a new or changed article, find its story and put it in that cluster.

        `printed` is the text's fingerprint when the extraction worker already made it.
        Returns the article's cluster id (None when no other article tells its story).
        """
        count, blob = printed or fingerprint(text)
        sig = np.frombuffer(blob, dtype="<u4")
        self.db.execute(
            "INSERT OR REPLACE INTO article_signatures (article_id, method, shingles, signature)"
            " VALUES (?, ?, ?, ?)",
            (article_id, METHOD, count, blob),
        )
        if count < MIN_SHINGLES:
            return None
        matches = same_story(self.index, sig, text, self._text_of)
        matches.pop(article_id, None)
        self.index.add(article_id, sig)
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
        now = when or _now()
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
            ((_utc(published or first_seen), aid, outlet, title))
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
                "updated": when or _now(),
            },
        )


def _utc(stamp: str | None) -> datetime:
    """An ISO 8601 stamp as an aware UTC datetime (a bare day or naive time read as UTC)."""
    try:
        moment = datetime.fromisoformat((stamp or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # undated: never the origin
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _hours(delta) -> float | None:
    hours = delta.total_seconds() / 3600
    return None if abs(hours) > 1e6 else round(hours, 2)  # an undated member: no lag


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
