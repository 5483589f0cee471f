"""Story clusters: the same story in several outlets found as near-duplicates, on the demo
crawled by the real crawler and on real archive files."""

from __future__ import annotations

import json
import random

import pytest
import yaml

from pipelines.archive import open_archive
from pipelines.clusters import (
    METHOD,
    SAME_STORY,
    SignatureIndex,
    StoryClusters,
    jaccard,
    shingles,
    signature,
)
from tests.conftest import PROJECT_DIR, copy_archive, crawl, query

RAS_AJDIR = "ras-ajdir"  # in both outlets' URLs


def cluster_of(db, path_part: str) -> int | None:
    """The one cluster of the articles whose URL contains `path_part`."""
    (cluster_id,) = {
        cid
        for (cid,) in query(
            db, "SELECT cluster_id FROM articles WHERE url LIKE ?", (f"%{path_part}%",)
        )
    }
    return cluster_id


@pytest.mark.crawl
def test_wire_story_with_other_leads_and_trailers_is_one_cluster_of_two_rows(demo_archive):
    rows = query(
        demo_archive,
        "SELECT outlet, cluster_id, content_hash FROM articles "
        "WHERE url LIKE '%ras-ajdir%' ORDER BY outlet",
    )
    assert [outlet for outlet, _, _ in rows] == ["inewstoday", "tripoli-tribune"]
    (cluster_id,) = {cluster for _, cluster, _ in rows}
    assert cluster_id is not None
    assert rows[0][2] != rows[1][2]  # not the same text: a near-duplicate
    ((size, outlet_count, outlets, origin, origin_outlet, spread),) = query(
        demo_archive,
        "SELECT size, outlet_count, outlets, origin_article_id, origin_outlet, spread_hours "
        "FROM clusters WHERE id = ?",
        (cluster_id,),
    )
    # The Tribune had it at 06:15 UTC, iNewsToday at 10:40 UTC.
    assert (size, outlet_count, origin_outlet, spread) == (2, 2, "tripoli-tribune", 4.42)
    assert json.loads(outlets) == ["tripoli-tribune", "inewstoday"]
    assert query(demo_archive, "SELECT outlet FROM articles WHERE id = ?", (origin,)) == [
        ("tripoli-tribune",)
    ]
    members = query(
        demo_archive,
        "SELECT a.outlet, m.lag_hours, m.similarity FROM cluster_members m "
        "JOIN articles a ON a.id = m.article_id WHERE m.cluster_id = ? ORDER BY m.lag_hours",
        (cluster_id,),
    )
    assert [(outlet, lag) for outlet, lag, _ in members] == [
        ("tripoli-tribune", 0.0),
        ("inewstoday", 4.42),
    ]
    assert all(similarity >= SAME_STORY for _, _, similarity in members)


@pytest.mark.crawl
def test_only_the_two_wire_stories_form_clusters(demo_archive):
    """Exact copies cluster too; distinct articles on one topic (oil, migration) do not."""
    clusters = query(demo_archive, "SELECT id, size, outlet_count FROM clusters ORDER BY id")
    assert [(size, outlets) for _, size, outlets in clusters] == [(2, 2), (2, 2)]
    assert cluster_of(demo_archive, "berlin-conference") in {cid for cid, _, _ in clusters}
    assert cluster_of(demo_archive, RAS_AJDIR) in {cid for cid, _, _ in clusters}
    clustered = query(demo_archive, "SELECT count(*) FROM articles WHERE cluster_id IS NOT NULL")
    assert clustered == [(4,)]


@pytest.mark.crawl
def test_every_article_has_a_stored_signature(demo_archive):
    articles = query(demo_archive, "SELECT count(*) FROM articles")
    signed = query(
        demo_archive,
        "SELECT count(*) FROM article_signatures WHERE method = ? AND length(signature) = 512",
        (METHOD,),
    )
    assert signed == articles


@pytest.mark.crawl
def test_a_second_crawl_keeps_the_clusters_and_adds_no_row(demo_archive, demo_registry, tmp_path):
    db = tmp_path / "again.db"
    copy_archive(demo_archive, db)
    tables = ("clusters", "cluster_members", "article_signatures")
    before = {t: query(db, f"SELECT * FROM {t} ORDER BY 1") for t in tables}
    crawl(demo_registry, db, "--recheck-days", "100000")
    assert {t: query(db, f"SELECT * FROM {t} ORDER BY 1") for t in tables} == before
    dupes = query(db, "SELECT url FROM articles GROUP BY url, outlet HAVING count(*) > 1")
    assert dupes == []


@pytest.mark.crawl
def test_syndicated_stories_query_lists_the_wire_story_with_its_origin(demo_archive):
    metadata = yaml.safe_load((PROJECT_DIR / "metadata.yml").read_text("utf-8"))
    queries = {
        name: q
        for db in metadata.get("databases", {}).values()
        for name, q in db.get("queries", {}).items()
    }
    rows = query(demo_archive, queries["syndicated_stories"]["sql"])
    (ras_ajdir,) = [r for r in rows if "Ras Ajdir" in str(r)]
    assert "tripoli-tribune" in ras_ajdir and any("inewstoday" in str(v) for v in ras_ajdir)


