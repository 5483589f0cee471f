"""The article sources and the rules they must follow.

Articles are written once, as data, in demo/content/<outlet>.yml; everything on the site is
derived from them. The checks here fail the build on content that would make the demo test
the wrong thing, rather than letting a broken page slip into the committed site.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import yaml

DEMO_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = DEMO_DIR / "content"
TEMPLATE_DIR = DEMO_DIR / "templates"
ASSET_DIR = DEMO_DIR / "assets"
# What `libya-archive demo` serves ships inside the package: the registry and the site.
SERVED_DIR = DEMO_DIR.parent / "libya_archive" / "demo"
OUTLETS_FILE = SERVED_DIR / "outlets.yml"
ORIGIN = "http://demo.test"

# Words that would make a "not about Libya" article relevant after all. Such articles are
# in the demo to be filtered out, so the build refuses them if one slips in.
LIBYA_WORDS = re.compile(
    r"(?i)\b(libya\w*|tripoli|benghazi|misrata|misurata|sirte|derna|sabha|fezzan|tobruk|"
    r"zawiya|haftar|hifter|dbeibah|unsmil|gna|gnu|lna|house of representatives|"
    r"national oil corporation)\b"
)


@dataclass(frozen=True)
class Article:
    """One article as written in demo/content/<outlet>.yml."""

    outlet: str
    slug: str
    path: str
    title: str
    byline: str | None
    published: datetime
    modified: datetime
    about_libya: bool
    lead: str | None
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    syndicated_from: str | None
    # A wire copy with the outlet's own lead, trailer or wording: a near-duplicate.
    edited_copy: bool = False
    # The article's second version (new `modified`, `paragraphs`, maybe `title`), served
    # by demo/site_v2/ so that a second crawl finds it changed.
    revision: dict | None = None

    @property
    def url(self) -> str:
        return ORIGIN + self.path

    @property
    def authors(self) -> list[str]:
        """The byline's people: "A and B" or "A, B and C" become separate names."""
        if not self.byline:
            return []
        return [n.strip() for n in re.split(r",\s*|\s+and\s+", self.byline) if n.strip()]

    @property
    def post_id(self) -> int:
        """A stable, CMS-looking numeric id (WordPress post ids, Drupal node ids)."""
        return 1000 + zlib.crc32(self.path.encode("utf-8")) % 9000


@dataclass(frozen=True)
class Outlet:
    """An outlet's content file: its identity and its articles, newest first."""

    id: str
    name: str
    language: str
    tagline: str
    articles: tuple[Article, ...]


def load_outlet(path: Path, second_version: bool = False) -> Outlet:
    """Read and check one content file; articles come back newest first.

    With `second_version`, articles that have a revision come in their revised form.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta = data["outlet"]
    articles = [parse_article(meta["id"], raw) for raw in data["articles"]]
    if second_version:
        articles = [revised(a) for a in articles]
    articles.sort(key=lambda a: (a.published, a.path), reverse=True)
    return Outlet(meta["id"], meta["name"], meta["language"], meta["tagline"], tuple(articles))


def parse_article(outlet_id: str, raw: dict) -> Article:
    """Turn one YAML entry into an Article, failing loudly on what the demo relies on."""
    where = f"{outlet_id}/{raw.get('slug')}"
    missing = {
        "slug",
        "path",
        "title",
        "byline",
        "published",
        "about_libya",
        "paragraphs",
        "tags",
    } - raw.keys()
    if missing:
        raise ValueError(f"{where}: missing fields {sorted(missing)}")
    published = parse_time(raw["published"], where)
    modified = parse_time(raw.get("modified") or raw["published"], where)
    if not raw["path"].startswith(f"/{outlet_id}/"):
        raise ValueError(f"{where}: path must start with /{outlet_id}/")
    return Article(
        outlet=outlet_id,
        slug=raw["slug"],
        path=raw["path"],
        title=raw["title"],
        byline=raw["byline"],
        published=published,
        modified=modified,
        about_libya=bool(raw["about_libya"]),
        lead=raw.get("lead"),
        paragraphs=tuple(raw["paragraphs"]),
        tags=tuple(raw["tags"]),
        syndicated_from=raw.get("syndicated_from"),
        edited_copy=bool(raw.get("edited_copy")),
        revision=raw.get("revision"),
    )


def revised(article: Article) -> Article:
    """The article's second version (itself when it has none)."""
    if not article.revision:
        return article
    where = f"{article.outlet}/{article.slug}"
    return replace(
        article,
        title=article.revision.get("title", article.title),
        modified=parse_time(article.revision["modified"], where),
        paragraphs=tuple(article.revision["paragraphs"]),
        revision=None,
    )


def parse_time(value: str, where: str) -> datetime:
    """ISO 8601 with an explicit offset: a news page's date is meaningless without one."""
    stamp = datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        raise ValueError(f"{where}: {value!r} has no time zone offset")
    return stamp


def check_content(outlets: list[Outlet]) -> None:
    """Cross-file rules: unique paths, wire copies identical (or, when marked as edited,
    sharing at least half their paragraphs), off-topic articles clean."""
    paths: set[str] = set()
    wire: dict[tuple[str, str], tuple[str, ...]] = {}
    for outlet in outlets:
        for art in outlet.articles:
            if art.path in paths:
                raise ValueError(f"duplicate path {art.path}")
            paths.add(art.path)
            if art.syndicated_from:
                key = (art.syndicated_from, art.slug)
                first = wire.setdefault(key, art.paragraphs)
                if not art.edited_copy and first != art.paragraphs:
                    raise ValueError(f"{art.path}: wire copy differs from the other copies")
                shared = len(set(first) & set(art.paragraphs))
                if art.edited_copy and shared * 2 < len(art.paragraphs):
                    # Otherwise the demo's story cluster would test distinct articles.
                    raise ValueError(f"{art.path}: edited wire copy shares too little text")
            if not art.about_libya:
                found = LIBYA_WORDS.search(" ".join((art.title, *art.paragraphs)))
                if found:
                    raise ValueError(f"{art.path}: off-topic article mentions {found[0]!r}")


def load_article_patterns() -> dict[str, list[re.Pattern]]:
    """The registry's article patterns, so the build can prove pages and registry agree."""
    data = yaml.safe_load(OUTLETS_FILE.read_text(encoding="utf-8"))
    return {
        o["id"]: [re.compile(p) for p in o.get("article_patterns", [])] for o in data["outlets"]
    }


def check_against_registry(site: dict[str, str | bytes], outlets: list[Outlet]) -> None:
    """Every article path must match its outlet's patterns, and no other page may.

    Otherwise the crawler would miss articles or store listing pages as articles, and the
    demo would test the wrong thing.
    """
    patterns = load_article_patterns()
    articles = {a.path for o in outlets for a in o.articles}
    for file in site:
        if not file.endswith(".html"):
            continue
        path = "/" + file.removesuffix("index.html")
        matched = any(p.search(path) for ps in patterns.values() for p in ps)
        if matched != (path in articles):
            kind = "article not matched by" if not matched else "non-article matched by"
            raise ValueError(f"{path}: {kind} the article_patterns of outlets.yml")
