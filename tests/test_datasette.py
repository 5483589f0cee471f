"""Datasette's real app serves the crawled demo archive with metadata.yml, the plugins and
the templates applied: browsing, folded search, canned queries, charts' SQL, reader view."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from datasette_dashboards import replace_opts_in_query

from libya_archive.search import fold, fts_query
from libya_archive.serve import METADATA, datasette_command, make_datasette, metadata_for
from pipelines.archive import migrations, open_archive
from tests.conftest import PROJECT_DIR, copy_archive, query, run_cli


@pytest.fixture
def get(demo_archive):
    """GET a path from Datasette's real app, in process (datasette.client)."""
    datasette = make_datasette(demo_archive)
    return lambda path, **params: asyncio.run(datasette.client.get(with_query(path, params)))


def with_query(path: str, params: dict) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}" if params else path


def test_articles_table_as_json_newest_first_with_facets(get, demo_archive):
    response = get("/demo/articles.json?_shape=objects&_size=max")
    assert response.status_code == 200
    data = response.json()
    rows = data["rows"]
    assert len(rows) == query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    dates = [row["published_date"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert set(data["facet_results"]) >= {"outlet", "language", "published_date"}
    outlets = {f["value"] for f in data["facet_results"]["outlet"]["results"]}
    assert outlets == {"inewstoday", "tripoli-tribune", "akhbar-barqa"}


def test_articles_table_as_full_csv_stream(get, demo_archive):
    response = get("/demo/articles.csv?_stream=on&_size=5")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    total = query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    assert len(rows) == total
    assert len({row["id"] for row in rows}) == total  # no row repeated or skipped
    arabic = [row for row in rows if row["outlet"] == "akhbar-barqa"]
    assert arabic and all(row["language"] == "ar" for row in arabic)
    assert any("ليبيا" in row["text"] or "ليبي" in row["text"] for row in arabic)


def test_every_page_of_a_csv_stream_walks_the_newest_first_index(demo_archive):
    """Datasette's query for each later page of a stream ("published_order < :p OR ... ORDER
    BY published_order DESC, id") reads an index in that order, not a sort of every row:
    with a sort, a 100,000-row CSV of a million-row archive took minutes."""
    from datasette.tracer import capture_traces

    datasette = make_datasette(demo_archive)
    traces: list[dict] = []

    async def stream():
        await datasette.client.get("/")
        with capture_traces(traces):
            response = await datasette.client.get("/demo/articles.csv?_stream=on&_size=5")
        return response

    assert asyncio.run(stream()).status_code == 200
    later_pages = [t for t in traces if "published_order <" in t["sql"]]
    assert later_pages  # the stream did page
    conn = sqlite3.connect(demo_archive)
    for trace in later_pages:
        plan = conn.execute("EXPLAIN QUERY PLAN " + trace["sql"], trace["params"]).fetchall()
        details = " | ".join(row[-1] for row in plan)
        assert "idx_articles_newest_first" in details and "TEMP B-TREE" not in details, details


def test_metadata_descriptions_and_search_are_applied(get):
    response = get("/demo/articles")
    assert response.status_code == 200
    assert "One row per article" in response.text  # the table description
    assert 'name="_search"' in response.text  # the full-text search box
    search = get("/demo/articles.json?_shape=objects&_search=Haftar&_col=title")
    titles = [row["title"] for row in search.json()["rows"]]
    assert "Turkey warns Haftar's forces against attacks on interests in Libya" in titles
    index = get("/")
    assert "Libya news archive" in index.text


def test_robots_are_refused(get):
    response = get("/robots.txt")
    assert "Disallow: /" in response.text


def test_serve_command_answers_over_http_on_127_0_0_1(demo_archive):
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    command = [sys.executable, "-m", "libya_archive", "serve", "--db", str(demo_archive)]
    with subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as server:
        try:
            body = wait_for(f"http://127.0.0.1:{port}/demo/articles.json?_shape=array&_size=1")
            assert json.loads(body)[0]["title"]
            listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            assert f"127.0.0.1:{port}" in listening
            assert f"0.0.0.0:{port}" not in listening
        finally:
            server.terminate()


def test_serve_refuses_a_network_address_without_public(demo_archive):
    result = run_cli("serve", "--db", str(demo_archive), "--host", "0.0.0.0", timeout=60)
    assert result.returncode == 2
    assert "--public" in result.stderr and "publish the archive" in result.stderr


def test_serve_public_warns_and_listens_on_every_address(demo_archive):
    port = free_port()
    command = [sys.executable, "-m", "libya_archive", "serve", "--db", str(demo_archive)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    with subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--public", "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            wait_for(f"http://127.0.0.1:{port}/-/versions.json")
            listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
            assert f"0.0.0.0:{port}" in listening
        finally:
            server.terminate()
            stderr = server.communicate(timeout=30)[1]
    assert "Warning: serving on 0.0.0.0" in stderr and "anyone who can reach" in stderr


def test_serve_is_read_only_and_tells_robots_to_stay_away(get, demo_archive):
    before = query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    for sql in ("DELETE FROM articles", "UPDATE articles SET title = 'x'", "DROP TABLE outlets"):
        response = get("/demo.json", sql=sql)
        assert (
            response.status_code == 400
            and "read-only" in response.text.lower()
            or ("Statement must be a SELECT" in response.text)
        )
    attach = get("/demo.json", sql="SELECT 1; ATTACH DATABASE '/tmp/x.db' AS x")
    assert attach.status_code == 400
    assert query(demo_archive, "SELECT count(*) FROM articles")[0][0] == before
    assert get("/demo/articles").headers.get("x-robots-tag") == "noindex, nofollow"


WRITER = """
import sys, time
from pipelines.archive import open_archive
db = open_archive(sys.argv[1])
for batch in range(int(sys.argv[2])):
    rows = [
        (f"https://writer.example/{batch}/{n}", "inewstoday", f"Batch {batch} story {n}",
         "Tripoli flood relief " * 40 + "طرابلس ليبيا " * 40, "2031-01-01")
        for n in range(50)
    ]
    with db.conn:  # one transaction per batch, as the store pipeline commits
        db.conn.executemany(
            "INSERT INTO articles (url, outlet, title, text, published_date)"
            " VALUES (?, ?, ?, ?, ?)", rows)
    if batch % 10 == 9:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    time.sleep(0.02)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # what a crawl does at its end
print("done", flush=True)
"""


def test_readers_never_see_database_is_locked_while_a_crawl_writes(demo_archive, tmp_path):
    """`serve` on an archive that another process writes in batches, as a crawl does: every
    page answers, with the rows committed so far."""
    archive = tmp_path / "live.db"
    copy_archive(demo_archive, archive)
    open_archive(archive).close()  # WAL mode, as a crawl leaves it
    before = query(archive, "SELECT count(*) FROM articles")[0][0]
    batches, port = 40, free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    command = [sys.executable, "-m", "libya_archive", "serve", "--db", str(archive)]
    paths = [
        "/live.json?_shape=array&sql=select+count(*)+as+n+from+articles",
        "/live/articles?_search=Tripoli",
        "/live/articles.json?_search=%D8%B7%D8%B1%D8%A7%D8%A8%D9%84%D8%B3&_size=5",
        "/live/articles.json?outlet=inewstoday&_facet=language",
        "/live/search.json?words=flood",
        "/live/coverage.json?granularity=day",
    ]
    with subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as server:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/-/versions.json")
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(archive), str(batches)],
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            counts, failures, requests = [], [], 0
            while writer.poll() is None or requests < 30:
                for path in paths:
                    status, body = fetch(base + path)
                    requests += 1
                    if status != 200 or "database is locked" in body:
                        failures.append((path, status, body[:300]))
                    elif path == paths[0]:
                        counts.append(json.loads(body)[0]["n"])
            output = writer.communicate(timeout=60)[0]
            assert writer.returncode == 0 and output.strip() == "done"
            final = json.loads(fetch(base + paths[0])[1])[0]["n"]
        finally:
            server.terminate()
    assert failures == []
    assert counts == sorted(counts) and len(set(counts)) > 2  # it saw the batches arrive
    assert final == before + batches * 50


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# Search folded like the index ----------------------------------------------------------------


def search_titles(get, words: str, **params) -> list[str]:
    response = get("/demo/articles.json", _search=words, _shape="objects", _col="title", **params)
    assert response.status_code == 200, response.text
    return [row["title"] for row in response.json()["rows"]]


ELECTRICITY = "انقطاع الكهرباء"  # the start of the one demo title with الكهرباء


@pytest.mark.parametrize(
    "words",
    [
        "الكهرباء",  # as written
        "الكَهْرَبَاءُ",  # with harakat
        "كهرباء",  # without the article
        "بالكهرباء",  # with a preposition and the article attached
        "والكهرباء",  # with a conjunction and the article attached
        "الكهربـــاء",  # with tatweel
    ],
)
def test_arabic_search_box_finds_every_spelling_of_a_word(get, words):
    titles = search_titles(get, words)
    assert len(titles) == 1 and titles[0].startswith(ELECTRICITY)


def test_arabic_search_folds_taa_marbuta_and_alef_forms(get):
    derna = search_titles(get, "درنة")
    assert len(derna) == 1
    assert search_titles(get, "درنه") == derna  # taa marbuta typed as haa
    # The title has إعادة (alef with hamza below): typed with a bare alef and final haa.
    assert search_titles(get, "اعاده الاعمار") == derna


def test_latin_search_ignores_case_and_accents(get):
    assert search_titles(get, "HÁFTAR") == search_titles(get, "haftar") != []


def test_search_box_phrase_or_and_prefix(get):
    assert search_titles(get, '"arms embargo"')
    assert search_titles(get, '"embargo arms"') == []
    either = set(search_titles(get, "Haftar OR الكهرباء"))
    assert either == set(search_titles(get, "Haftar")) | set(search_titles(get, "الكهرباء"))
    assert set(search_titles(get, "Misr*")) >= set(search_titles(get, "Misrata")) != set()


@pytest.mark.parametrize("words", ['"', "OR", "*", "NOT", "a:b (c", "  "])
def test_search_box_never_errors_on_stray_syntax(get, words):
    response = get("/demo/articles.json", _search=words)
    assert response.status_code == 200, response.text


def test_a_blank_search_box_filters_nothing(get, demo_archive):
    response = get("/demo/articles.json", _search=" ", outlet="inewstoday", _shape="objects")
    expected = query(demo_archive, "SELECT count(*) FROM articles WHERE outlet = 'inewstoday'")
    assert len(response.json()["rows"]) == expected[0][0]


def test_search_result_streams_as_full_csv(get):
    response = get("/demo/articles.csv", _search="ليبيا OR Libya", _stream="on", _size="3")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    ids = [row["id"] for row in rows]
    assert len(ids) > 3 and len(set(ids)) == len(ids)


def test_fts_query_expands_arabic_words_and_quotes_everything_else():
    assert fts_query("Haftar's") == '"Haftar\'s"'
    assert fts_query('x AND "a b" OR') == '"x" AND "a b"'
    assert fts_query("x y OR z") == '"x" AND "y" OR "z"'
    arabic = fts_query("الكهرباء*")
    assert '"كهرباء"*' in arabic and '"بالكهرباء"*' in arabic and '"وكهرباء"*' in arabic
    assert fold("إِعادة أخرى") == "اعاده اخري"
    assert fts_query("") == '""'


def test_an_archive_indexed_before_folding_is_reindexed_on_upgrade(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m010_folded_search_index")
    old["outlets"].insert({"id": "o", "name": "O", "homepage": "h", "scope": "libya"})
    old["articles"].insert(
        {"url": "u", "outlet": "o", "title": "مدينة درنة", "text": "فيضانٌ في درنةَ"}
    )
    search = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert old.execute(search, ("درنه",)).fetchall() == []
    old.close()
    db = open_archive(path)
    assert db.execute(search, (fts_query("درنه"),)).fetchall() == [(1,)]
    assert db.execute(search, (fts_query("فيضان"),)).fetchall() == [(1,)]
    # Writes through any client keep the folded index in step (plain SQL, no function of ours).
    db.execute("UPDATE articles SET text = 'سِرْت' WHERE id = 1")
    assert db.execute(search, (fts_query("فيضان"),)).fetchall() == []
    assert db.execute(search, (fts_query("سرت"),)).fetchall() == [(1,)]
    db.execute("DELETE FROM articles WHERE id = 1")
    assert db.execute(search, (fts_query("درنه"),)).fetchall() == []
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


# Canned queries, charts, reader view -----------------------------------------------------------


def canned(get, name: str, **params) -> list[dict]:
    response = get(f"/demo/{name}.json", _shape="objects", **params)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def canned_queries() -> dict[str, dict]:
    return yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["archive"]["queries"]


# For each canned query: its parameters left empty, then filled as a researcher would.
CANNED_PARAMS = {
    "search": {"words": "Libya OR ليبيا", "outlet": "akhbar-barqa", "language": "ar"},
    "coverage": {"granularity": "week", "from": "2019-01-01", "to": "2030-12-31"},
    "top_bylines": {"outlet": "inewstoday", "from": "2015-01-01"},
    "top_bylines_per_outlet": {"top": "3", "to": "2030-12-31"},
    "recent_per_outlet": {"articles": "2", "language": "en"},
}


def await_params(spec: dict) -> bool:
    """Whether a canned query takes parameters (declared, or :named in its SQL)."""
    return bool(spec.get("params")) or bool(re.search(r"(?<!:):[a-z_]+", spec["sql"]))


@pytest.mark.parametrize("name", list(canned_queries()))
def test_every_canned_query_runs_on_the_demo_archive(get, name):
    spec = canned_queries()[name]
    declared = spec.get("params", [])
    assert set(CANNED_PARAMS.get(name, {})) <= set(declared)
    for params in ({}, CANNED_PARAMS.get(name, {})):
        response = get(f"/demo/{name}.json", _shape="objects", **params)
        assert response.status_code == 200, (params, response.text)
        data = response.json()
        assert data.get("ok", True) and not data.get("error"), data
        # Every query finds rows on the demo archive when given its parameters; a query
        # whose parameters are left empty may rightly find none (an empty search).
        if params or not await_params(spec):
            assert data["rows"], (name, params)
        page = get(f"/demo/{name}", **params)  # the HTML page with its form
        assert page.status_code == 200
        for param in declared:
            assert f'name="{param}"' in page.text


def test_search_query_takes_words_outlet_language_and_dates(get, demo_archive):
    rows = canned(get, "search", words="بالكهرباء")
    assert [row["outlet"] for row in rows] == ["akhbar-barqa"]
    assert "**كهرباء**" in rows[0]["snippet"] or "**الكهرباء**" in rows[0]["snippet"]
    page = get("/demo/search", words="Haftar")
    assert "<mark>Haftar</mark>" in page.text
    dated = canned(get, "search", words="Libya", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert dated and all("2024-01-01" <= row["published_date"] <= "2024-12-31" for row in dated)
    english = canned(get, "search", words="Libya OR ليبيا", language="en", outlet="inewstoday")
    assert english and {(r["language"], r["outlet"]) for r in english} == {("en", "inewstoday")}
    # French and Italian accents fold both ways: typed with or without them.
    assert canned(get, "search", words="HÁFTAR") == canned(get, "search", words="haftar") != []


def test_syndicated_query_finds_the_story_carried_by_two_outlets(get):
    rows = canned(get, "syndicated")
    berlin = [row for row in rows if row["title"].startswith("Berlin conference")]
    assert len(berlin) == 1 and berlin[0]["copies"] == 2
    assert "inewstoday" in berlin[0]["carried_by"] and "tripoli-tribune" in berlin[0]["carried_by"]


@pytest.mark.parametrize("granularity", ["day", "week", "month", ""])
def test_coverage_counts_every_article_per_outlet_and_period(get, demo_archive, granularity):
    total = query(demo_archive, "SELECT count(*) FROM articles WHERE published_date IS NOT NULL")
    rows = canned(get, "coverage", granularity=granularity)
    assert sum(row["articles"] for row in rows) == total[0][0]
    assert len({(row["period"], row["outlet"]) for row in rows}) == len(rows)
    length = {"day": 10, "week": 10}.get(granularity, 7)
    assert {len(row["period"]) for row in rows} == {length}
    if granularity == "week":  # a week is named by its Monday
        weekdays = query(
            demo_archive,
            "SELECT DISTINCT strftime('%w', value) FROM json_each(?)",
            (json.dumps([row["period"] for row in rows]),),
        )
        assert weekdays == [("1",)]
    ranged = canned(
        get, "coverage", granularity=granularity, outlet="inewstoday", **{"from": "2020-01-01"}
    )
    expected = query(
        demo_archive,
        "SELECT count(*) FROM articles WHERE outlet = 'inewstoday' "
        "AND published_date >= '2020-01-01'",
    )[0][0]
    assert sum(row["articles"] for row in ranged) == expected > 0
    assert {row["outlet"] for row in ranged} == {"inewstoday"}


def test_top_bylines_overall_and_per_outlet(get, demo_archive):
    overall = canned(get, "top_bylines")
    counts = [row["articles"] for row in overall]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    (expected,) = query(
        demo_archive,
        "SELECT count(*) FROM articles, json_each(articles.authors) AS a WHERE a.value = ?",
        (overall[0]["author"],),
    )[0]
    assert overall[0]["articles"] == expected
    one = canned(get, "top_bylines", outlet="inewstoday")
    assert one and all(row["outlets"] == "inewstoday" for row in one)
    assert any(row["author"] == "Cheryl Sanders" for row in one)
    ranked = canned(get, "top_bylines_per_outlet", top="2")
    by_outlet: dict[str, list[int]] = {}
    for row in ranked:
        by_outlet.setdefault(row["outlet"], []).append(row["rank"])
    assert len(by_outlet) >= 2 and all(
        ranks == [1, 2][: len(ranks)] for ranks in by_outlet.values()
    )


def test_recent_per_outlet_gives_each_outlet_its_newest(get, demo_archive):
    rows = canned(get, "recent_per_outlet", articles="3")
    outlets = {row["outlet"] for row in rows}
    assert outlets == {
        row[0] for row in query(demo_archive, "SELECT DISTINCT outlet FROM articles")
    }
    for outlet in outlets:
        mine = [row["published_date"] for row in rows if row["outlet"] == outlet]
        newest = query(
            demo_archive,
            "SELECT published_date FROM articles WHERE outlet = ? AND published_date IS NOT NULL "
            "ORDER BY published_date DESC, id DESC LIMIT 3",
            (outlet,),
        )
        assert mine == [row[0] for row in newest]


def test_outlet_health_counts_every_article(get, demo_archive):
    total = query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    health = canned(get, "outlet_health")
    assert sum(row["articles"] for row in health) == total
    assert all(row["last_crawl"] for row in health)


def dashboard_charts() -> list[tuple[str, str]]:
    dashboards = yaml.safe_load(METADATA.read_text("utf-8"))["plugins"]["datasette-dashboards"]
    return [(slug, chart) for slug, d in dashboards.items() for chart in d["charts"]]


def dashboard(archive, slug: str) -> dict:
    """A dashboard's configuration as `serve` gives it to the plugin."""
    return metadata_for(archive)["plugins"]["datasette-dashboards"][slug]


@pytest.mark.parametrize(("slug", "chart"), dashboard_charts())
def test_every_chart_query_runs_with_and_without_filters(get, demo_archive, slug, chart):
    page = get(f"/-/dashboards/{slug}")
    assert page.status_code == 200
    assert f'id="chart-{chart}"' in page.text
    spec = dashboard(demo_archive, slug)
    assert spec["charts"][chart]["db"] == "demo"
    filters = {"q": "ليبيا OR Libya", "outlet": "akhbar-barqa", "language": "ar"}
    filters.update(since="2019-01-01", until="2030-01-01")
    for params in ({}, {k: v for k, v in filters.items() if k in spec.get("filters", {})}):
        sql = spec["charts"][chart]["query"]
        # What the plugin does: keep a [[ ... ]] part when its parameter is given.
        response = get("/demo.json", sql=replace_opts_in_query(sql, params), **params)
        assert response.status_code == 200, (params, response.text)
        assert "error" not in response.json() or not response.json()["error"]


def test_coverage_metric_follows_the_filters(get, demo_archive):
    spec = dashboard(demo_archive, "coverage")

    def total(**params):
        sql = replace_opts_in_query(spec["charts"]["total"]["query"], params)
        return get("/demo.json", sql=sql, _shape="array", **params).json()[0]["articles"]

    assert total() == query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    assert (
        total(language="ar")
        == query(demo_archive, "SELECT count(*) FROM articles WHERE language = 'ar'")[0][0]
    )
    assert total(q="الكهرباء", language="ar") == 1


def test_article_page_reads_as_an_article_right_to_left_for_arabic(get, demo_archive):
    (article_id,) = query(demo_archive, "SELECT id FROM articles WHERE title LIKE '%الكهرباء%'")[0]
    page = get(f"/demo/articles/{article_id}")
    assert page.status_code == 200
    assert '<article class="reader" lang="ar" dir="rtl">' in page.text
    assert page.text.count("<p>") >= 3  # one per paragraph of the text
    assert "original page" in page.text


def test_article_page_lists_the_same_text_in_other_outlets(get, demo_archive):
    rows = query(
        demo_archive,
        "SELECT id, outlet FROM articles WHERE title LIKE 'Berlin conference%' ORDER BY id",
    )
    assert len(rows) == 2
    page = get(f"/demo/articles/{rows[0][0]}")
    assert "The same text elsewhere in the archive" in page.text
    assert f'/demo/articles/{rows[1][0]}"' in page.text


def test_serve_command_loads_the_plugins_and_templates(tmp_path):
    with datasette_command(tmp_path / "my-archive.db", "127.0.0.1", 8001) as command:
        assert "--plugins-dir" in command and "--template-dir" in command
        metadata = json.loads(Path(command[command.index("--metadata") + 1]).read_text())
    assert "my-archive" in metadata["databases"]
    charts = metadata["plugins"]["datasette-dashboards"]["coverage"]["charts"]
    assert {chart["db"] for chart in charts.values()} == {"my-archive"}
