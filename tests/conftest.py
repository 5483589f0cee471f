"""Shared fixtures: the demo site served on 127.0.0.1 and crawled by the real crawler.

Crawls run `python -m libya_archive crawl` in a subprocess, as a researcher would: Scrapy's
reactor cannot restart inside one test process, and the subprocess also proves the CLI.
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
CRAWL_TIMEOUT = 300  # seconds; the demo crawl takes a few


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `libya-archive` subprocess, with `extra` variables set."""
    return {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", **extra}


def run_cli(
    *args: str, timeout: float = CRAWL_TIMEOUT, env: dict | None = None, preexec_fn=None
) -> subprocess.CompletedProcess:
    """Run `libya-archive ARGS` in a subprocess from the project directory."""
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
def demo_content() -> dict[str, list[dict]]:
    """The demo's article sources, per outlet: what the archive should hold."""
    return {
        path.stem: yaml.safe_load(path.read_text("utf-8"))["articles"]
        for path in sorted((DEMO_DIR / "content").glob("*.yml"))
    }
