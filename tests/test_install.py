"""A normal install works: the wheel built from the repository, installed into a fresh
virtual environment, runs every command from a folder that is not the checkout.

Offline: the wheel is built without build isolation, and the fresh environment reaches the
dependencies already installed for the tests through a path file (a plain path, so the
checkout's own editable install is not reached through it).
"""

from __future__ import annotations

import json
import shutil
import site
import sqlite3
import subprocess
import sys
import sysconfig
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.install

# What a checkout holds that a build must not see.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.db*", ".*_cache"
)
SEED_TITLE = "Turkey warns Haftar's forces against attacks on interests in Libya"


def run(command: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(command[0]).parent}:/usr/bin:/bin", "HOME": str(cwd)}
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's bin folder, an empty working folder)."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    shutil.copytree(PROJECT_DIR, source, symlinks=True, ignore=NOT_SOURCES)
    wheels = root / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", wheels, "."],
        cwd=source,
    )  # fmt: skip
    (wheel,) = wheels.glob("libya_archive-*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=root)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], cwd=root)
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root
    ).stdout.strip()
    dependencies = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    (Path(purelib) / "test-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return venv / "bin", elsewhere


def test_the_installed_command_runs_the_demo_from_any_folder(installed):
    bin_dir, folder = installed
    run([bin_dir / "libya-archive", "demo", "--no-serve", "--db", "demo.db", "--site-port", "0"],
        cwd=folder)  # fmt: skip
    with closing(sqlite3.connect(folder / "demo.db")) as db:
        (articles,) = db.execute("SELECT count(*) FROM articles").fetchone()
        titles = {title for (title,) in db.execute("SELECT title FROM articles")}
    assert articles >= 20
    assert SEED_TITLE in titles
    # It ran the installed package, not the checkout.
    where = run(
        [bin_dir / "python", "-c", "import libya_archive, pipelines, scrapers;"
         "print(libya_archive.__file__, pipelines.__file__, scrapers.__file__)"],
        cwd=folder,
    ).stdout  # fmt: skip
    assert str(PROJECT_DIR) not in where and "site-packages" in where


def test_the_installed_package_carries_its_data_as_files(installed):
    bin_dir, folder = installed
    code = (
        "from libya_archive import serve, demo_site; from scrapers import registry;"
        "from pipelines import relevance;"
        "print(serve.METADATA, serve.TEMPLATES_DIR / 'row.html', serve.PLUGINS_DIR / "
        "'archive_search.py', demo_site.DEMO_DIR / 'outlets.yml', registry.DEFAULT_REGISTRY,"
        " relevance.TERMS_FILE)"
    )
    paths = [Path(p) for p in run([bin_dir / "python", "-c", code], cwd=folder).stdout.split()]
    for path in paths:
        assert path.is_file() and not path.is_symlink(), path
        assert "site-packages" in str(path), path
    metadata, registry = paths[0], paths[4]
    assert metadata.read_bytes() == (PROJECT_DIR / "metadata.yml").read_bytes()
    assert registry.read_bytes() == (PROJECT_DIR / "outlets.yml").read_bytes()


def test_the_installed_commands_list_extract_export_and_serve(installed):
    bin_dir, folder = installed
    command = bin_dir / "libya-archive"
    listed = run([command, "outlets"], cwd=folder).stdout
    assert "libya-herald" in listed
    page = folder / "page.html"
    page.write_text(
        "<html lang='en'><head><title>Sirte port reopens</title></head><body><article>"
        "<h1>Sirte port reopens</h1><p>" + "Ships returned to Sirte on Monday. " * 20
        + "</p></article></body></html>"
    )  # fmt: skip
    extracted = json.loads(run([command, "extract", page], cwd=folder).stdout)
    assert extracted["title"] == "Sirte port reopens"
    if not (folder / "demo.db").exists():
        pytest.skip("needs the demo archive of the test above")
    exported = run([command, "export", "--db", "demo.db", "--search", "Haftar"], cwd=folder)
    assert SEED_TITLE in exported.stdout
    # Datasette as `serve` configures it, with the shipped metadata, plugin and templates.
    code = """
import asyncio
from libya_archive.serve import make_datasette
async def pages():
    app = make_datasette("demo.db")
    plugins = (await app.client.get("/-/plugins.json")).json()
    article = await app.client.get("/demo/articles/1")
    metadata = (await app.client.get("/-/metadata.json")).json()
    return plugins, article.status_code, article.text, metadata
plugins, status, article, metadata = asyncio.run(pages())
assert any(p["name"] == "archive_search.py" for p in plugins), plugins
assert status == 200 and 'class="reader"' in article, status
assert "demo" in metadata["databases"], list(metadata["databases"])
print("served")
"""
    assert run([bin_dir / "python", "-c", code], cwd=folder).stdout.strip() == "served"
