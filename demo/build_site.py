#!/usr/bin/env python3
"""Build the offline demo site (demo/site/) from the article sources in demo/content/.

The demo lets `make demo` and the tests crawl three fictional news outlets without the
internet. Real outlets run different CMSs, so each outlet here has its own page template
(demo/templates/<outlet>.html) and its own renderer below, with the furniture real pages
carry: menus, sidebars, share bars, related links, footers, scripts. Articles are written
once, as data, in demo/content/<outlet>.yml; everything else is derived from them.

The output is committed, and a test rebuilds it and compares, so the build must be
deterministic: everything is sorted, nothing depends on the clock, the locale or the
file system's order, and every file is written as UTF-8 with "\\n" line ends.

All absolute URLs use the origin http://demo.test; the demo server rewrites that origin
to the address it listens on.

Usage:
    python demo/build_site.py              # rebuilds demo/site/
    python demo/build_site.py --out DIR    # builds into DIR instead (e.g. to compare)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import string
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import yaml

DEMO_DIR = Path(__file__).resolve().parent
CONTENT_DIR = DEMO_DIR / "content"
TEMPLATE_DIR = DEMO_DIR / "templates"
ASSET_DIR = DEMO_DIR / "assets"
OUTLETS_FILE = DEMO_DIR / "outlets.yml"
DEFAULT_OUT = DEMO_DIR / "site"
ORIGIN = "http://demo.test"

# Words that would make a "not about Libya" article relevant after all. Such articles are
# in the demo to be filtered out, so the build refuses them if one slips in.
LIBYA_WORDS = re.compile(
    r"(?i)\b(libya\w*|tripoli|benghazi|misrata|misurata|sirte|derna|sabha|fezzan|tobruk|"
    r"zawiya|haftar|hifter|dbeibah|unsmil|gna|gnu|lna|house of representatives|"
    r"national oil corporation)\b"
)

EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
AR_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
AR_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


# --------------------------------------------------------------------------- content


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


def load_outlet(path: Path) -> Outlet:
    """Read and check one content file; articles come back newest first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta = data["outlet"]
    articles = [parse_article(meta["id"], raw) for raw in data["articles"]]
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
    )


def parse_time(value: str, where: str) -> datetime:
    """ISO 8601 with an explicit offset: a news page's date is meaningless without one."""
    stamp = datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        raise ValueError(f"{where}: {value!r} has no time zone offset")
    return stamp


def check_content(outlets: list[Outlet]) -> None:
    """Cross-file rules: unique paths, wire copies identical, off-topic articles clean."""
    paths: set[str] = set()
    wire: dict[tuple[str, str], tuple[str, ...]] = {}
    for outlet in outlets:
        for art in outlet.articles:
            if art.path in paths:
                raise ValueError(f"duplicate path {art.path}")
            paths.add(art.path)
            if art.syndicated_from:
                key = (art.syndicated_from, art.slug)
                if wire.setdefault(key, art.paragraphs) != art.paragraphs:
                    raise ValueError(f"{art.path}: wire copy differs from the other copies")
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


# --------------------------------------------------------------------------- helpers


def esc(text: str) -> str:
    """Text for an HTML element (quotes stay as they are, as CMSs print them)."""
    return escape(text, quote=False)


def attr(text: str) -> str:
    """Text for a double-quoted HTML attribute value."""
    return escape(text, quote=True)


def page_file(url_path: str) -> str:
    """The file that serves a URL path: folders get their index.html."""
    rel = url_path.lstrip("/")
    return rel + "index.html" if rel.endswith("/") or not rel else rel


