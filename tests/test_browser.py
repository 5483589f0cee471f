"""What a researcher sees: `libya-archive serve` on the demo archive, in headless Chromium.

Playwright drives Debian's Chromium (/usr/bin/chromium); .ci/run installs both. Without
the browser the tests skip, except under CI (CI set), where a missing browser fails.
A screenshot of every step lands in tests/screenshots/ (or the folder named by the
SCREENSHOTS environment variable), numbered in the order a researcher takes the steps, for a
person to look at: search results in English and Arabic, articles as paragraphs, the drawn
coverage charts, a filtered view before its CSV download.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from libya_archive.search import fts_query
from tests.conftest import PROJECT_DIR, query
from tests.test_datasette import free_port, wait_for

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (we run as root in CI), and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS") or PROJECT_DIR / "tests" / "screenshots")

pytestmark = [pytest.mark.crawl, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(demo_archive):
    """`libya-archive serve` on the demo archive; yields its base URL."""
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
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/-/versions.json")
            yield base
        finally:
            server.terminate()


@pytest.fixture
def page(browser):
    """A fresh page that records JavaScript errors and any request leaving 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.outside = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else page.outside.append(request.url)
        ),
    )
    yield page
    context.close()


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def fts_ids(archive, words: str) -> set[int]:
    """The articles the archive's own index finds for `words`, straight from SQLite."""
    sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    return {row[0] for row in query(archive, sql, (fts_query(words),))}


def search_from_the_box(page, site, words: str) -> list[str]:
    """Type `words` in the articles table's search box; the ids of the rows shown."""
    page.goto(f"{site}/demo/articles")
    page.fill('input[name="_search"]', words)
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=**")
    return page.locator("td.col-id").all_inner_texts()


def test_01_search_an_english_word_from_the_table_page(page, site, demo_archive):
    page.goto(f"{site}/demo/articles")
    assert page.locator("table.rows-and-columns tbody tr").count() > 10
    ids = search_from_the_box(page, site, "Haftar")
    expected = fts_ids(demo_archive, "Haftar")
    assert len(expected) >= 2 and {int(i) for i in ids} == expected
    titles = page.locator("td.col-title").all_inner_texts()
    assert "Turkey warns Haftar's forces against attacks on interests in Libya" in titles
    assert f"{len(expected)} row" in page.locator("h3").first.inner_text()
    shoot(page, "01-search-english-haftar")
    assert page.errors == [] and page.outside == []


def test_02_search_an_arabic_word_with_harakat_from_the_table_page(page, site, demo_archive):
    page.goto(f"{site}/demo/articles")
    # Arabic cells are laid out right to left inside the left-to-right table.
    arabic_cell = page.locator("td.col-title", has_text="الكهرباء")
    assert arabic_cell.evaluate("cell => getComputedStyle(cell).unicodeBidi") == "plaintext"
    search_from_the_box(page, site, "الكَهْرَباءِ")  # with harakat
    titles = page.locator("td.col-title").all_inner_texts()
    assert len(titles) == 1 and "الكهرباء" in titles[0]
    shoot(page, "02-search-arabic-electricity")
    ids = search_from_the_box(page, site, "ليبيا")
    assert len(ids) >= 3 and {int(i) for i in ids} == fts_ids(demo_archive, "ليبيا")
    shoot(page, "03-search-arabic-libya")
    assert page.errors == [] and page.outside == []


def test_04_canned_search_marks_the_matching_passage(page, site):
    page.goto(f"{site}/demo/search")
    for name in ("words", "outlet", "language", "from", "to"):
        assert page.locator(f'input[name="{name}"]').count() == 1
    page.fill('input[name="words"]', "بالكهرباء")
    page.click('input[type="submit"]')
    page.wait_for_url("**words=**")
    marks = page.locator("td.col-snippet mark").all_inner_texts()
    assert marks and all("كهرباء" in mark for mark in marks)
    shoot(page, "04-canned-search-arabic")
    page.fill('input[name="words"]', "Haftar")
    page.fill('input[name="language"]', "en")
    page.click('input[type="submit"]')
    page.wait_for_url("**words=Haftar**")
    marks = page.locator("td.col-snippet mark").all_inner_texts()
    assert marks and {mark.lower() for mark in marks} == {"haftar"}
    shoot(page, "05-canned-search-english")
    assert page.errors == [] and page.outside == []


