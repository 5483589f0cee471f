"""The whole archive, end to end: the demo site crawled by the real Scrapy engine into a
real SQLite file, then checked row by row against the demo's article sources."""

from __future__ import annotations

import json

import pytest
import yaml

from libya_archive.demo_site import DEMO_DIR, SiteServer
from tests.conftest import copy_archive, crawl, query

pytestmark = pytest.mark.crawl

SEED_TITLE = "Turkey warns Haftar's forces against attacks on interests in Libya"


def article_paths(db) -> set[str]:
    """URL paths of the archived articles (the demo server's port varies between runs)."""
    return {url.split("/", 3)[3] for (url,) in query(db, "SELECT url FROM articles")}


def test_seed_article_is_archived_as_the_researcher_wants_it(demo_archive):
    rows = query(
        demo_archive,
        "SELECT title, byline, authors, published_date, outlet, text, language "
        "FROM articles WHERE title = ?",
        (SEED_TITLE,),
    )
    assert len(rows) == 1
    title, byline, authors, published_date, outlet, text, language = rows[0]
    assert byline == "Cheryl Sanders"
    assert json.loads(authors) == ["Cheryl Sanders"]
    assert published_date == "2020-05-23"
    assert outlet == "inewstoday"
    assert language == "en"
    outlet_name = query(demo_archive, "SELECT name FROM outlets WHERE id = ?", (outlet,))
    assert outlet_name == [("iNewsToday",)]
    # Body paragraphs, first to last, and none of the page's furniture.
    assert text.startswith("Tarhouna, 90 km from the capital")
    assert "Presidential spokesman Ibrahim Kalin was quoted" in text
    assert text.endswith("most notably one of Iran's arch-rivals, the UAE.")
    assert "Other reports by iNewsToday" not in text
    for furniture in ("Home", "Most read", "Subscribe", "All rights reserved"):
        assert furniture not in text.split("\n\n")


def test_every_libya_article_is_archived_and_no_other(demo_archive, demo_content):
    archived = article_paths(demo_archive)
    for outlet, articles in demo_content.items():
        for article in articles:
            path = article["path"].lstrip("/")
            if article["about_libya"]:
                assert path in archived, f"{outlet}: Libya article missing: {path}"
            else:
                assert path not in archived, f"{outlet}: off-topic article archived: {path}"
    expected = sum(a["about_libya"] for arts in demo_content.values() for a in arts)
    assert len(archived) == expected


def test_off_topic_articles_are_counted_in_the_run_record(demo_archive, demo_content):
    off_topic = sum(not a["about_libya"] for a in demo_content["inewstoday"])
    rows = query(
        demo_archive, "SELECT irrelevant FROM crawl_runs WHERE outlet = 'inewstoday' AND run = 1"
    )
    assert rows == [(off_topic,)]


def test_articles_carry_titles_dates_and_text(demo_archive, demo_content):
    by_path = {a["path"].lstrip("/"): a for arts in demo_content.values() for a in arts}
    rows = query(demo_archive, "SELECT url, title, published_date, text FROM articles")
    for url, title, published_date, text in rows:
        source = by_path[url.split("/", 3)[3]]
        assert title == source["title"]
        assert published_date == str(source["published"])[:10]
        assert source["paragraphs"][0].split()[0] in text


def test_arabic_word_finds_the_arabic_article_through_full_text_search(demo_archive):
    rows = query(
        demo_archive,
        "SELECT a.outlet, a.language, a.title FROM articles_fts "
        "JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH ?",
        ("الكهرباء",),
    )
    assert rows, "no article found for الكهرباء"
    assert {(outlet, language) for outlet, language, _ in rows} == {("akhbar-barqa", "ar")}
    assert any("الكهرباء" in title for _, _, title in rows)


def test_syndicated_story_is_one_row_per_outlet(demo_archive, demo_content):
    carried = {
        outlet: [a for a in arts if a.get("syndicated_from")]
        for outlet, arts in demo_content.items()
    }
    outlets = {outlet for outlet, arts in carried.items() if arts}
    assert len(outlets) >= 2
    title_rows = query(
        demo_archive,
        "SELECT outlet, content_hash FROM articles WHERE url LIKE '%' || ? ",
        (carried["inewstoday"][0]["path"],),
    )
    ((outlet, digest),) = title_rows
    copies = query(demo_archive, "SELECT outlet FROM articles WHERE content_hash = ?", (digest,))
    assert {o for (o,) in copies} == outlets


def test_robots_txt_disallowed_page_is_never_fetched(demo_archive, demo_site):
    assert "/robots.txt" in demo_site.requested
    assert not [path for path in demo_site.requested if path.startswith("/private/")]
    assert not query(demo_archive, "SELECT url FROM article_urls WHERE url LIKE '%/private/%'")
    marker = query(demo_archive, "SELECT count(*) FROM articles WHERE text LIKE '%PRIVATE-DEMO%'")
    assert marker == [(0,)]
    robots = query(demo_archive, "SELECT kind FROM fetch_errors WHERE url LIKE '%/private/%'")
    assert all(kind == "robots" for (kind,) in robots)