def slugify(text: str) -> str:
    """Tag and author names as URL segments, the way WordPress does for ASCII names."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def excerpt(article: Article, words: int = 30) -> str:
    """The opening words of an article, as listing pages and feeds show them."""
    first = (article.lead or article.paragraphs[0]).split()
    text = " ".join(first[:words])
    return text + (" [\u2026]" if len(first) > words else "")


def fill(layout: str, **values: str) -> str:
    """Fill one of demo/templates/*.html (string.Template syntax: $name)."""
    text = (TEMPLATE_DIR / f"{layout}.html").read_text(encoding="utf-8")
    return string.Template(text).substitute(values)


def most_read(articles: tuple[Article, ...], count: int) -> list[Article]:
    """A stable stand-in for a "most read" widget: a fixed pseudo-random pick."""
    return sorted(articles, key=lambda a: (zlib.crc32(a.slug.encode("utf-8")), a.path))[:count]


def related(article: Article, articles: tuple[Article, ...], count: int) -> list[Article]:
    """Related posts: most shared tags first, then the closest in time."""

    def score(other: Article) -> tuple:
        shared = len({t.lower() for t in article.tags} & {t.lower() for t in other.tags})
        distance = abs((other.published - article.published).total_seconds())
        return (-shared, distance, other.path)

    others = [a for a in articles if a.path != article.path]
    return sorted(others, key=score)[:count]


def rss_date(stamp: datetime) -> str:
    """RFC 822 dates as RSS wants them (locale-independent)."""
    return format_datetime(stamp)


def w3c_date(stamp: datetime) -> str:
    return stamp.isoformat()


def en_date(stamp: datetime) -> str:
    return f"{EN_MONTHS[stamp.month - 1]} {stamp.day}, {stamp.year}"


def en_date_time(stamp: datetime) -> str:
    return f"{stamp.day} {EN_MONTHS[stamp.month - 1]} {stamp.year}, {stamp:%H:%M}"


def ar_date(stamp: datetime) -> str:
    weekday = AR_WEEKDAYS[stamp.weekday()]
    return f"{weekday}، {stamp.day} {AR_MONTHS[stamp.month - 1]} {stamp.year} {stamp:%H:%M}"


def json_ld(data: dict) -> str:
    """A JSON-LD block; "</" is escaped so the text can never close the script element."""
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def xml_doc(body: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def link_list(articles: list[Article], css: str = "") -> str:
    """A <ul> of links to articles (sidebars, related blocks)."""
    cls = f' class="{css}"' if css else ""
    items = "\n".join(f'<li><a href="{attr(a.path)}">{esc(a.title)}</a></li>' for a in articles)
    return f"<ul{cls}>\n{items}\n</ul>"


def paragraphs_html(article: Article) -> str:
    return "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)


# --------------------------------------------------------------------------- iNewsToday
# A general world-news site on WordPress: byline in span.author.vcard, time.entry-date,
# article:published_time, paginated category listing, RSS feed of the newest items only.

IN_PER_PAGE = 6
IN_FEED_ITEMS = 8
IN_LISTING = "/inewstoday/category/world/"


def in_page(
    outlet: Outlet, title: str, main: str, body_class: str, template: str, head: str = ""
) -> str:
    return fill(
        "inewstoday",
        title=esc(title),
        head=head,
        body_class=body_class,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=in_sidebar(outlet),
        template=template,
    )


def in_sidebar(outlet: Outlet) -> str:
    """Search box, most read, topics and a newsletter box: the same on every page."""
    tags = sorted({t for a in outlet.articles for t in a.tags}, key=str.lower)
    cloud = "\n".join(
        f'<a href="/inewstoday/tag/{slugify(t)}/" class="tag-cloud-link">{esc(t)}</a>' for t in tags
    )
    return f"""<aside id="secondary" class="widget-area" role="complementary">
<section id="search-2" class="widget widget_search">
<form role="search" method="get" class="search-form" action="/inewstoday/">
<label><span class="screen-reader-text">Search for:</span>
<input type="search" class="search-field" placeholder="Search &hellip;" value="" name="s"></label>
<input type="submit" class="search-submit" value="Search">
</form>
</section>
<section id="popular-posts-3" class="widget widget_popular_posts">
<h2 class="widget-title">Most read</h2>
{link_list(most_read(outlet.articles, 5), "popular-posts")}
</section>
<section id="tag_cloud-2" class="widget widget_tag_cloud">
<h2 class="widget-title">Topics</h2>
<div class="tagcloud">
{cloud}
</div>
</section>
<section id="text-4" class="widget widget_text">
<h2 class="widget-title">Newsletter</h2>
<div class="textwidget"><p>The day&rsquo;s top stories in your inbox every morning.
Free, and you can unsubscribe at any time.</p></div>
</section>
</aside>"""


def in_byline(article: Article) -> str:
    if article.byline:
        return (
            '<span class="byline"> by <span class="author vcard"><a class="url fn n" '
            f'href="/inewstoday/author/{slugify(article.byline)}/">{esc(article.byline)}'
            "</a></span></span>"
        )
    if article.syndicated_from:
        return f'<span class="source">Source: {esc(article.syndicated_from)}</span>'
    return ""


def in_article(outlet: Outlet, article: Article) -> str:
    """A single post, with share bar, related posts and closed comments."""
    url = article.url
    tag_classes = " ".join(f"tag-{slugify(t)}" for t in article.tags)
    tag_links = ", ".join(
        f'<a href="/inewstoday/tag/{slugify(t)}/" rel="tag">{esc(t)}</a>' for t in article.tags
    )
    shares = "\n".join(
        f'<li><a rel="nofollow noopener noreferrer" class="share-{s} sd-button" '
        f'href="{attr(url)}?share={s}" target="_blank">{label}</a></li>'
        for s, label in (
            ("twitter", "Twitter"),
            ("facebook", "Facebook"),
            ("email", "Email"),
            ("print", "Print"),
        )
    )
    others = "\n".join(
        f'<li><a href="{attr(a.url)}" rel="bookmark">{esc(a.title)}</a> '
        f'<time class="related-date" datetime="{w3c_date(a.published)}">'
        f"{en_date(a.published)}</time></li>"
        for a in related(article, outlet.articles, 4)
    )
    classes = (
        f"post-{article.post_id} post type-post status-publish format-standard hentry "
        f"category-world {tag_classes}"
    )
    published = (
        f'<time class="entry-date published" datetime="{w3c_date(article.published)}">'
        f"{en_date(article.published)}</time>"
    )
    main = f"""<article id="post-{article.post_id}" class="{classes}">
<header class="entry-header">
<span class="cat-links"><a href="{IN_LISTING}" rel="category tag">World</a></span>
<h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta">
{in_byline(article)}
<span class="posted-on">Posted on <a href="{attr(url)}" rel="bookmark">{published}</a></span>
</div>
</header>
<div class="entry-content">
{paragraphs_html(article)}
</div>
<footer class="entry-footer">
<span class="tags-links">Tagged {tag_links}</span>
</footer>
</article>
<div class="sharedaddy sd-sharing-enabled">
<h3 class="sd-title">Share this:</h3>
<ul class="sd-share-buttons">
{shares}
</ul>
</div>
<section class="related-posts" aria-label="Other reports">
<h3 class="related-posts-title">Other reports by iNewsToday</h3>
<ul>
{others}
</ul>
</section>
<div id="comments" class="comments-area">
<p class="no-comments">Comments are closed.</p>
</div>"""
    head = [
        f'<link rel="canonical" href="{attr(url)}">',
        f'<meta name="description" content="{attr(excerpt(article))}">',
        '<meta property="og:locale" content="en_GB">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(article.title)}">',
        f'<meta property="og:description" content="{attr(excerpt(article))}">',
        f'<meta property="og:url" content="{attr(url)}">',
        '<meta property="og:site_name" content="iNewsToday">',
        f'<meta property="article:published_time" content="{w3c_date(article.published)}">',
        '<meta property="article:section" content="World">',
    ]
    head += [f'<meta property="article:tag" content="{attr(t)}">' for t in article.tags]
    if article.byline:
        head.append(f'<meta name="author" content="{attr(article.byline)}">')
    body_class = (
        f"post-template-default single single-post postid-{article.post_id} single-format-standard"
    )
    return in_page(
        outlet, f"{article.title} - iNewsToday", main, body_class, "single", "\n".join(head)
    )


def in_summary(article: Article) -> str:
    """A post as listing pages show it: headline, date, author, excerpt."""
    author = f' <span class="byline">by {esc(article.byline)}</span>' if article.byline else ""
    published = (
        f'<time class="entry-date published" datetime="{w3c_date(article.published)}">'
        f"{en_date(article.published)}</time>"
    )
    return f"""<article class="post-{article.post_id} post type-post hentry">
<header class="entry-header">
<h2 class="entry-title"><a href="{attr(article.url)}" rel="bookmark">{esc(article.title)}</a></h2>
<div class="entry-meta">{published}{author}</div>
</header>
<div class="entry-summary"><p>{esc(excerpt(article))}</p></div>
</article>"""


def in_listing_url(page: int) -> str:
    return IN_LISTING if page == 1 else f"{IN_LISTING}page/{page}/"


def in_listing(outlet: Outlet, page: int, pages: int, articles: list[Article]) -> str:
    """One page of the World category: six posts, numbered pagination, rel=next."""
    nav = []
    if page > 1:
        nav.append(
            f'<a class="prev page-numbers" href="{ORIGIN}{in_listing_url(page - 1)}">'
            "&laquo; Previous</a>"
        )
    for number in range(1, pages + 1):
        if number == page:
            nav.append(f'<span aria-current="page" class="page-numbers current">{number}</span>')
        else:
            nav.append(
                f'<a class="page-numbers" href="{ORIGIN}{in_listing_url(number)}">{number}</a>'
            )
    if page < pages:
        nav.append(
            f'<a rel="next" class="next page-numbers" '
            f'href="{ORIGIN}{in_listing_url(page + 1)}">Next &raquo;</a>'
        )
    staff = ""
    if page == pages:
        # Disallowed by robots.txt: a polite crawler sees this link and leaves it alone.
        staff = (
            '\n<p class="staff-only"><a href="/private/secret.html">Staff: embargoed drafts</a></p>'
        )
    summaries = "\n".join(in_summary(a) for a in articles)
    main = f"""<header class="page-header">
<h1 class="page-title">Category: <span>World</span></h1>
<div class="archive-description"><p>Reports from our correspondents and partner agencies
around the world. <a href="/inewstoday/about/">About our coverage</a> &middot;
<a href="/inewstoday/contact/">Send us a tip</a></p></div>
</header>
{summaries}
<nav class="navigation pagination" aria-label="Posts">
<h2 class="screen-reader-text">Posts navigation</h2>
<div class="nav-links">{"".join(nav)}</div>
</nav>{staff}"""
    head = [f'<link rel="canonical" href="{ORIGIN}{in_listing_url(page)}">']
    if page > 1:
        head.append(f'<link rel="prev" href="{ORIGIN}{in_listing_url(page - 1)}">')
    if page < pages:
        head.append(f'<link rel="next" href="{ORIGIN}{in_listing_url(page + 1)}">')
    title = "World Archives - iNewsToday" + (f" - Page {page} of {pages}" if page > 1 else "")
    return in_page(
        outlet, title, main, "archive category category-world", "archive", "\n".join(head)
    )


def in_archive(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    """Tag and author archives and the front page: not articles, just more links."""
    main = (
        f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1></header>\n'
        + "\n".join(in_summary(a) for a in articles)
    )
    return in_page(outlet, f"{heading} - iNewsToday", main, "archive", "archive")


def in_static(outlet: Outlet, title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    main = (
        f'<article class="page type-page hentry">\n<header class="entry-header">'
        f'<h1 class="entry-title">{esc(title)}</h1></header>\n'
        f'<div class="entry-content">\n{body}\n</div>\n</article>'
    )
    return in_page(outlet, f"{title} - iNewsToday", main, "page-template-default page", "page")


def in_feed(outlet: Outlet) -> str:
    """RSS 2.0 with the newest posts only, as WordPress serves by default."""
    items = []
    for art in outlet.articles[:IN_FEED_ITEMS]:
        creator = f"\n<dc:creator><![CDATA[{art.byline}]]></dc:creator>" if art.byline else ""
        cats = "".join(f"\n<category><![CDATA[{t}]]></category>" for t in art.tags)
        items.append(f"""<item>
<title>{esc(art.title)}</title>
<link>{art.url}</link>{creator}
<pubDate>{rss_date(art.published)}</pubDate>{cats}
<guid isPermaLink="false">{ORIGIN}/inewstoday/?p={art.post_id}</guid>
<description><![CDATA[{excerpt(art)}]]></description>
</item>""")
    body = f"""<rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>iNewsToday</title>
<atom:link href="{ORIGIN}/inewstoday/feed.xml" rel="self" type="application/rss+xml"/>
<link>{ORIGIN}/inewstoday/</link>
<description>{esc(outlet.tagline)}</description>
<lastBuildDate>{rss_date(outlet.articles[0].published)}</lastBuildDate>
<language>en-GB</language>
<generator>https://wordpress.org/?v=6.0.4</generator>
{chr(10).join(items)}
</channel>
</rss>
"""
    return xml_doc(body)


def build_inewstoday(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): in_article(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    pages = (len(arts) + IN_PER_PAGE - 1) // IN_PER_PAGE
    for page in range(1, pages + 1):
        chunk = arts[(page - 1) * IN_PER_PAGE : page * IN_PER_PAGE]
        files[page_file(in_listing_url(page))] = in_listing(outlet, page, pages, chunk)
    files["inewstoday/index.html"] = in_archive(outlet, "Latest news", arts[:IN_PER_PAGE])
    for tag in sorted({t for a in arts for t in a.tags}):
        tagged = [a for a in arts if tag in a.tags]
        files[f"inewstoday/tag/{slugify(tag)}/index.html"] = in_archive(
            outlet, f"Tag: {tag}", tagged
        )
    for author in sorted({a.byline for a in arts if a.byline}):
        by = [a for a in arts if a.byline == author]
        files[f"inewstoday/author/{slugify(author)}/index.html"] = in_archive(
            outlet, f"Author: {author}", by
        )
    files["inewstoday/about/index.html"] = in_static(
        outlet,
        "About us",
        [
            "iNewsToday is a small independent newsroom that reports on world affairs, "
            "business, technology and sport, with a particular interest in North Africa and "
            "the Mediterranean.",
            "We publish our own reporting alongside stories from partner news agencies, which "
            "are always credited.",
        ],
    )
    files["inewstoday/contact/index.html"] = in_static(
        outlet,
        "Contact",
        [
            "News tips and corrections: newsdesk (at) inewstoday.example.",
            "Advertising and partnerships: commercial (at) inewstoday.example.",
        ],
    )
    files["inewstoday/feed.xml"] = in_feed(outlet)
    return files


# --------------------------------------------------------------------------- Tripoli Tribune
# A Libya-focused site on Drupal: JSON-LD NewsArticle, canonical links, entry points are a
# sitemap index with a post sitemap and a Google News sitemap.

TT_NEWS_ITEMS = 5


def tt_page(
    outlet: Outlet, title: str, main: str, body_class: str, template: str, head: str = ""
) -> str:
    return fill(
        "tripoli-tribune",
        title=esc(title),
        head=head,
        body_class=body_class,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=tt_sidebar(outlet),
        template=template,
    )


def tt_topic_path(tag: str) -> str:
    return f"/tripoli-tribune/topics/{slugify(tag)}.html"


def tt_sidebar(outlet: Outlet) -> str:
    return f"""<aside class="layout-sidebar-second" role="complementary">
<div class="region region-sidebar-second">
<div id="block-mostread" class="block block-views block-views-blockmost-read">
<h2 class="block-title">Most read</h2>
{link_list(most_read(outlet.articles, 5), "item-list most-read")}
</div>
<div id="block-support" class="block block-block-content">
<h2 class="block-title">Support the Tribune</h2>
<p>Independent journalism from Libya depends on its readers.
<a href="/tripoli-tribune/about.html#support">Become a supporter</a>.</p>
</div>
</div>
</aside>"""


def tt_byline(article: Article) -> str:
    if article.authors:
        names = [f'<span class="author">{esc(n)}</span>' for n in article.authors]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f'<span class="byline">By {joined}</span>'
    if article.syndicated_from:
        return f'<span class="credit">{esc(article.syndicated_from)}</span>'
    return ""


def tt_json_ld(outlet: Outlet, article: Article) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": excerpt(article),
        "datePublished": w3c_date(article.published),
        "dateModified": w3c_date(article.modified),
        "url": article.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "articleSection": article.tags[0],
        "keywords": list(article.tags),
        "inLanguage": "en",
    }
    if article.authors:
        data["author"] = [{"@type": "Person", "name": n} for n in article.authors]
    if article.syndicated_from:
        data["sourceOrganization"] = {"@type": "Organization", "name": article.syndicated_from}
    data["publisher"] = {
        "@type": "Organization",
        "name": outlet.name,
        "url": f"{ORIGIN}/tripoli-tribune/",
        "logo": {
            "@type": "ImageObject",
            "url": f"{ORIGIN}/tripoli-tribune/themes/tribune/logo.svg",
        },
    }
    return json_ld(data)


def tt_article(outlet: Outlet, article: Article) -> str:
    lead = f'\n<p class="standfirst">{esc(article.lead)}</p>' if article.lead else ""
    updated = ""
    if article.modified != article.published:
        updated = (
            f' <span class="updated">Updated <time datetime="{w3c_date(article.modified)}">'
            f"{en_date_time(article.modified)}</time></span>"
        )
    topics = "\n".join(
        f'<div class="field__item"><a href="{tt_topic_path(t)}" hreflang="en">{esc(t)}</a></div>'
        for t in article.tags
    )
    more = link_list(related(article, outlet.articles, 3))
    # As in Drupal, the headline is the page-title block, outside the node itself.
    section = article.tags[0]
    main = f"""<div id="block-tribune-page-title" class="block block-core block-page-title-block">
<div class="field field--name-field-section">
<a href="{tt_topic_path(section)}">{esc(section)}</a>
</div>
<h1 class="page-title"><span class="field field--name-title">{esc(article.title)}</span></h1>
</div>
<article role="article" about="{attr(article.path)}"
 class="node node--type-article node--promoted node--view-mode-full">
<div class="node__header">{lead}
<div class="node__meta">
{tt_byline(article)}
<span class="date">Published <time datetime="{w3c_date(article.published)}">
{en_date_time(article.published)}</time></span>{updated}
</div>
</div>
<div class="node__content">
<div class="clearfix text-formatted field field--name-body
 field--type-text-with-summary field__item">
{paragraphs_html(article)}
</div>
<div class="field field--name-field-tags field--type-entity-reference">
<div class="field__label">Topics</div>
<div class="field__items">
{topics}
</div>
</div>
</div>
</article>
<div class="block block-share">
<span class="share-label">Share:</span>
<a class="share share--whatsapp" href="whatsapp://send?text={attr(article.url)}">WhatsApp</a>
<a class="share share--copy" href="#" data-url="{attr(article.url)}">Copy link</a>
</div>
<section class="block block-views block-views-blockmore-on-this-story"
 aria-label="More on this story">
<h2 class="block-title">More from the Tribune</h2>
{more}
</section>
<div class="block block-newsletter">
<h2 class="block-title">The Morning Briefing</h2>
<p>Sign up for our free daily email: the news from Libya before breakfast.</p>
</div>"""
    head = "\n".join(
        [
            f'<link rel="canonical" href="{attr(article.url)}">',
            f'<meta name="description" content="{attr(excerpt(article))}">',
            '<meta property="og:site_name" content="The Tripoli Tribune">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{attr(article.url)}">',
            f'<meta property="og:title" content="{attr(article.title)}">',
            tt_json_ld(outlet, article),
        ]
    )
    return tt_page(
        outlet,
        f"{article.title} | The Tripoli Tribune",
        main,
        "path-node page-node-type-article",
        "article",
        head,
    )


def tt_teasers(articles: list[Article]) -> str:
    return "\n".join(
        f"""<div class="views-row">
<h3 class="teaser-title"><a href="{attr(a.path)}">{esc(a.title)}</a></h3>
<time datetime="{w3c_date(a.published)}">{en_date_time(a.published)}</time>
<p class="teaser-text">{esc(excerpt(a, 25))}</p>
</div>"""
        for a in articles
    )


def tt_listing(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    main = (
        f'<h1 class="page-title">{esc(heading)}</h1>\n<div class="view view-frontpage">\n'
        f"{tt_teasers(articles)}\n</div>"
    )
    return tt_page(outlet, f"{heading} | The Tripoli Tribune", main, "path-frontpage", "listing")


def tt_about(outlet: Outlet) -> str:
    main = """<h1 class="page-title">About the Tribune</h1>
<p>The Tripoli Tribune reports on politics, the economy and everyday life across Libya.
It is funded by its readers and answers to no party or government.</p>
<h2 id="corrections">Corrections</h2>
<p>When we get something wrong we correct it at the foot of the article and say what changed.</p>
<h2 id="contact">Contact</h2>
<p>Newsroom: desk (at) tripolitribune.example</p>
<h2 id="support">Support us</h2>
<p>Supporters receive the Morning Briefing and our weekly long read.</p>
<h2 id="newsletter">Newsletter</h2>
<p>The Morning Briefing arrives at seven every weekday.</p>"""
    return tt_page(outlet, "About | The Tripoli Tribune", main, "path-about", "page")


def tt_sitemaps(outlet: Outlet) -> dict[str, str]:
    """Sitemap index -> post sitemap (all articles) + Google News sitemap (newest)."""
    newest = w3c_date(max(a.modified for a in outlet.articles))
    index = f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap>
<loc>{ORIGIN}/tripoli-tribune/post-sitemap.xml</loc>
<lastmod>{newest}</lastmod>
</sitemap>
<sitemap>
<loc>{ORIGIN}/tripoli-tribune/news-sitemap.xml</loc>
<lastmod>{newest}</lastmod>
</sitemap>
</sitemapindex>
"""
    # Like many CMS sitemaps, the post sitemap starts with the front page (not an article).
    urls = [f"<url>\n<loc>{ORIGIN}/tripoli-tribune/</loc>\n<lastmod>{newest}</lastmod>\n</url>"]
    urls += [
        f"<url>\n<loc>{a.url}</loc>\n<lastmod>{w3c_date(a.modified)}</lastmod>\n</url>"
        for a in outlet.articles
    ]
    posts = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )
    news_urls = "\n".join(
        f"""<url>
<loc>{a.url}</loc>
<news:news>
<news:publication>
<news:name>{esc(outlet.name)}</news:name>
<news:language>en</news:language>
</news:publication>
<news:publication_date>{w3c_date(a.published)}</news:publication_date>
<news:title>{esc(a.title)}</news:title>
</news:news>
</url>"""
        for a in outlet.articles[:TT_NEWS_ITEMS]
    )
    news = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{news_urls}\n</urlset>\n"
    )
    return {
        "tripoli-tribune/sitemap_index.xml": xml_doc(index),
        "tripoli-tribune/post-sitemap.xml": xml_doc(posts),
        "tripoli-tribune/news-sitemap.xml": xml_doc(news),
    }


def build_tripoli_tribune(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): tt_article(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    files["tripoli-tribune/index.html"] = tt_listing(outlet, "Latest from Libya", arts[:8])
    for tag in sorted({t for a in arts for t in a.tags}):
        files[page_file(tt_topic_path(tag))] = tt_listing(
            outlet, tag, [a for a in arts if tag in a.tags]
        )
    files["tripoli-tribune/about.html"] = tt_about(outlet)
    files.update(tt_sitemaps(outlet))
    return files


# --------------------------------------------------------------------------- Akhbar Barqa
# An Arabic, right-to-left site on Joomla with K2: "بقلم:" bylines, RSS feed of the
# newest items and a plain sitemap of everything.

AB_FEED_ITEMS = 6


def ab_page(outlet: Outlet, title: str, main: str, template: str, head: str = "") -> str:
    return fill(
        "akhbar-barqa",
        title=esc(title),
        head=head,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=ab_sidebar(outlet),
        template=template,
    )


def ab_sidebar(outlet: Outlet) -> str:
    return f"""<aside id="sidebar" class="span3" role="complementary">
<div class="moduletable mostread">
<h3>الأكثر قراءة</h3>
{link_list(most_read(outlet.articles, 5), "mostread")}
</div>
<div class="moduletable custom">
<h3>تابعونا</h3>
<p>اشترك في نشرتنا البريدية لتصلك أهم الأخبار كل صباح.</p>
</div>
</aside>"""


def ab_article(outlet: Outlet, article: Article) -> str:
    author = ""
    if article.byline:
        author = (
            f'\n<span class="itemAuthor">بقلم: <span class="itemAuthorName">'
            f"{esc(article.byline)}</span></span>"
        )
    tags = "\n".join(f"<li>{esc(t)}</li>" for t in article.tags)
    main = f"""<div id="k2Container" class="itemView">
<div class="itemHeader">
<h2 class="itemTitle">{esc(article.title)}</h2>
<div class="itemToolbar">
<time class="itemDateCreated" datetime="{w3c_date(article.published)}">
{ar_date(article.published)}</time>{author}
<span class="itemFontResizer">حجم الخط
<a href="#" class="font-size-control" data-step="up">+</a>
<a href="#" class="font-size-control" data-step="down">-</a></span>
</div>
</div>
<div class="itemBody">
<div class="itemFullText">
{paragraphs_html(article)}
</div>
</div>
<div class="itemTagsBlock">
<span>الوسوم:</span>
<ul class="itemTags">
{tags}
</ul>
</div>
<div class="itemSocialSharing">شارك الخبر:
<a href="#" class="share-facebook">فيسبوك</a>
<a href="#" class="share-whatsapp">واتساب</a></div>
<div class="itemRelated">
<h3>أخبار ذات صلة</h3>
{link_list(related(article, outlet.articles, 3), "itemRelatedList")}
</div>
<div class="itemComments"><p>التعليقات مغلقة على هذا الخبر.</p></div>
</div>"""
    head = [
        f'<link rel="canonical" href="{attr(article.url)}">',
        f'<meta name="description" content="{attr(excerpt(article, 25))}">',
        '<meta property="og:locale" content="ar_LY">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(article.title)}">',
        f'<meta property="og:url" content="{attr(article.url)}">',
        f'<meta property="og:site_name" content="{attr(outlet.name)}">',
        f'<meta property="article:published_time" content="{w3c_date(article.published)}">',
    ]
    if article.byline:
        head.append(f'<meta name="author" content="{attr(article.byline)}">')
    return ab_page(outlet, f"{article.title} - {outlet.name}", main, "item", "\n".join(head))


def ab_listing(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    rows = "\n".join(
        f"""<div class="catItemView">
<h3 class="catItemTitle"><a href="{attr(a.path)}">{esc(a.title)}</a></h3>
<time datetime="{w3c_date(a.published)}">{ar_date(a.published)}</time>
<p>{esc(excerpt(a, 25))}</p>
</div>"""
        for a in articles
    )
    main = f'<div id="k2Container" class="itemListView">\n<h1>{esc(heading)}</h1>\n{rows}\n</div>'
    return ab_page(outlet, f"{heading} - {outlet.name}", main, "itemlist")


def ab_static(outlet: Outlet, heading: str, text: str) -> str:
    main = f'<div class="item-page">\n<h1>{esc(heading)}</h1>\n<p>{esc(text)}</p>\n</div>'
    return ab_page(outlet, f"{heading} - {outlet.name}", main, "article")


def ab_feed_item(article: Article) -> str:
    creator = f"\n<dc:creator>{esc(article.byline)}</dc:creator>" if article.byline else ""
    return f"""<item>
<title>{esc(article.title)}</title>
<link>{article.url}</link>
<guid isPermaLink="true">{article.url}</guid>
<description><![CDATA[{excerpt(article, 25)}]]></description>{creator}
<pubDate>{rss_date(article.published)}</pubDate>
</item>"""


def ab_feed(outlet: Outlet) -> str:
    """RSS 2.0 with the newest articles only; the sitemap lists the rest."""
    items = "\n".join(ab_feed_item(a) for a in outlet.articles[:AB_FEED_ITEMS])
    body = f"""<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{esc(outlet.name)}</title>
<link>{ORIGIN}/akhbar-barqa/</link>
<description>{esc(outlet.tagline)}</description>
<language>ar</language>
<lastBuildDate>{rss_date(outlet.articles[0].published)}</lastBuildDate>
<atom:link href="{ORIGIN}/akhbar-barqa/rss.xml" rel="self" type="application/rss+xml"/>
{items}
</channel>
</rss>
"""
    return xml_doc(body)


def ab_sitemap(outlet: Outlet) -> str:
    urls = [f"{ORIGIN}/akhbar-barqa/", f"{ORIGIN}/akhbar-barqa/archive.html"]
    urls += [a.url for a in outlet.articles]
    body = "\n".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return xml_doc(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</urlset>\n'
    )


def build_akhbar_barqa(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): ab_article(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    files["akhbar-barqa/index.html"] = ab_listing(outlet, "آخر الأخبار", arts[:6])
    files["akhbar-barqa/archive.html"] = ab_listing(outlet, "أرشيف الأخبار", arts)
    files["akhbar-barqa/about.html"] = ab_static(
        outlet,
        "من نحن",
        "أخبار برقة صحيفة إلكترونية مستقلة تغطي الشأن الليبي من بنغازي، "
        "وتعنى بأخبار المدن والاقتصاد والثقافة والخدمات.",
    )
    files["akhbar-barqa/contact.html"] = ab_static(
        outlet,
        "اتصل بنا",
        "لإرسال الأخبار والملاحظات يرجى مراسلة فريق التحرير عبر البريد "
        "الإلكتروني المنشور في الصفحة الرئيسية.",
    )
    files["akhbar-barqa/rss.xml"] = ab_feed(outlet)
    files["akhbar-barqa/sitemap.xml"] = ab_sitemap(outlet)
    return files


# --------------------------------------------------------------------------- site


BUILDERS = {
    "inewstoday": build_inewstoday,
    "tripoli-tribune": build_tripoli_tribune,
    "akhbar-barqa": build_akhbar_barqa,
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


def build() -> dict[str, str | bytes]:
    """The whole site as {relative file path: content}."""
    outlets = [load_outlet(CONTENT_DIR / f"{oid}.yml") for oid in BUILDERS]
    check_content(outlets)
    site: dict[str, str | bytes] = {}
    for outlet in outlets:
        site.update(BUILDERS[outlet.id](outlet))
    site.update(build_root(outlets))
    site.update(copy_assets())
    check_against_registry(site, outlets)
    return site


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: demo/site)"
    )
    args = parser.parse_args(argv)
    site = build()
    write_site(site, args.out)
    print(f"wrote {len(site)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
