"""outlets.yml: every mistake gets one clear error naming the file, the outlet and the field,
and nothing is crawled with a broken registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from libya_archive.demo_site import DEMO_DIR
from scrapers.registry import (
    DEFAULT_NEXT_SELECTOR,
    RegistryError,
    load_outlets,
    select_outlets,
)
from tests.conftest import PROJECT_DIR, run_cli

GOOD = """\
outlets:
  - id: tripoli-tribune
    name: The Tripoli Tribune
    homepage: https://tribune.example/
    language: en
    scope: libya
    sitemaps: [https://tribune.example/sitemap_index.xml]
    listings:
      - url: https://tribune.example/news/
        max_pages: 3
    article_patterns: ['^/news/[\\w-]+\\.html$']
    exclude_patterns: ['/tag/']
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outlets.yml"
    path.write_text(text, "utf-8")
    return path


def test_a_good_registry_loads_with_its_entry_points(tmp_path):
    (outlet,) = load_outlets(write(tmp_path, GOOD))
    assert outlet.id == "tripoli-tribune"
    assert outlet.listings[0].max_pages == 3
    assert outlet.is_article_url("https://tribune.example/news/oil-output-rises.html")
    assert outlet.is_article_url("https://www.tribune.example/news/oil-output-rises.html")
    assert not outlet.is_article_url("https://tribune.example/news/tag/oil.html")
    assert not outlet.is_article_url("https://elsewhere.example/news/oil-output-rises.html")


@pytest.mark.parametrize(
    ("change", "outlet", "field", "words"),
    [
        (("scope: libya", "scope: everything"), "tripoli-tribune", "scope", "not one of"),
        (("language: en", "language: English"), "tripoli-tribune", "language", "does not match"),
        (
            ("homepage: https://tribune.example/", "homepage: tribune"),
            "tripoli-tribune",
            "homepage",
            "not an http(s) URL",
        ),
        (("max_pages: 3", "max_pages: many"), "tripoli-tribune", "listings", "max_pages"),
        (
            ("['^/news/[\\w-]+\\.html$']", "['(unclosed']"),
            "tripoli-tribune",
            "article_patterns",
            "not a valid regular expression",
        ),
        (("    name: The Tripoli Tribune\n", ""), "tripoli-tribune", "name", "missing"),
        (
            ("    scope: libya\n", "    scope: libya\n    colour: blue\n"),
            "tripoli-tribune",
            "colour",
            "unknown field",
        ),
        (("id: tripoli-tribune", "id: Tripoli Tribune"), "Tripoli Tribune", "id", "does not match"),
    ],
)
def test_each_mistake_names_file_outlet_and_field(tmp_path, change, outlet, field, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RegistryError) as error:
        load_outlets(path)
    message = str(error.value)
    assert str(path) in message
    assert f"outlet '{outlet}'" in message
    assert f"field '{field}'" in message
    assert words in message


def test_an_outlet_without_entry_points_is_refused(tmp_path):
    text = GOOD.replace("    sitemaps: [https://tribune.example/sitemap_index.xml]\n", "")
    text = text.replace(
        "    listings:\n      - url: https://tribune.example/news/\n        max_pages: 3\n", ""
    )
    with pytest.raises(RegistryError, match="no entry point"):
        load_outlets(write(tmp_path, text))


ARCHIVES = """\
    archives:
      - https://tribune.example/{yyyy}/{mm}/page/{page}/
      - url: https://tribune.example/archive/{yyyy}-{m}-{d}
        max_pages: 20
"""


def test_archives_load_as_templates_with_their_paging(tmp_path):
    (outlet,) = load_outlets(write(tmp_path, GOOD + ARCHIVES))
    by_page, by_day = outlet.archives
    assert by_page.url == "https://tribune.example/{yyyy}/{mm}/page/{page}/"
    assert (by_page.max_pages, by_page.next) == (500, None)  # the next page is {page} + 1
    assert by_day.max_pages == 20
    assert by_day.next == DEFAULT_NEXT_SELECTOR  # no {page}: the rel=next link


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("https://tribune.example/{year}/{mm}/", "unknown placeholder {year}"),
        ("https://tribune.example/archive/", "has no placeholder"),
        ("tribune.example/{yyyy}/", "not an http(s) URL template"),
    ],
)
def test_a_broken_archive_template_names_file_outlet_and_field(tmp_path, template, words):
    path = write(tmp_path, GOOD + f"    archives: ['{template}']\n")
    with pytest.raises(RegistryError) as error:
        load_outlets(path)
    message = str(error.value)
    assert f"{path}: outlet 'tripoli-tribune': field 'archives'" in message
    assert words in message


def test_an_outlet_with_archives_only_has_an_entry_point(tmp_path):
    text = GOOD.replace("    sitemaps: [https://tribune.example/sitemap_index.xml]\n", "")
    text = text.replace(
        "    listings:\n      - url: https://tribune.example/news/\n        max_pages: 3\n",
        "    archives: ['https://tribune.example/{yyyy}/{mm}/']\n",
    )
    (outlet,) = load_outlets(write(tmp_path, text))
    assert (outlet.feeds, outlet.sitemaps, outlet.listings) == ((), (), ())


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(RegistryError, match=r"outlets.yml: line \d+: not valid YAML"):
        load_outlets(write(tmp_path, GOOD + "  - id: [unclosed\n"))


def test_unknown_outlet_id_is_refused(tmp_path):
    outlets = load_outlets(write(tmp_path, GOOD))
    with pytest.raises(RegistryError, match="unknown outlet id.*nowhere.*known: tripoli-tribune"):
        select_outlets(outlets, ["nowhere"])


@pytest.mark.crawl
def test_crawl_with_a_broken_registry_exits_non_zero_and_crawls_nothing(tmp_path):
    registry = write(tmp_path, GOOD.replace("scope: libya", "scope: everything"))
    db = tmp_path / "archive.db"
    result = run_cli("crawl", "--outlets", str(registry), "--db", str(db), timeout=60)
    assert result.returncode == 2
    assert "field 'scope'" in result.stderr
    assert "Nothing was fetched, read or written" in result.stderr
    assert not db.exists()


def test_the_shipped_registries_are_valid():
    assert load_outlets(PROJECT_DIR / "outlets.yml")
    assert load_outlets(DEMO_DIR / "outlets.yml")
