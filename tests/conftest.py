"""Shared fixtures: the demo site served on 127.0.0.1 and crawled by the real crawler.

Crawls run `python -m libya_archive crawl` in a subprocess, as a researcher would: Scrapy's
reactor cannot restart inside one test process, and the subprocess also proves the CLI.

Markers sort the tests for `make test-fast` (which leaves out `crawl`, `browser` and
`install`): a test that uses a crawled fixture is marked `crawl` here, and a crawl started
from a test not marked so fails, so the fast target cannot start one by mistake.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from libya_archive.demo_site import DEMO_DIR, SiteServer

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The demo's article sources and site builder (what it serves ships in libya_archive/demo).
DEMO_SOURCES = PROJECT_DIR / "demo"
CRAWL_TIMEOUT = 300  # seconds; the demo crawl takes a few


# Fixtures whose setup crawls a site: every test that uses one is a crawl test.
CRAWLING_FIXTURES = {"demo_archive", "variants_site"}
# Commands that run the Scrapy engine (`outlets` with --check does too, and `backfill` with
# --source site or both).
CRAWLING_COMMANDS = {"crawl", "demo"}
_current_test: pytest.Item | None = None


def pytest_collection_modifyitems(items):
    for item in items:
        if CRAWLING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.crawl)


@pytest.fixture(autouse=True)
def _record_current_test(request):
    global _current_test
    _current_test = request.node
    yield
    _current_test = None


def _allow(args: tuple[str, ...]) -> None:
    """Fail a crawl started by a test that is not marked `crawl` (see the module docstring)."""
    command = args[:1]
    crawling = (
        bool(CRAWLING_COMMANDS & set(command))
        or (command == ("outlets",) and "--check" in args)
        or (command == ("backfill",) and _backfills_the_site(args))
    )
    if crawling and _current_test is not None and not _current_test.get_closest_marker("crawl"):
        pytest.fail(f"{_current_test.nodeid} runs a crawl: mark it `crawl`")


def _backfills_the_site(args: tuple[str, ...]) -> bool:
    """`backfill --source site` (or `both`) crawls the outlet's own archives with Scrapy;
    the Wayback backfill does not."""
    return any(
        arg == "--source" and value in ("site", "both")
        for arg, value in zip(args, args[1:], strict=False)
    ) or any(arg in ("--source=site", "--source=both") for arg in args)


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `libya-archive` subprocess, with `extra` variables set."""
    return {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", **extra}


def run_cli(
    *args: str, timeout: float = CRAWL_TIMEOUT, env: dict | None = None, preexec_fn=None
) -> subprocess.CompletedProcess:
    """Run `libya-archive ARGS` in a subprocess from the project directory."""
    _allow(args)
    return subprocess.run(
        [sys.executable, "-m", "libya_archive", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or cli_env(),
        preexec_fn=preexec_fn,
    )


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    """Start `libya-archive ARGS` in its own process group (to kill it with its workers)."""
    _allow(args)
    return subprocess.Popen(
        [sys.executable, "-m", "libya_archive", *args],
        cwd=PROJECT_DIR,
        env=env or cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def crawl(registry: Path, db: Path, *extra: str, expect: int = 0) -> subprocess.CompletedProcess:
    """`libya-archive crawl` of `registry` into `db`, which must exit with `expect`."""
    result = run_cli("crawl", "--outlets", str(registry), "--db", str(db), *extra)
    assert result.returncode == expect, result.stderr
    return result


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def copy_archive(source: Path, target: Path) -> None:
    """Copy an archive with SQLite's backup API, which includes what is still in its WAL."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture(scope="session")
def demo_site():
    """The demo site on a free port of 127.0.0.1, for the whole test session."""
    with SiteServer(DEMO_DIR / "site") as server:
        yield server


@pytest.fixture(scope="session")
def demo_registry(demo_site, tmp_path_factory) -> Path:
    """demo/outlets.yml pointed at the running demo site."""
    path = tmp_path_factory.mktemp("registry") / "outlets.yml"
    path.write_text(demo_site.rewrite((DEMO_DIR / "outlets.yml").read_text("utf-8")), "utf-8")
    return path


@pytest.fixture(scope="session")
def demo_archive(demo_registry, tmp_path_factory) -> Path:
    """An archive built by one real crawl of the demo site (shared, treat as read-only)."""
    db = tmp_path_factory.mktemp("archive") / "demo.db"
    crawl(demo_registry, db)
    return db


@pytest.fixture(scope="session")
def variants_site(tmp_path_factory):
    """The site of URL variants (tests/variants_site.py), crawled once: (paths, archive)."""
    from tests.variants_site import crawled_variants_site

    with crawled_variants_site(tmp_path_factory.mktemp("variants")) as crawled:
        yield crawled


@pytest.fixture(scope="session")
def demo_content() -> dict[str, list[dict]]:
    """The demo's article sources, per outlet: what the archive should hold."""
    return {
        path.stem: yaml.safe_load(path.read_text("utf-8"))["articles"]
        for path in sorted((DEMO_SOURCES / "content").glob("*.yml"))
    }