# The clustering rules on real archive files, without a crawl --------------------------------

WIRE = (
    "Libya's National Oil Corporation said on Monday that production at the Sharara field "
    "had resumed after a two-week shutdown caused by a protest over unpaid salaries. "
    "Engineers said output would reach 300,000 barrels per day within a week, and that the "
    "pipeline to the Zawiya refinery had not been damaged. The corporation thanked local "
    "elders who mediated between the protesters and the authorities, and said talks on the "
    "workers' demands would continue in Tripoli. Exports from the Zawiya terminal are "
    "expected to resume by the end of the month, traders said."
)
OTHER_OIL_STORY = (
    "Libya's oil revenue fell sharply in the first quarter as a blockade of eastern terminals "
    "cut exports, the central bank said in a report published on Thursday. The bank said "
    "spending on salaries and subsidies had continued at the same level, and warned that the "
    "budget deficit would widen unless the terminals reopened. Officials of the National Oil "
    "Corporation in Benghazi said negotiations with the groups behind the blockade had made "
    "progress, but gave no date for a restart of loadings at Es Sider and Ras Lanuf."
)


def edit(text: str, rng: random.Random, rate: float) -> str:
    """A copy with `rate` of its words replaced, a new lead and a trailer."""
    words = [
        w if rng.random() >= rate else rng.choice(("the", "new", "said", "oil"))
        for w in text.split()
    ]
    return "Our correspondent reports. " + " ".join(words) + " (Wire, edited by our desk)"


