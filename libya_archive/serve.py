"""Serving the archive in Datasette with the project's metadata.yml and settings."""

from __future__ import annotations

import ipaddress
import json
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import yaml

# Shipped inside the package, so an installed copy serves from any folder. metadata.yml
# is the project's top-level file; the package carries it by a link the wheel resolves.
PACKAGE_DIR = Path(str(files("libya_archive")))
METADATA = PACKAGE_DIR / "metadata.yml"
METADATA_DATABASE = "archive"  # the database key metadata.yml is written for
PLUGINS_DIR = PACKAGE_DIR / "plugins"  # folded search, snippets, an article's copies
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # the article reader view, right-to-left cells
# Files the pages load from the archive's own origin (the map's Libya outline), at
# /libya-archive/: nothing is fetched from elsewhere, so the charts draw offline.
STATIC_DIR = PACKAGE_DIR / "static"
STATIC_MOUNT = "libya-archive"

# Datasette's defaults, tuned for an archive of a million articles (bench/datasette_browse.py):
# - facet suggestions cost most of a search page's time on a large archive (a million
#   articles: ~350 ms a search page with them, ~1.3x the bare SQL without): off;
# - the time limit keeps one heavy query (arbitrary SQL stays on, read-only, for the charts)
#   from tying up the server;
# - a facet over the whole archive (a million rows grouped by outlet: ~0.3 s) completes
#   instead of being dropped at Datasette's 200 ms;
# - a streamed CSV is every row of the view, however large (Datasette cuts at 100 MB);
# - a table page shows the start of each article's text; its own page shows all of it.
SETTINGS = {
    "suggest_facets": False,
    "sql_time_limit_ms": 5000,
    "max_csv_mb": 0,
    "facet_time_limit_ms": 1000,
    "default_page_size": 50,
    "truncate_cells_html": 300,
}


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def metadata_for(db_path: str | Path, warcs: str | Path | None = None) -> dict:
    """metadata.yml, applied to the archive file actually served.

    Datasette names a database after its file (demo.db is "demo"), and metadata is keyed
    by that name; this re-keys the archive's entry so any file name gets it. The archive's
    plugin learns where the WARC store is (`warcs`, by default the folder beside the file),
    to show captured pages.
    """
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    store = Path(warcs) if warcs else Path(f"{db_path}.warcs")
    metadata.setdefault("plugins", {})["libya-archive"] = {"warcs": str(store.resolve())}
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


def make_datasette(db_path: str | Path, warcs: str | Path | None = None, **settings):
    """The Datasette app `serve` runs, in this process (for tests and benchmarks)."""
    from datasette.app import Datasette  # not imported by the commands that never serve

    return Datasette(
        [str(db_path)],
        metadata=metadata_for(db_path, warcs),
        settings={**SETTINGS, **settings},
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
    )


def run_datasette(command: list[str]) -> int:
    """Run Datasette's command line until it stops; return its exit status.

    A SIGTERM or SIGHUP sent to `serve` (a service manager, a test) is passed on, so Datasette
    never outlives it; Ctrl+C at a terminal reaches both already.
    """
    child = subprocess.Popen(command)

    def forward(signum, frame):
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def datasette_command(
    db_path: str | Path, host: str, port: int, warcs: str | Path | None = None
) -> Iterator[list[str]]:
    """The command line that serves the archive; its metadata file lives as long as the block."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="libya-archive-metadata-"
    ) as handle:
        json.dump(metadata_for(db_path, warcs), handle)
        handle.flush()
        command = [sys.executable, "-m", "datasette", "serve", str(db_path)]
        command += ["--metadata", handle.name, "--host", host, "--port", str(port)]
        command += ["--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
        command += ["--static", f"{STATIC_MOUNT}:{STATIC_DIR}"]
        for name, value in SETTINGS.items():
            value = ("on" if value else "off") if isinstance(value, bool) else str(value)
            command += ["--setting", name, value]
        yield command