def test_second_crawl_fetches_no_archived_article_and_changes_nothing(
    demo_archive, demo_registry, demo_site, tmp_path
):
    db = tmp_path / "again.db"
    copy_archive(demo_archive, db)
    before = query(db, "SELECT * FROM articles ORDER BY id")
    urls_before = query(db, "SELECT * FROM article_urls ORDER BY url")
    articles = [p for p in demo_site.requested if p.endswith(".html") and "/20" in p]
    demo_site.requested.clear()
    crawl(demo_registry, db)
    assert query(db, "SELECT * FROM articles ORDER BY id") == before
    assert query(db, "SELECT * FROM article_urls ORDER BY url") == urls_before
    ((new, changed, unchanged, skipped),) = query(
        db,
        "SELECT sum(articles_new), sum(articles_changed), sum(articles_unchanged), "
        "sum(skipped_archived) FROM crawl_runs WHERE run = 2",
    )
    assert (new, changed, unchanged) == (0, 0, 0)
    assert 0 < skipped <= len(before)  # the links seen on the entry points actually visited
    # Only entry points were fetched, and the listing stopped at its first, all-known page.
    assert not [p for p in demo_site.requested if p in articles]
    assert "/inewstoday/category/world/page/2/" not in demo_site.requested


def test_recheck_fetches_recent_articles_again_and_moves_only_last_seen(
    demo_archive, demo_registry, tmp_path
):
    db = tmp_path / "recheck.db"
    copy_archive(demo_archive, db)
    columns = "id, url, title, text, published, content_hash, first_seen"
    before = query(db, f"SELECT {columns} FROM articles ORDER BY id")
    urls_before = query(db, "SELECT count(*) FROM article_urls")
    crawl(demo_registry, db, "--recheck-days", "100000")
    assert query(db, f"SELECT {columns} FROM articles ORDER BY id") == before
    assert query(db, "SELECT count(*) FROM article_urls") == urls_before
    ((new, changed, unchanged),) = query(
        db,
        "SELECT sum(articles_new), sum(articles_changed), sum(articles_unchanged) "
        "FROM crawl_runs WHERE run = 2",
    )
    assert (new, changed, unchanged) == (0, 0, len(before))
    moved = query(db, "SELECT count(*) FROM articles WHERE last_seen > first_seen")
    assert moved == [(len(before),)]


def test_dead_outlet_is_recorded_and_the_others_are_crawled(demo_registry, tmp_path):
    registry = tmp_path / "outlets.yml"
    dead = (
        "  - id: dead-outlet\n    name: Dead Outlet\n    homepage: http://127.0.0.1:9/\n"
        "    language: en\n    scope: libya\n    feeds: [http://127.0.0.1:9/feed.xml]\n"
        "    article_patterns: ['^/news/']\n"
    )
    registry.write_text(demo_registry.read_text("utf-8") + dead, "utf-8")
    db = tmp_path / "dead.db"
    result = crawl(registry, db, "--outlet", "dead-outlet", "--outlet", "akhbar-barqa", expect=1)
    assert "  dead-outlet: the connection was refused (server down?)\n" in result.stderr
    assert "10 new articles" in result.stderr  # the run in one line, printed on trouble
    errors = query(db, "SELECT kind, reason FROM fetch_errors WHERE outlet = 'dead-outlet'")
    assert ("connection", "the connection was refused (server down?)") in errors
    assert query(db, "SELECT count(*) FROM articles WHERE outlet = 'akhbar-barqa'")[0][0] > 0


@pytest.mark.parametrize("max_pages", [1, 2])
def test_listing_pagination_stops_at_max_pages(tmp_path, max_pages):
    registry = yaml.safe_load((DEMO_DIR / "outlets.yml").read_text("utf-8"))
    (outlet,) = [o for o in registry["outlets"] if o["id"] == "inewstoday"]
    outlet["feeds"] = []
    outlet["listings"][0]["max_pages"] = max_pages
    with SiteServer(DEMO_DIR / "site") as site:
        path = tmp_path / "outlets.yml"
        path.write_text(site.rewrite(yaml.safe_dump({"outlets": [outlet]})), "utf-8")
        crawl(path, tmp_path / "pages.db")
    listing = [p for p in site.requested if p.startswith("/inewstoday/category/world/")]
    expected = ["/inewstoday/category/world/", "/inewstoday/category/world/page/2/"]
    assert listing == expected[:max_pages]


def test_run_record_counts_requests_and_responses_per_outlet(demo_archive, demo_content):
    rows = query(
        demo_archive,
        "SELECT outlet, requests, responses, articles_new, finished FROM crawl_runs WHERE run = 1",
    )
    assert {outlet for outlet, *_ in rows} == set(demo_content)
    for outlet, requests, responses, new, finished in rows:
        by_status = json.loads(responses)
        assert set(by_status) == {"200"}  # the demo site has no broken link
        assert requests == by_status["200"]  # each request sent once, duplicates filtered
        assert new == sum(a["about_libya"] for a in demo_content[outlet])
        assert finished


def test_off_topic_articles_are_recorded_and_not_fetched_again(
    demo_archive, demo_registry, demo_content, demo_site, tmp_path
):
    off_topic = [a for a in demo_content["inewstoday"] if not a["about_libya"]]
    rows = query(demo_archive, "SELECT url, title, relevance, reason FROM rejected_urls")
    assert sorted(title for _, title, _, _ in rows) == sorted(a["title"] for a in off_topic)
    assert all(score < 1.0 and "not about Libya" in reason for _, _, score, reason in rows)
    db = tmp_path / "again.db"
    copy_archive(demo_archive, db)
    demo_site.requested.clear()
    crawl(demo_registry, db, "--recheck-days", "100000")  # even when rechecking everything
    ((skipped, irrelevant),) = query(
        db,
        "SELECT skipped_rejected, irrelevant FROM crawl_runs "
        "WHERE run = 2 AND outlet = 'inewstoday'",
    )
    assert skipped > 0 and irrelevant == 0
    assert not {a["path"] for a in off_topic} & set(demo_site.requested)