@pytest.fixture
def archive(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    for outlet in ("a", "b", "c", "d"):
        db["outlets"].insert({"id": outlet, "name": outlet.upper()})
    yield db
    db.close()


def add_article(db, clusters: StoryClusters, outlet: str, text: str, published: str) -> int:
    """Insert an article as the store does and place it in its story cluster."""
    with db.atomic():
        article_id = (
            db["articles"]
            .insert(
                {
                    "url": f"https://{outlet}.example/{published}",
                    "outlet": outlet,
                    "text": text,
                    "published": published,
                    "first_seen": published,
                    "title": text[:30],
                }
            )
            .last_pk
        )
        clusters.place(article_id, text, published)
    return article_id


def test_shingles_fold_case_punctuation_and_arabic_spelling():
    assert shingles("Libya's NOC: output, resumed!") == shingles("libya s noc output resumed")
    assert shingles("أعلنت المؤسسة") == shingles("اعلنت المؤسسه")


def test_edited_copies_cluster_and_distinct_stories_on_the_topic_do_not(archive):
    clusters = StoryClusters(archive)
    clusters.open()
    rng = random.Random(3)
    first = add_article(archive, clusters, "a", WIRE, "2024-05-01T08:00:00+02:00")
    second = add_article(archive, clusters, "b", edit(WIRE, rng, 0.1), "2024-05-01T09:30:00+00:00")
    other = add_article(archive, clusters, "c", OTHER_OIL_STORY, "2024-05-01T07:00:00+00:00")
    rows = dict(archive.execute("SELECT id, cluster_id FROM articles").fetchall())
    assert rows[first] == rows[second] is not None
    assert rows[other] is None
    assert jaccard(shingles(WIRE), shingles(OTHER_OIL_STORY)) < 0.05
    cluster = archive["clusters"].get(rows[first])
    assert (cluster["size"], cluster["origin_article_id"], cluster["spread_hours"]) == (
        2,
        first,
        3.5,
    )


def test_an_article_matching_two_clusters_merges_them(archive):
    clusters = StoryClusters(archive)
    clusters.open()
    half = len(WIRE) // 2
    head, tail = WIRE[:half], WIRE[half:]
    a = add_article(archive, clusters, "a", head * 2, "2024-05-01T08:00:00+00:00")
    b = add_article(archive, clusters, "b", tail * 2, "2024-05-01T09:00:00+00:00")
    assert archive["articles"].get(a)["cluster_id"] is None  # two halves: two stories
    c = add_article(archive, clusters, "c", WIRE, "2024-05-01T10:00:00+00:00")
    ids = {archive["articles"].get(x)["cluster_id"] for x in (a, b, c)}
    assert len(ids) == 1 and None not in ids
    ((count,),) = archive.execute("SELECT count(*) FROM clusters").fetchall()
    assert count == 1
    assert archive["clusters"].get(ids.pop())["outlets"] == '["a", "b", "c"]'


def test_signatures_are_loaded_from_the_archive_not_recomputed(archive, tmp_path):
    clusters = StoryClusters(archive)
    clusters.open()
    first = add_article(archive, clusters, "a", WIRE, "2024-05-01T08:00:00+00:00")
    stored = archive.execute("SELECT signature FROM article_signatures").fetchone()[0]
    assert stored == signature(shingles(WIRE)).astype("<u4").tobytes()
    # A new process (a later crawl) finds the old article through the stored band index.
    index = SignatureIndex(archive.conn)
    assert len(index) == 1 and first in index.candidates(signature(shingles(WIRE)))
    later = StoryClusters(archive)
    later.open()
    rng = random.Random(5)
    copy = add_article(archive, later, "d", edit(WIRE, rng, 0.15), "2024-05-02T08:00:00+00:00")
    assert (
        archive["articles"].get(copy)["cluster_id"] == archive["articles"].get(first)["cluster_id"]
    )


def test_an_archive_from_before_clusters_is_signed_and_clustered_on_open(archive):
    for outlet, text in (("a", WIRE), ("b", edit(WIRE, random.Random(1), 0.05))):
        archive["articles"].insert(
            {"url": f"https://{outlet}.example/x", "outlet": outlet, "text": text}
        )
    StoryClusters(archive).open()
    assert archive.execute("SELECT count(*) FROM article_signatures").fetchone() == (2,)
    assert archive.execute(
        "SELECT count(DISTINCT cluster_id), count(cluster_id) FROM articles"
    ).fetchone() == (1, 2)


def test_the_band_index_finds_exactly_the_articles_that_share_a_band(archive):
    """The index in the archive must not lose or invent a candidate: every article sharing
    a band with the query, and only those, checked against a brute-force band match; an
    article re-indexed after an edit is found under its new bands only."""
    import numpy as np

    from pipelines.clusters import band_keys

    rng = np.random.default_rng(3)
    # Few distinct values per position, so that articles share bands now and then.
    signatures = rng.integers(0, 6, size=(300, 128), dtype=np.uint32)
    for article_id in range(1, 301):
        archive["articles"].insert(
            {"id": article_id, "url": f"https://a.example/{article_id}", "outlet": "a"}
        )
    archive["article_signatures"].insert_all(
        {"article_id": i, "method": METHOD, "shingles": 100, "signature": s.tobytes()}
        for i, s in enumerate(signatures, 1)
    )
    index = SignatureIndex(archive.conn)
    index.STAGED_ROWS = 42 * 70  # moved into the main table four times on the way
    for article_id in range(1, 301):
        index.add(article_id, signatures[article_id - 1])
    staged = archive.execute("SELECT count(*) FROM signature_bands_new").fetchone()[0]
    assert 0 < staged < 42 * 70  # some rows still wait in the small table
    edited = rng.integers(0, 6, size=128, dtype=np.uint32)  # article 1's text changed
    index.add(1, edited, previous=signatures[0])
    signatures[0] = edited
    archive.execute(
        "UPDATE article_signatures SET signature = ? WHERE article_id = 1", (edited.tobytes(),)
    )
    keys = band_keys(signatures)
    for probe in [signatures[0], *rng.integers(0, 6, size=(25, 128), dtype=np.uint32)]:
        probe_keys = set(band_keys(probe[None, :])[0].tolist())
        expected = {
            article_id: float((signatures[article_id - 1] == probe).sum()) / 128
            for article_id in range(1, 301)
            if probe_keys & set(keys[article_id - 1].tolist())
        }
        assert expected  # the probe does meet some articles
        assert index.candidates(probe) == pytest.approx(expected)


def test_an_archive_signed_before_the_band_index_gets_it_by_migration(archive):
    """m031 fills the band index from signatures stored by older versions."""
    from pipelines.archive import m031_signature_bands

    clusters = StoryClusters(archive)
    clusters.open()
    first = add_article(archive, clusters, "a", WIRE, "2024-05-01T08:00:00+00:00")
    both = "SELECT * FROM signature_bands UNION ALL SELECT * FROM signature_bands_new ORDER BY 1, 2"
    before = archive.execute(both).fetchall()
    archive.execute("DROP TABLE signature_bands")
    archive.execute("DROP TABLE signature_bands_new")
    m031_signature_bands(archive)
    assert archive.execute(both).fetchall() == before
    assert len(before) == 42 and {aid for _, aid in before} == {first}


def test_a_band_shared_by_too_many_articles_brings_no_candidates(archive):
    """A band key that more than COMMON_BAND articles share is boilerplate, not evidence:
    it is skipped, while a rarer band of the same probe still finds its article."""
    import numpy as np

    rng = np.random.default_rng(9)
    common = rng.integers(0, 2**32, size=128, dtype=np.uint32)
    signatures = []
    for _ in range(7):
        sig = rng.integers(0, 2**32, size=128, dtype=np.uint32)
        sig[:3] = common[:3]  # every article shares the first band with the probe
        signatures.append(sig)
    signatures[0][3:6] = common[3:6]  # article 1 also shares the second band
    for article_id, sig in enumerate(signatures, 1):
        archive["articles"].insert(
            {"id": article_id, "url": f"https://a.example/{article_id}", "outlet": "a"}
        )
        archive["article_signatures"].insert(
            {
                "article_id": article_id,
                "method": METHOD,
                "shingles": 100,
                "signature": sig.tobytes(),
            }
        )
    index = SignatureIndex(archive.conn)
    for article_id, sig in enumerate(signatures, 1):
        index.add(article_id, sig)
    assert set(index.candidates(common)) == set(range(1, 8))  # 7 articles: not common yet
    index.COMMON_BAND = 6
    assert set(index.candidates(common)) == {1}
