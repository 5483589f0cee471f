"""robots.txt is obeyed for every request, also those sent while robots.txt is in flight."""

from __future__ import annotations

import pytest

from libya_archive.demo_site import SiteServer
from tests.conftest import crawl, query

pytestmark = pytest.mark.crawl


def test_entry_points_that_wait_for_robots_txt_are_checked_too(tmp_path):
    # Scrapy 2.19 let every request but the first one through unchecked while robots.txt
    # was being fetched (scrapers/robots.py); six entry points start at the same moment.
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (tmp_path / "private").mkdir()
    for n in range(6):
        (tmp_path / "private" / f"list-{n}.html").write_text("<a href='/news/a.html'>a</a>")
    listings = ", ".join(f"http://demo.test/private/list-{n}.html" for n in range(6))
    registry = tmp_path / "outlets.yml"
    with SiteServer(tmp_path) as site:
        registry.write_text(
            site.rewrite(
                "outlets:\n  - id: guarded\n    name: Guarded\n    homepage: http://demo.test/\n"
                f"    language: en\n    scope: libya\n    listings: [{listings}]\n"
                "    article_patterns: ['^/news/']\n"
            )
        )
        crawl(registry, tmp_path / "guarded.db")
    assert site.requested == ["/robots.txt"]
    kinds = query(tmp_path / "guarded.db", "SELECT kind, count(*) FROM fetch_errors GROUP BY kind")
    assert kinds == [("robots", 6)]