def paragraphs_of(archive, article_id: int) -> list[str]:
    (text,) = query(archive, "SELECT text FROM articles WHERE id = ?", (article_id,))[0]
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def test_06_an_english_article_reads_as_paragraphs(page, site, demo_archive):
    (article_id,) = query(
        demo_archive, "SELECT id FROM articles WHERE title LIKE 'Turkey warns Haftar%'"
    )[0]
    page.goto(f"{site}/demo/articles/{article_id}")
    reader = page.locator("article.reader")
    assert reader.locator("h2").inner_text().startswith("Turkey warns Haftar")
    meta = reader.locator(".reader-meta").inner_text()
    assert "Cheryl Sanders" in meta and "inewstoday" in meta
    assert reader.locator('a:has-text("original page")').get_attribute("href").startswith("http")
    shown = [p.strip() for p in reader.locator(".reader-text p").all_inner_texts()]
    assert shown == paragraphs_of(demo_archive, article_id) and len(shown) >= 3
    shoot(page, "06-article-english")
    assert page.errors == [] and page.outside == []


def test_07_an_arabic_article_reads_right_to_left(page, site, demo_archive):
    (article_id,) = query(demo_archive, "SELECT id FROM articles WHERE title LIKE '%درنة%'")[0]
    page.goto(f"{site}/demo/articles/{article_id}")
    reader = page.locator("article.reader")
    assert reader.get_attribute("dir") == "rtl"
    assert reader.evaluate("node => getComputedStyle(node).direction") == "rtl"
    shown = [p.strip() for p in reader.locator(".reader-text p").all_inner_texts()]
    assert shown == paragraphs_of(demo_archive, article_id) and len(shown) >= 3
    shoot(page, "07-article-arabic")
    assert page.errors == [] and page.outside == []


# The marks vega-embed drew in a chart's SVG (bars, cells, lines, points), by kind.
MARKS = """chart => {
  const drawn = {};
  for (const group of chart.querySelectorAll("g.role-mark")) {
    const kind = [...group.classList].find(c => c.startsWith("mark-")).slice(5);
    const shapes = [...group.querySelectorAll("path")]
      .filter(p => (p.getAttribute("d") || "").length > 4);
    drawn[kind] = (drawn[kind] || 0) + shapes.length;
  }
  return drawn;
}"""


# How far apart a map's dots are, beside the size of its outline (pixels across).
SPREAD = """chart => {
  const box = sel => [...chart.querySelectorAll(sel)].map(p => p.getBoundingClientRect());
  const dots = box("g.mark-symbol path"), shape = box("g.mark-shape path")[0];
  const xs = dots.map(b => b.x);
  return {dots: Math.max(...xs) - Math.min(...xs), shape: shape.width};
}"""


def test_08_coverage_dashboard_draws_its_charts_offline(page, site, demo_archive):
    outlets = query(demo_archive, "SELECT count(DISTINCT outlet) FROM articles")[0][0]
    page.goto(f"{site}/-/dashboards/coverage")
    charts = ("per-month-outlet", "per-month", "outlet-year", "per-outlet", "per-language", "terms")
    for chart in charts:
        page.wait_for_selector(f"#chart-{chart} g.role-mark", state="attached", timeout=15_000)
    # Coverage over time per outlet: one line per outlet, a point per month it published in.
    over_time = page.locator("#chart-per-month-outlet").evaluate(MARKS)
    months = query(
        demo_archive,
        "SELECT count(DISTINCT outlet || substr(published_date, 1, 7)) FROM articles "
        "WHERE published_date IS NOT NULL",
    )[0][0]
    assert over_time == {"line": outlets, "symbol": months}
    assert page.locator("#chart-per-outlet").evaluate(MARKS) == {"rect": outlets}
    for chart in ("per-month", "outlet-year", "per-language", "terms"):
        assert page.locator(f"#chart-{chart}").evaluate(MARKS).get("rect", 0) > 0, chart
    total = page.locator("#chart-total p").inner_text(timeout=15_000)
    assert int(total) == query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    shoot(page, "08-coverage-chart")
    page.select_option("select#language", "ar")
    page.click('input[type="submit"][value="Apply"]')
    page.wait_for_url("**language=ar**")
    page.wait_for_selector("#chart-per-month-outlet g.role-mark", state="attached", timeout=15_000)
    arabic_total = int(page.locator("#chart-total p").inner_text(timeout=15_000))
    assert 0 < arabic_total < int(total)
    assert page.locator("#chart-per-month-outlet").evaluate(MARKS)["line"] == 1
    shoot(page, "09-coverage-chart-arabic")
    # Every script and stylesheet comes from our own server: the charts work with no internet.
    assert page.errors == [] and page.outside == []


