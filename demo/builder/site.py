"""The whole site: every outlet's pages, the shared root files and the static assets."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import akhbar_barqa, inewstoday, tripoli_tribune
from .content import (
    ASSET_DIR,
    CONTENT_DIR,
    ORIGIN,
    Outlet,
    check_against_registry,
    check_content,
    load_outlet,
)
from .markup import esc

# One module per outlet, each with build(outlet) -> {file path: text}. The order here is
# the order of the landing page's list.
BUILDERS = {
    "inewstoday": inewstoday.build,
    "tripoli-tribune": tripoli_tribune.build,
    "akhbar-barqa": akhbar_barqa.build,
}


def build_root(outlets: list[Outlet]) -> dict[str, str]:
    """The landing page and robots.txt, shared by all outlets on the one demo host."""
    links = "\n".join(
        f'<li><a href="/{o.id}/">{esc(o.name)}</a> &mdash; {len(o.articles)} articles</li>'
        for o in outlets
    )
    index = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Libya archive: offline demo outlets</title>
</head>
<body>
<h1>Offline demo outlets</h1>
<p>Fictional news sites served locally so the crawler can be tried without the internet.</p>
<ul>
{links}
</ul>
</body>
</html>
"""
    robots = f"""User-agent: *
Disallow: /private/

Sitemap: {ORIGIN}/tripoli-tribune/sitemap_index.xml
"""
    return {"index.html": index, "robots.txt": robots}


def copy_assets() -> dict[str, bytes]:
    """Static files (stylesheets, scripts, logo, the private page) copied as they are."""
    return {
        p.relative_to(ASSET_DIR).as_posix(): p.read_bytes()
        for p in sorted(ASSET_DIR.rglob("*"))
        if p.is_file()
    }


def build(second_version: bool = False) -> dict[str, str | bytes]:
    """The whole site as {relative file path: content}, in its first or second version."""
    outlets = [load_outlet(CONTENT_DIR / f"{oid}.yml", second_version) for oid in BUILDERS]
    check_content(outlets)
    site: dict[str, str | bytes] = {}
    for outlet in outlets:
        site.update(BUILDERS[outlet.id](outlet))
    site.update(build_root(outlets))
    site.update(copy_assets())
    check_against_registry(site, outlets)
    return site


def build_overlay(site: dict[str, str | bytes]) -> dict[str, str | bytes]:
    """The files that differ in the site's second version (revised articles, and the
    listings, sitemaps and feeds that show their new dates): served over `site`, they let
    a second crawl find those articles changed."""
    second = build(second_version=True)
    return {path: content for path, content in second.items() if site.get(path) != content}


def write_site(site: dict[str, str | bytes], out: Path) -> None:
    """Replace `out` with the site: stale files from an earlier build must not survive."""
    if out.exists():
        shutil.rmtree(out)
    for rel in sorted(site):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        content = site[rel]
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)
