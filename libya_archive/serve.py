"""Serving the archive in Datasette with the project's metadata.yml and settings."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
METADATA = PROJECT_DIR / "metadata.yml"
METADATA_DATABASE = "archive"  # the database key metadata.yml is written for
PLUGINS_DIR = PROJECT_DIR / "plugins"  # folded search, snippets, an article's copies
TEMPLATES_DIR = PROJECT_DIR / "templates"  # the article reader view, right-to-left cells

# Facet suggestions cost most of a page's time on a large archive (DESIGN.md);
# the time limit keeps one heavy query from tying up the server; a table page shows the
# start of each article's text, and the article's own page shows all of it.
SETTINGS = {
    "suggest_facets": False,
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
    "truncate_cells_html": 300,
}


def metadata_for(db_path: str | Path) -> dict:
    """metadata.yml, applied to the archive file actually served.

    Datasette names a database after its file (demo.db is "demo"), and metadata is keyed
    by that name; this re-keys the archive's entry so any file name gets it.
    """
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if METADATA_DATABASE in databases:
        databases[name] = databases.pop(METADATA_DATABASE)
    # The dashboards' charts and filters name the database they query, too.
    dashboards = metadata.get("plugins", {}).get("datasette-dashboards", {})
    for dashboard in dashboards.values():
        parts = [*dashboard.get("charts", {}).values(), *dashboard.get("filters", {}).values()]
        for part in parts:
            if part.get("db") == METADATA_DATABASE:
                part["db"] = name
    return metadata


def make_datasette(db_path: str | Path, **settings):
    """The Datasette app `serve` runs, in this process (for tests and benchmarks)."""
    from datasette.app import Datasette  # not imported by the commands that never serve

    return Datasette(
        [str(db_path)],
        metadata=metadata_for(db_path),
        settings={**SETTINGS, **settings},
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )


@contextmanager
def datasette_command(db_path: str | Path, host: str, port: int) -> Iterator[list[str]]:
    """The command line that serves the archive; its metadata file lives as long as the block."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="libya-archive-metadata-"
    ) as handle:
        json.dump(metadata_for(db_path), handle)
        handle.flush()
        command = [sys.executable, "-m", "datasette", "serve", str(db_path)]
        command += ["--metadata", handle.name, "--host", host, "--port", str(port)]
        command += ["--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
        for name, value in SETTINGS.items():
            value = ("on" if value else "off") if isinstance(value, bool) else str(value)
            command += ["--setting", name, value]
        yield command
