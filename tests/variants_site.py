"""A small site of URL variants and broken entry points, crawled by the real crawler.

One article under several URLs (print copies, a directory redirect, its own canonical, a
foreign canonical, AMP and print views), a robots.txt rule, an Atom feed, a gzipped
sitemap, a feed that is not XML, a truncated sitemap and a PDF: what dedup and the spider
must each get right (tests/test_dedup.py, tests/test_spider.py).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from libya_archive.demo_site import SiteServer
from tests.conftest import crawl, query

BODY = (
    "<p>The National Oil Corporation said on {day} that output at the {field} field in the "
    "south-west of Libya had returned to normal after a shutdown that lasted two weeks.</p>"
    "<p>Engineers in Tripoli said repairs to the pipeline to the coast were complete, and that "
    "exports from the Zawiya terminal would resume once tankers had been scheduled.</p>"
)
PAGE = (
    "<html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>"
    "<p class='byline'>By Salma Idris</p>"
    "<time datetime='2024-02-0{n}T09:00:00+02:00'>February {n}</time>{body}</article>"
    "<footer>Copyright</footer></body></html>"
)


def page(n: int, title: str, field: str, head: str = "") -> str:
    body = BODY.format(day="Monday", field=field)
    return PAGE.format(n=n, title=title, head=head, body=body)


@contextmanager
def crawled_variants_site(root: Path) -> Iterator[tuple[list[str], Path]]:
    """The site written under `root`, served and crawled once: (paths requested, archive)."""
    news = root / "news"
    (news / "story-b").mkdir(parents=True)
    (news / "story-a.html").write_text(page(1, "Sharara output resumes", "Sharara"))
    # The same article under a print URL: same outlet, same text.
    (news / "story-a-print.html").write_text(page(1, "Sharara output resumes", "Sharara"))
    # A directory URL: /news/story-b redirects to /news/story-b/.
    (news / "story-b" / "index.html").write_text(page(2, "El Feel field reopens", "El Feel"))
    (news / "story-c.html").write_text(
        page(
            3,
            "Wafa field back online",
            "Wafa",
            "<link rel='canonical' href='http://demo.test/news/story-c-canonical.html'>",
        )
    )
    (news / "story-d.html").write_text(
        page(
            4,
            "Nafoura field restarts",
            "Nafoura",
            "<link rel='canonical' href='http://wire.example/story/nafoura'>",
        )
    )
    links = [
        "news/story-a.html?utm_source=feed&utm_medium=rss",
        "news/story-a-print.html",
        "news/story-b",
        "news/story-c.html",
        "news/story-d.html#comments",
        "news/private-memo.html",
        "news/report.pdf",
    ]
    (news / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /news/private-\n")
    (news / "private-memo.html").write_text(page(5, "Internal memo", "Memo"))
    items = "".join(f"<item><link>http://demo.test/{link}</link></item>" for link in links)
    (root / "feed.xml").write_text(f"<?xml version='1.0'?><rss><channel>{items}</channel></rss>")
    (news / "story-e.html").write_text(page(5, "Mellitah gas exports rise", "Mellitah"))
    (root / "atom.xml").write_text(
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"
        "<link rel='alternate' href='http://demo.test/news/story-e.html'/></entry></feed>"
    )
    (news / "story-f.html").write_text(page(6, "Brega terminal loads first cargo", "Brega"))
    # One article under its AMP and print views, each saying which page it is a view of.
    story_g = page(7, "Ras Lanuf refinery restarts", "Ras Lanuf")
    (news / "story-g.html").write_text(story_g)
    (news / "amp").mkdir()
    (news / "print").mkdir()
    view = "<link rel='canonical' href='http://demo.test/news/story-g.html'>"
    (news / "amp" / "story-g.html").write_text(
        page(7, "Ras Lanuf refinery restarts", "Ras Lanuf", view)
    )
    (news / "print" / "story-g.html").write_text(
        page(7, "Ras Lanuf refinery restarts", "Ras Lanuf", view.replace("canonical", "x"))
    )
    (root / "not-a-feed.xml").write_text("<html><body>Page not found</body></html>")
    (root / "truncated-sitemap.xml").write_text("<urlset><url><loc>http://demo.test/news/st")
    registry = root / "outlets.yml"
    with SiteServer(root) as server:
        # Compressed bytes escape the server's origin rewriting: write the real origin.
        views = ("news/story-f.html", "news/amp/story-g.html", "news/print/story-g.html?print=1")
        locs = "".join(f"<url><loc>{server.origin}/{view}</loc></url>" for view in views)
        sitemap = f"<urlset>{locs}<url><loc>{server.origin}/news/story-g.html</loc></url></urlset>"
        (root / "sitemap.xml.gz").write_bytes(gzip.compress(sitemap.encode()))
        registry.write_text(
            server.rewrite(
                "outlets:\n  - id: variants\n    name: Variants\n    homepage: http://demo.test/\n"
                "    language: en\n    scope: libya\n    feeds: [http://demo.test/feed.xml, http://demo.test/atom.xml,"
                " http://demo.test/not-a-feed.xml]\n"
                "    sitemaps: [http://demo.test/sitemap.xml.gz, http://demo.test/truncated-sitemap.xml]\n"
                "    article_patterns: ['^/news/']\n"
            )
        )
        db = root / "variants.db"
        crawl(registry, db)
        yield server.requested, db


def urls_by_article(db) -> dict[str, set[str]]:
    rows = query(
        db, "SELECT a.url, u.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
    )
    found: dict[str, set[str]] = {}
    for article, url in rows:
        found.setdefault(article.split("/", 3)[3], set()).add(url.split("/", 3)[3])
    return found
