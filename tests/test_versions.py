"""Article versions: the demo crawled, then crawled again while demo/site_v2/ serves an
edited article; the earlier text is kept, and nothing else changes but last_seen."""

from __future__ import annotations

import subprocess
import sys

import pytest

from libya_archive.demo_site import DEMO_DIR
from tests.conftest import DEMO_SOURCES, copy_archive, crawl, query

pytestmark = pytest.mark.crawl

EDITED = "southern-towns-endure-long-power-cuts-as-summer-heat-peaks"
COLUMNS = "id, url, outlet, title, text, content_hash, published, first_seen, cluster_id"


@pytest.fixture(scope="module")
def recrawled(demo_archive, demo_registry, demo_site, tmp_path_factory):
    """(archive before, archive after a recheck crawl of the site's second version)."""
    db = tmp_path_factory.mktemp("versions") / "versions.db"
    copy_archive(demo_archive, db)
    demo_site.overlay = DEMO_DIR / "site_v2"
    try:
        crawl(demo_registry, db, "--recheck-days", "100000")
    finally:
        demo_site.overlay = None
    return demo_archive, db


def test_an_edited_article_keeps_its_earlier_version(recrawled):
    before, after = recrawled
    ((article_id, old_text, old_hash, old_changed),) = query(
        before,
        "SELECT id, text, content_hash, last_changed FROM articles WHERE url LIKE ?",
        (f"%{EDITED}%",),
    )
    versions = query(
        after,
        "SELECT article_id, text, content_hash, first_seen, replaced, crawl_run "
        "FROM article_versions",
    )
    assert len(versions) == 1
    version_of, text, digest, first_seen, replaced, run = versions[0]
    assert (version_of, text, digest, first_seen, run) == (
        article_id,
        old_text,
        old_hash,
        old_changed,
        2,
    )
    assert "up to 18 hours" in text
    ((new_text, new_hash, last_changed),) = query(
        after, "SELECT text, content_hash, last_changed FROM articles WHERE id = ?", (article_id,)
    )
    assert "up to 20 hours" in new_text and "Correction" in new_text
    assert new_hash != old_hash
    assert last_changed == replaced > old_changed


def test_unchanged_articles_change_only_last_seen(recrawled):
    before, after = recrawled
    others = (
        f"SELECT {COLUMNS}, last_changed FROM articles WHERE url NOT LIKE '%{EDITED}%' ORDER BY id"
    )
    assert query(after, others) == query(before, others)
    moved = query(after, "SELECT count(*) FROM articles WHERE last_seen > first_seen")
    assert moved == query(after, "SELECT count(*) FROM articles")
    ((new, changed, unchanged),) = query(
        after,
        "SELECT sum(articles_new), sum(articles_changed), sum(articles_unchanged) "
        "FROM crawl_runs WHERE run = 2",
    )
    total = query(before, "SELECT count(*) FROM articles")[0][0]
    assert (new, changed, unchanged) == (0, 1, total - 1)


def test_no_duplicate_rows_after_two_crawls(recrawled):
    before, after = recrawled
    assert query(after, "SELECT count(*) FROM articles") == query(
        before, "SELECT count(*) FROM articles"
    )
    assert query(after, "SELECT url FROM articles GROUP BY url HAVING count(*) > 1") == []
    assert query(after, "SELECT count(*) FROM article_urls") == query(
        before, "SELECT count(*) FROM article_urls"
    )


def test_the_second_version_overlay_is_generated(tmp_path):
    """demo/site_v2 is built with demo/site from demo/content: never hand-edited."""
    out = tmp_path / "site"
    subprocess.run(
        [sys.executable, str(DEMO_SOURCES / "build_site.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = DEMO_DIR / "site_v2"
    rebuilt = tmp_path / "site_v2"
    names = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(rebuilt).as_posix() for p in rebuilt.rglob("*") if p.is_file()
    )
    assert f"tripoli-tribune/news/{EDITED}.html" in names
    assert all((committed / n).read_bytes() == (rebuilt / n).read_bytes() for n in names)
