"""What a researcher sees: `libya-archive serve` on the demo archive, in headless Chromium.

Playwright drives Debian's Chromium (/usr/bin/chromium); .ci/run installs both. Without
the browser the tests skip, except under CI (CI set), where a missing browser fails.
Screenshots land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
SCREENSHOTS = PROJECT_DIR / "tests" / "screenshots"

pytestmark = pytest.mark.crawl


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


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_articles_table_searching_an_arabic_word_with_harakat(page, site, demo_archive):
    page.goto(f"{site}/demo/articles")
    assert page.locator("table.rows-and-columns tbody tr").count() > 10
    # Arabic cells are laid out right to left inside the left-to-right table.
    arabic_cell = page.locator("td.col-title", has_text="الكهرباء")
    assert arabic_cell.evaluate("cell => getComputedStyle(cell).unicodeBidi") == "plaintext"
    shoot(page, "articles-table")
    page.fill('input[name="_search"]', "الكَهْرَباءِ")  # with harakat
    page.press('input[name="_search"]', "Enter")
    page.wait_for_load_state()
    titles = page.locator("td.col-title").all_inner_texts()
    assert len(titles) == 1 and "الكهرباء" in titles[0]
    shoot(page, "articles-search-arabic")
    assert page.errors == [] and page.outside == []


def test_an_arabic_article_reads_right_to_left(page, site, demo_archive):
    (article_id,) = query(demo_archive, "SELECT id FROM articles WHERE title LIKE '%درنة%'")[0]
    page.goto(f"{site}/demo/articles/{article_id}")
    reader = page.locator("article.reader")
    assert reader.get_attribute("dir") == "rtl"
    assert reader.evaluate("node => getComputedStyle(node).direction") == "rtl"
    assert reader.locator(".reader-text p").count() >= 3
    shoot(page, "article-arabic")
    assert page.errors == [] and page.outside == []


def test_coverage_dashboard_draws_its_charts_offline(page, site):
    page.goto(f"{site}/-/dashboards/coverage")
    # vega-embed draws each chart into a <canvas> (or <svg>) inside its card.
    for chart in ("per-month", "outlet-year", "per-outlet", "per-language", "terms"):
        page.wait_for_selector(f"#chart-{chart} canvas, #chart-{chart} svg", timeout=15_000)
    total = page.locator("#chart-total p").inner_text(timeout=15_000)
    assert int(total) > 20
    shoot(page, "dashboard-coverage")
    page.select_option("select#language", "ar")
    page.click('input[type="submit"][value="Apply"]')
    page.wait_for_url("**language=ar**")
    page.wait_for_selector("#chart-per-month canvas, #chart-per-month svg", timeout=15_000)
    arabic_total = int(page.locator("#chart-total p").inner_text(timeout=15_000))
    assert 0 < arabic_total < int(total)
    shoot(page, "dashboard-coverage-arabic")
    # Every script and stylesheet comes from our own server: the charts work with no internet.
    assert page.errors == [] and page.outside == []


def test_canned_search_marks_the_matching_passage(page, site):
    page.goto(f"{site}/demo/search")
    page.fill('input[name="q"]', "بالكهرباء")
    page.click('input[type="submit"]')
    page.wait_for_load_state()
    marks = page.locator("td.col-snippet mark").all_inner_texts()
    assert marks and all("كهرباء" in mark for mark in marks)
    shoot(page, "canned-search")
    assert page.errors == [] and page.outside == []
