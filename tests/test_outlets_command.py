"""`libya-archive outlets`: the registry listed, and checked against sites on 127.0.0.1."""

from __future__ import annotations

import pytest

from libya_archive.demo_site import DEMO_DIR
from tests.conftest import run_cli


def test_outlets_lists_every_outlet_with_its_entry_points():
    result = run_cli("outlets", "--outlets", str(DEMO_DIR / "outlets.yml"), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("inewstoday") and "general" in line for line in lines)
    assert any(line.startswith("akhbar-barqa") and " ar " in line for line in lines)
    assert any("feed" in line and "inewstoday/feed.xml" in line for line in lines)
    assert any("sitemap" in line and "sitemap_index.xml" in line for line in lines)


@pytest.mark.crawl
def test_check_reports_every_demo_outlet_working(demo_registry):
    result = run_cli("outlets", "--check", "--outlets", str(demo_registry), "--timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    for outlet in ("inewstoday", "tripoli-tribune", "akhbar-barqa"):
        (line,) = [line for line in result.stdout.splitlines() if line.startswith(outlet)]
        reachable, robots, found, verdict = line.split()[1:5]
        assert (reachable, robots, verdict) == ("yes", "ok", "ok:")
        assert int(found) >= 10
    assert "3 of 3 outlets work" in result.stdout


@pytest.mark.crawl
def test_check_says_what_is_broken(demo_site, tmp_path):
    registry = tmp_path / "outlets.yml"
    outlet = (
        "  - id: {id}\n    name: {id}\n    homepage: {home}\n    language: en\n"
        "    scope: libya\n    feeds: [{feed}]\n    article_patterns: ['^/news/']\n"
    )
    origin = demo_site.origin
    registry.write_text(
        "outlets:\n"
        + outlet.format(id="dead", home="http://127.0.0.1:9/", feed="http://127.0.0.1:9/rss")
        + outlet.format(id="gone", home=f"{origin}/", feed=f"{origin}/no-such-feed.xml")
        + outlet.format(id="walled", home=f"{origin}/", feed=f"{origin}/private/secret.html")
        + outlet.format(id="nothing", home=f"{origin}/", feed=f"{origin}/inewstoday/feed.xml")
    )
    result = run_cli("outlets", "--check", "--outlets", str(registry), "--timeout", "60")
    assert result.returncode == 1
    report = result.stdout
    assert "connection was refused" in report
    assert "the server answered HTTP 404" in report
    assert "robots.txt forbids this URL" in report
    assert "no link on this entry point matches" in report
    walled = [line for line in report.splitlines() if line.startswith("walled")][0]
    assert walled.split()[1:3] == ["NO", "NO"]
    assert "0 of 4 outlets work" in report
