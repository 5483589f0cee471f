"""Datasette's real app serves the crawled demo archive with metadata.yml applied."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from datasette.app import Datasette

from libya_archive.serve import SETTINGS, metadata_for
from tests.conftest import PROJECT_DIR, query

pytestmark = pytest.mark.crawl


@pytest.fixture
def get(demo_archive):
    """GET a path from Datasette's real app, in process (datasette.client)."""
    datasette = Datasette(
        [str(demo_archive)], metadata=metadata_for(demo_archive), settings=SETTINGS
    )
    return lambda path: asyncio.run(datasette.client.get(path))


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