def test_10_csv_download_of_a_filtered_view_has_every_row(page, site, demo_archive):
    """Filter by clicks (a facet, then a search), five rows a page; the CSV link and the
    Excel link download every matching row, not the page shown."""
    page.goto(f"{site}/demo/articles?_size=5")
    page.locator('.facet-info[data-column="outlet"] a', has_text="inewstoday").first.click()
    page.wait_for_url("**outlet=inewstoday**")
    page.fill('input[name="_search"]', "Libya OR Tripoli")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=**")
    assert page.locator("table.rows-and-columns tbody tr").count() == 5
    shoot(page, "10-filtered-view")
    expected = {
        row[0] for row in query(demo_archive, "SELECT id FROM articles WHERE outlet = 'inewstoday'")
    } & fts_ids(demo_archive, "Libya OR Tripoli")
    assert len(expected) > 5
    with page.expect_download() as download:
        page.click("a.csv-excel")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [int(row["id"]) for row in rows] and {int(row["id"]) for row in rows} == expected
    assert len(rows) == len(expected) and {row["outlet"] for row in rows} == {"inewstoday"}
    # The plain CSV link: the same rows, no byte order mark.
    href = page.locator("p.export-links a", has_text="CSV").first.get_attribute("href")
    plain = page.request.get(f"{site}{href}" if href.startswith("/") else href).text()
    assert not plain.startswith("\ufeff")
    assert {int(row["id"]) for row in csv.DictReader(io.StringIO(plain))} == expected
    assert page.errors == [] and page.outside == []


def test_11_csv_download_of_arabic_rows_keeps_the_arabic(page, site, demo_archive):
    page.goto(f"{site}/demo/articles?language=ar&_size=3")
    with page.expect_download() as download:
        page.click("a.csv-excel")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    expected = query(demo_archive, "SELECT title FROM articles WHERE language = 'ar'")
    assert sorted(row["title"] for row in rows) == sorted(title for (title,) in expected)
    shoot(page, "11-arabic-view")


def test_12_an_entity_typed_in_english_finds_the_articles_that_say_it_in_arabic(
    page, site, demo_archive
):
    expected = query(
        demo_archive,
        "SELECT a.id, a.language FROM article_entities ae JOIN articles a ON a.id = ae.article_id"
        " WHERE ae.entity_id = 'derna'",
    )
    assert {language for _, language in expected} >= {"ar", "en"}
    page.goto(f"{site}/demo/entity_search")
    page.fill('input[name="entity"]', "Derna")
    page.click('input[type="submit"]')
    page.wait_for_url("**entity=Derna**")
    shown = {int(i) for i in page.locator("td.col-id").all_inner_texts()}
    assert shown == {article for article, _ in expected}
    assert "درنة" in page.locator("table.rows-and-columns").inner_text()
    shoot(page, "12-entity-search-derna")
    # The articles table's filter takes the name too: "entities array contains Darnah".
    page.goto(f"{site}/demo/articles?entities__arraycontains=Darnah")
    filtered = {int(i) for i in page.locator("td.col-id").all_inner_texts()}
    assert filtered == shown
    assert page.errors == [] and page.outside == []


def test_13_entities_dashboard_compares_two_and_maps_the_places_offline(page, site, demo_archive):
    page.goto(f"{site}/-/dashboards/entities?entity=Haftar&other=درنة")
    for chart in ("per-month", "per-year-language", "named-together", "map"):
        page.wait_for_selector(f"#chart-{chart} g.role-mark", state="attached", timeout=15_000)
    lines = page.locator("#chart-per-month").evaluate(MARKS)
    assert lines.get("line") == 2  # one line per entity
    # The map: the Libya outline (one shape) and a dot per place the selected articles name.
    page.goto(f"{site}/-/dashboards/entities")
    page.wait_for_selector("#chart-map g.role-mark", state="attached", timeout=15_000)
    places = query(
        demo_archive,
        "SELECT count(DISTINCT ae.entity_id) FROM article_entities ae "
        "JOIN entities e ON e.id = ae.entity_id WHERE e.kind = 'place'",
    )[0][0]
    assert places >= 5
    assert page.locator("#chart-map").evaluate(MARKS) == {"shape": 1, "symbol": places}
    # The outline is Libya, not the globe around it: the dots spread across it.
    spread = page.locator("#chart-map").evaluate(SPREAD)
    assert spread["dots"] > 100 and spread["dots"] > spread["shape"] / 3, spread
    shoot(page, "13-entities-map")
    assert page.errors == [] and page.outside == []
