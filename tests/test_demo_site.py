"""The demo site is generated from demo/content by demo/build_site.py: never hand-edited."""

from __future__ import annotations

import subprocess
import sys

from libya_archive.demo_site import DEMO_DIR
from tests.conftest import DEMO_SOURCES


def files(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_regenerating_the_demo_site_reproduces_the_committed_pages(tmp_path):
    out = tmp_path / "site"
    subprocess.run(
        [sys.executable, str(DEMO_SOURCES / "build_site.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed, rebuilt = files(DEMO_DIR / "site"), files(out)
    assert sorted(rebuilt) == sorted(committed)
    changed = [name for name in committed if committed[name] != rebuilt[name]]
    assert not changed, f"edit demo/content or the templates, then rebuild: {changed[:5]}"
