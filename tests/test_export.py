"""`libya-archive export` writes every article, CSV or JSON Lines, Arabic intact."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from libya_archive.export import COLUMNS
from tests.conftest import PROJECT_DIR, query, run_cli


def test_csv_export_has_every_article_newest_first(demo_archive, tmp_path):
    out = tmp_path / "articles.csv"
    result = run_cli("export", "--db", str(demo_archive), "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    assert f"{total} articles written" in result.stderr
    assert len(rows) == total
    assert tuple(rows[0]) == COLUMNS
    dates = [row["published_date"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    arabic = [row for row in rows if row["outlet"] == "akhbar-barqa"]
    assert any("الكهرباء" in row["title"] for row in arabic)
    assert all("\n\n" in row["text"] for row in rows)  # paragraphs survive CSV quoting


def test_jsonl_export_to_stdout_is_one_object_per_article(demo_archive):
    result = run_cli("export", "--db", str(demo_archive), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    seed = [r for r in records if r["byline"] == "Cheryl Sanders" and "Turkey" in r["title"]]
    assert seed and seed[0]["authors"] == ["Cheryl Sanders"]
    assert all(isinstance(r["libya_terms"], list) for r in records)


def test_export_of_a_missing_archive_fails_clearly(tmp_path):
    result = run_cli("export", "--db", str(tmp_path / "none.db"), timeout=60)
    assert result.returncode == 3
    assert "no archive here" in result.stderr


def export_jsonl(demo_archive, *args: str) -> list[dict]:
    result = run_cli("export", "--db", str(demo_archive), "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_filters_by_outlet_language_and_dates(demo_archive):
    records = export_jsonl(
        demo_archive,
        "--outlet",
        "tripoli-tribune",
        "--since",
        "2021-01-01",
        "--until",
        "2022-12-31",
    )
    expected = query(
        demo_archive,
        "SELECT count(*) FROM articles WHERE outlet = 'tripoli-tribune' "
        "AND published_date BETWEEN '2021-01-01' AND '2022-12-31'",
    )[0][0]
    assert len(records) == expected > 0
    assert all("2021-01-01" <= r["published_date"] <= "2022-12-31" for r in records)
    both = export_jsonl(demo_archive, "--language", "ar", "--language", "en")
    arabic = export_jsonl(demo_archive, "--language", "ar")
    assert len(both) == query(demo_archive, "SELECT count(*) FROM articles")[0][0]
    assert arabic and {r["outlet"] for r in arabic} == {"akhbar-barqa"}


def test_export_search_folds_arabic_like_the_search_box(demo_archive):
    # Typed with harakat, a preposition and the article attached: still the one article.
    records = export_jsonl(demo_archive, "--search", "بِالكَهْرَباءِ")
    assert [r["outlet"] for r in records] == ["akhbar-barqa"]
    assert "الكهرباء" in records[0]["title"]
    haftar = export_jsonl(demo_archive, "--search", "Haftar", "--outlet", "inewstoday")
    assert haftar and all(r["outlet"] == "inewstoday" for r in haftar)


def test_export_with_a_bad_date_names_the_option(demo_archive):
    result = run_cli("export", "--db", str(demo_archive), "--since", "20-01-2024", timeout=60)
    assert result.returncode == 2
    assert "--since" in result.stderr


def test_csv_with_bom_opens_in_excel_with_arabic_intact(demo_archive, tmp_path):
    out = tmp_path / "excel.csv"
    args = ("export", "--db", str(demo_archive), "--language", "ar", "--bom")
    result = run_cli(*args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert b"\r\n" in data  # spreadsheet line ends between records
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines(keepends=True)))
    expected = query(demo_archive, "SELECT title FROM articles WHERE language = 'ar'")
    assert sorted(row["title"] for row in rows) == sorted(title for (title,) in expected)
    assert tuple(rows[0]) == COLUMNS  # the BOM is not glued to the first column's name
    # The same bytes on standard output, and nothing but the data on a pipe.
    piped = subprocess_bytes(*args)
    assert piped.stdout == data and piped.stderr == b""


def test_export_to_a_pipe_writes_nothing_but_data(demo_archive):
    result = run_cli("export", "--db", str(demo_archive), "--format", "csv")
    assert result.returncode == 0 and result.stderr == ""
    assert not result.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(result.stdout.splitlines(keepends=True)))
    assert len(rows) == query(demo_archive, "SELECT count(*) FROM articles")[0][0]


def test_bom_is_refused_for_json_lines(demo_archive):
    result = run_cli("export", "--db", str(demo_archive), "--format", "jsonl", "--bom")
    assert result.returncode == 2 and "--bom is for CSV only" in result.stderr


def subprocess_bytes(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", "LANG": "C"}
    return subprocess.run(
        [sys.executable, "-m", "libya_archive", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        timeout=120,
        env=env,
    )
