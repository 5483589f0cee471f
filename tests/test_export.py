"""`libya-archive export` writes every article, CSV or JSON Lines, Arabic intact."""

from __future__ import annotations

import csv
import json

import pytest

from libya_archive.export import COLUMNS
from tests.conftest import query, run_cli

pytestmark = pytest.mark.crawl


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
