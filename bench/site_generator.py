"""Generate a static, realistic news site for the crawl benchmark.

Real news pages are mostly not news: the story is a few KB of text inside
60-120 KB of head metadata, inline scripts and JSON state, CSS, navigation,
sidebars, recirculation cards and footers. Extraction cost is dominated by
that chrome, so a benchmark on bare article text would flatter both the
crawler and trafilatura. This module writes pages with the same anatomy,
seeded so every run (and every machine) sees byte-identical input.

Layout written under ``root``::

    index.html, robots.txt, sitemap.xml, outlets.yml
    news/<year>/<slug>-<id>.html      the articles (returned, as URL paths)
    section/<name>.html, authors/<slug>.html, <static pages>.html
    static/css/main.css, static/js/*.js
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

try:  # imported as bench.site_generator or run from inside bench/
    from . import news_text
except ImportError:
    import news_text  # type: ignore[no-redef]

SITE_NAME = "Bench Gazette"
KB = 1024
PAGE_BYTES = (61 * KB, 119 * KB)  # target range, inside the promised 60-120 KB
MARKUP_SHARE = (0.60, 0.80)  # rest of each page is inline script/JSON state
TZ = dt.timezone(dt.timedelta(hours=2))  # Libya, UTC+2
FIRST_DAY = dt.datetime(2012, 1, 1, tzinfo=TZ)
DAYS_SPAN = 14 * 365
STATIC_PAGES = (
    "about",
    "contact",
    "privacy",
    "terms",
    "advertise",
    "careers",
    "newsletters",
    "corrections",
    "ethics",
    "subscribe",
)
NAV_SUBSECTIONS = (
    "Latest",
    "Analysis",
    "Explainers",
    "Interviews",
    "Opinion",
    "In pictures",
    "Video",
    "Data",
)


@dataclass(frozen=True)
class Story:
    """An article plus where and when it is published."""

    id: int
    path: str
    published: dt.datetime
    article: news_text.Article

    @property
    def author_path(self) -> str:
        return f"/authors/{slugify(self.article.author)}.html"


def slugify(text: str) -> str:
    """Lower-case, hyphenated, ASCII-word slug for URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def generate_site(
    root: Path, n_articles: int = 2000, seed: int = 1, origin: str = "http://127.0.0.1:8000"
) -> list[str]:
    """Write the whole site into ``root``; return the article URL paths.

    ``origin`` (scheme://host:port, no trailing slash) is baked into the
    sitemap, robots.txt, canonical links and outlets.yml, so bind the server
    port before generating.
    """
    origin = origin.rstrip("/")
    rng = random.Random(seed)
    stories = _plan_stories(rng, n_articles)
    chrome = _Chrome.build(rng)
    root.mkdir(parents=True, exist_ok=True)
    seen_bodies: set[bytes] = set()
    for story in stories:
        body_hash = hashlib.sha1("\n".join(story.article.paragraphs).encode()).digest()
        if body_hash in seen_bodies:
            raise AssertionError(f"duplicate article body for {story.path}")
        seen_bodies.add(body_hash)
        page = _render_article(rng, story, stories, chrome, origin)
        _write(root, story.path, page)
    _write_listing_pages(root, stories, chrome)
    _write_static_files(root, chrome)
    _write(root, "/sitemap.xml", _sitemap(stories, origin))
    _write(root, "/robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {origin}/sitemap.xml\n")
    _write(root, "/outlets.yml", _outlets_yml(origin))
    return [s.path for s in stories]


def _write(root: Path, url_path: str, text: str) -> None:
    target = root / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _plan_stories(rng: random.Random, n: int) -> list[Story]:
    """All stories up front, so pages can link to each other (related, most read)."""
    stories = []
    for i in range(n):
        article = news_text.generate_article(rng)
        published = FIRST_DAY + dt.timedelta(
            days=rng.randrange(DAYS_SPAN), minutes=rng.randrange(24 * 60)
        )
        slug = slugify(article.headline)[:80].rstrip("-")
        path = f"/news/{published.year}/{slug}-{i:05d}.html"
        stories.append(Story(i, path, published, article))
    return stories


# --------------------------------------------------------------------------
# Site-wide chrome: identical on every page, as on a real CMS.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chrome:
    css: str
    header: str
    footer: str
    svg_icons: str

    @classmethod
    def build(cls, rng: random.Random) -> _Chrome:
        return cls(css=_css(rng), header=_header(), footer=_footer(), svg_icons=_svg_sprite(rng))


def _css(rng: random.Random) -> str:
    """A few KB of plausible critical-path CSS, inlined as sites do."""
    rules = []
    for block in (
        "header",
        "nav",
        "breadcrumbs",
        "article",
        "byline",
        "share",
        "sidebar",
        "most-read",
        "ad-slot",
        "related",
        "card",
        "comments",
        "footer",
        "newsletter",
        "tag-list",
        "pagination",
    ):
        for part in (
            "",
            "__inner",
            "__title",
            "__list",
            "__item",
            "__link",
            "--active",
            "--compact",
        ):
            props = "; ".join(
                f"{p}: {v}"
                for p, v in rng.sample(
                    [
                        ("margin", f"{rng.randint(0, 32)}px {rng.randint(0, 24)}px"),
                        ("padding", f"{rng.randint(0, 24)}px"),
                        ("font-size", f"{rng.choice((12, 13, 14, 15, 16, 18, 22, 28))}px"),
                        ("line-height", f"1.{rng.randint(2, 7)}"),
                        ("color", f"#{rng.randrange(0x1000000):06x}"),
                        ("border-bottom", f"1px solid #{rng.randrange(0x1000000):06x}"),
                        ("display", rng.choice(("flex", "block", "grid", "inline-block"))),
                        ("gap", f"{rng.randint(4, 24)}px"),
                    ],
                    4,
                )
            )
            rules.append(f".{block}{part} {{ {props}; }}")
    media = (
        "@media (max-width: 768px) { .sidebar { display: none; } .nav__list { display: none; } }"
    )
    return "\n".join(rules) + "\n" + media


def _svg_sprite(rng: random.Random) -> str:
    """Inline SVG icon sprite (logo, social icons), a common page-weight item."""
    symbols = []
    for name in (
        "logo",
        "facebook",
        "x",
        "whatsapp",
        "telegram",
        "email",
        "print",
        "search",
        "menu",
        "close",
        "comment",
        "bookmark",
    ):
        path = " ".join(f"L{rng.randint(0, 24)} {rng.randint(0, 24)}" for _ in range(30))
        symbols.append(
            f'<symbol id="icon-{name}" viewBox="0 0 24 24"><path d="M12 2 {path} Z"/></symbol>'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" style="display:none">'
        + "".join(symbols)
        + "</svg>"
    )


def _header() -> str:
    """Masthead plus a mega menu: every section with its sub-pages."""
    items = []
    for section in news_text.SECTIONS:
        subs = "".join(
            f'<li class="nav__item"><a class="nav__link" href="/section/{section}.html'
            f'?view={slugify(sub)}">{sub}</a></li>'
            for sub in NAV_SUBSECTIONS
        )
        items.append(
            f'<li class="nav__item nav__item--parent"><a class="nav__link" '
            f'href="/section/{section}.html">{section.title()}</a>'
            f'<ul class="nav__list nav__list--sub">{subs}</ul></li>'
        )
    places = "".join(
        f'<li class="nav__item"><a class="nav__link" href="/section/politics.html?place='
        f'{slugify(p)}">{p}</a></li>'
        for p in news_text.PLACES
    )
    return (
        '<header class="header" role="banner"><div class="header__inner">'
        '<a class="skip-link" href="#main">Skip to content</a>'
        f'<a class="header__logo" href="/" aria-label="{SITE_NAME} home">'
        '<svg width="160" height="32"><use href="#icon-logo"/></svg></a>'
        '<div class="header__tools"><button class="header__search" aria-label="Search">'
        '<svg><use href="#icon-search"/></svg></button>'
        '<a class="header__lang" href="/ar/" hreflang="ar">العربية</a>'
        '<a class="header__subscribe" href="/subscribe.html">Subscribe</a></div></div>'
        '<nav class="nav" aria-label="Main"><ul class="nav__list">'
        + "".join(items)
        + '<li class="nav__item nav__item--parent"><a class="nav__link" href="/">Cities</a>'
        f'<ul class="nav__list nav__list--sub">{places}</ul></li></ul></nav></header>'
    )


def _footer() -> str:
    """Large footer: link columns, newsletter form, legal text."""
    columns = []
    for title, links in (
        ("Sections", [(s.title(), f"/section/{s}.html") for s in news_text.SECTIONS]),
        ("Cities", [(p, f"/section/politics.html?place={slugify(p)}") for p in news_text.PLACES]),
        (
            "Topics",
            [
                (t[0].upper() + t[1:], f"/section/politics.html?topic={slugify(t)}")
                for t in news_text.TOPICS
            ],
        ),
        ("About us", [(p.title(), f"/{p}.html") for p in STATIC_PAGES]),
        (
            "Follow",
            [
                (n, f"https://example.invalid/{n.lower()}")
                for n in ("Facebook", "X", "Telegram", "WhatsApp", "YouTube", "Instagram")
            ],
        ),
    ):
        lis = "".join(
            f'<li class="footer__item"><a class="footer__link" href="{h}">{t}</a></li>'
            for t, h in links
        )
        columns.append(
            f'<div class="footer__col"><h4 class="footer__title">{title}</h4>'
            f'<ul class="footer__list">{lis}</ul></div>'
        )
    return (
        '<footer class="footer" role="contentinfo"><div class="footer__inner">'
        + "".join(columns)
        + '<form class="newsletter" action="/newsletters.html" method="post">'
        '<label for="nl-email">Get the morning briefing</label>'
        '<input id="nl-email" type="email" name="email" placeholder="you@example.com">'
        '<button type="submit">Sign up</button></form>'
        f'<p class="footer__legal">&copy; {SITE_NAME}. All rights reserved. '
        "Reproduction of any material without written permission is prohibited. "
        "Views expressed in opinion pieces are those of the authors.</p>"
        "</div></footer>"
    )


# --------------------------------------------------------------------------
# Article pages
# --------------------------------------------------------------------------


def _render_article(
    rng: random.Random, story: Story, stories: list[Story], chrome: _Chrome, origin: str
) -> str:
    """One article page, padded with recirculation cards and JSON state to a size target."""
    target = rng.randint(*PAGE_BYTES)
    markup_target = int(target * rng.uniform(*MARKUP_SHARE))
    related = rng.choices(stories, k=rng.randint(6, 8))
    most_read = rng.choices(stories, k=10)
    read_more = rng.choice(stories)
    head = _head(rng, story, chrome, origin)
    body_parts = [
        f'<body class="article-page section-{story.article.section}">',
        chrome.svg_icons,
        chrome.header,
        _breadcrumbs(story),
        '<div class="layout"><main id="main" class="layout__main">',
        _article(rng, story, read_more, origin),
        _related(related),
        _comments(story),
        "</main>",
        _sidebar(rng, most_read),
        "</div>",
    ]
    size = _nbytes(head) + sum(map(_nbytes, body_parts)) + _nbytes(chrome.footer)
    cards, size = _fill_cards(rng, stories, size, markup_target)
    tail = [
        f'<section class="more-news" aria-label="More news"><h2>More news</h2>'
        f'<div class="more-news__grid">{cards}</div></section>',
        chrome.footer,
    ]
    state = _state_script(rng, story, stories, target - size - 200)
    tail += [
        state,
        '<script src="/static/js/vendor.js" defer></script>'
        '<script src="/static/js/app.js" defer></script></body></html>',
    ]
    return head + "".join(body_parts) + "".join(tail)


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _head(rng: random.Random, story: Story, chrome: _Chrome, origin: str) -> str:
    a = story.article
    url = origin + story.path
    published = story.published.isoformat()
    modified = (story.published + dt.timedelta(hours=rng.randint(1, 30))).isoformat()
    image = f"{origin}/static/img/{story.id:05d}-1200x675.jpg"
    metas = [
        ("name", "description", a.standfirst),
        ("name", "author", a.author),
        ("name", "keywords", ", ".join(a.tags)),
        ("name", "robots", "index, follow, max-image-preview:large"),
        ("name", "viewport", "width=device-width, initial-scale=1"),
        ("name", "theme-color", "#8a1c1c"),
        ("name", "news_keywords", ", ".join(a.tags)),
        ("property", "og:type", "article"),
        ("property", "og:site_name", SITE_NAME),
        ("property", "og:title", a.headline),
        ("property", "og:description", a.standfirst),
        ("property", "og:url", url),
        ("property", "og:image", image),
        ("property", "og:image:width", "1200"),
        ("property", "og:image:height", "675"),
        ("property", "og:locale", "en_GB"),
        ("property", "article:published_time", published),
        ("property", "article:modified_time", modified),
        ("property", "article:section", a.section.title()),
        ("property", "article:author", a.author),
        *(("property", "article:tag", t) for t in a.tags),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:site", "@benchgazette"),
        ("name", "twitter:title", a.headline),
        ("name", "twitter:description", a.standfirst),
        ("name", "twitter:image", image),
        ("name", "parsely-title", a.headline),
        ("name", "parsely-pub-date", published),
        ("name", "parsely-section", a.section),
        ("name", "parsely-author", a.author),
    ]
    meta_html = "".join(f'<meta {k}="{esc(n)}" content="{esc(v)}">' for k, n, v in metas)
    return (
        '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">'
        f"<title>{esc(a.headline)} | {SITE_NAME}</title>{meta_html}"
        f'<link rel="canonical" href="{url}">'
        f'<link rel="alternate" hreflang="ar" href="{origin}/ar{story.path}">'
        '<link rel="preconnect" href="https://cdn.example.invalid">'
        '<link rel="icon" href="/static/img/favicon.ico">'
        '<link rel="stylesheet" href="/static/css/main.css">'
        f"<style>{chrome.css}</style>"
        f"{_json_ld(story, url, image, modified, origin)}"
        f"{_config_script(rng, story)}"
        '<script async src="/static/js/analytics.js"></script>'
        "</head>"
    )


def _json_ld(story: Story, url: str, image: str, modified: str, origin: str) -> str:
    """NewsArticle and BreadcrumbList structured data, the metadata extractors trust most."""
    a = story.article
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.headline,
        "description": a.standfirst,
        "datePublished": story.published.isoformat(),
        "dateModified": modified,
        "author": {"@type": "Person", "name": a.author, "url": origin + story.author_path},
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "logo": {"@type": "ImageObject", "url": f"{origin}/static/img/logo.png"},
        },
        "image": [image],
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "articleSection": a.section.title(),
        "keywords": list(a.tags),
        "inLanguage": "en",
    }
    crumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": origin + "/"},
            {
                "@type": "ListItem",
                "position": 2,
                "name": a.section.title(),
                "item": f"{origin}/section/{a.section}.html",
            },
            {"@type": "ListItem", "position": 3, "name": a.headline, "item": url},
        ],
    }
    return "".join(
        f'<script type="application/ld+json">{_script_json(d)}</script>' for d in (article, crumbs)
    )


def _script_json(data: object) -> str:
    """JSON safe to inline in <script> (no premature </script>)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _config_script(rng: random.Random, story: Story) -> str:
    """Analytics/ads/consent configuration blob of several KB, as CMSs inline."""
    config = {
        "site": {
            "name": SITE_NAME,
            "edition": "en",
            "env": "production",
            "build": f"{rng.getrandbits(40):010x}",
        },
        "page": {
            "id": story.id,
            "type": "article",
            "section": story.article.section,
            "tags": list(story.article.tags),
            "wordCount": sum(len(p.split()) for p in story.article.paragraphs),
        },
        "ads": {
            "network": "/2190/benchgazette",
            "lazy": True,
            "refresh": 30,
            "slots": [
                {
                    "id": f"ad-{i}",
                    "sizes": [[300, 250], [300, 600], [728, 90]],
                    "targeting": {"pos": i, "kw": rng.sample(news_text.TOPICS, 3)},
                }
                for i in range(8)
            ],
        },
        "consent": {
            "vendors": [
                {
                    "id": rng.randint(1, 999),
                    "purposes": rng.sample(range(1, 11), 5),
                    "legIntPurposes": rng.sample(range(1, 11), 2),
                }
                for _ in range(30)
            ]
        },
        "experiments": {f"exp_{i}": rng.choice(("control", "a", "b")) for i in range(20)},
    }
    return (
        f"<script>window.__CONFIG__ = {_script_json(config)};"
        "window.dataLayer = window.dataLayer || [];"
        "function gtag(){dataLayer.push(arguments);}"
        "gtag('js', new Date()); gtag('config', 'G-BENCH00001');</script>"
    )


def _breadcrumbs(story: Story) -> str:
    section = story.article.section
    return (
        '<nav class="breadcrumbs" aria-label="Breadcrumb"><ol class="breadcrumbs__list">'
        '<li class="breadcrumbs__item"><a href="/">Home</a></li>'
        f'<li class="breadcrumbs__item"><a href="/section/{section}.html">'
        f"{section.title()}</a></li>"
        f'<li class="breadcrumbs__item" aria-current="page">{esc(story.article.headline)}</li>'
        "</ol></nav>"
    )


def _article(rng: random.Random, story: Story, read_more: Story, origin: str) -> str:
    """The story itself: the only part an extractor should return."""
    a = story.article
    when = story.published
    paragraphs = _body(rng, story, read_more)
    tags = "".join(
        f'<li><a href="/section/{a.section}.html?tag={slugify(t)}">{esc(t)}</a></li>'
        for t in a.tags
    )
    return (
        '<article class="article" itemscope itemtype="https://schema.org/NewsArticle">'
        f'<header class="article__header"><a class="article__kicker" '
        f'href="/section/{a.section}.html">{a.section.title()}</a>'
        f'<h1 class="article__title" itemprop="headline">{esc(a.headline)}</h1>'
        f'<p class="article__standfirst">{esc(a.standfirst)}</p>'
        '<div class="byline">By <a class="byline__author" rel="author" '
        f'href="{story.author_path}">{esc(a.author)}</a> &middot; '
        f'<time class="byline__date" datetime="{when.isoformat()}" itemprop="datePublished">'
        f"{when.day} {when:%B %Y}, {when:%H:%M}</time></div></header>"
        f"{_share_bar(story, origin)}"
        '<figure class="article__figure"><img '
        f'src="/static/img/{story.id:05d}-800x450.jpg" '
        f'srcset="/static/img/{story.id:05d}-400x225.jpg 400w, '
        f"/static/img/{story.id:05d}-800x450.jpg 800w, "
        f'/static/img/{story.id:05d}-1200x675.jpg 1200w" sizes="(max-width: 768px) 100vw, 800px" '
        f'width="800" height="450" alt="{esc(a.headline)}"></figure>'
        f'<div class="article__body" itemprop="articleBody">{paragraphs}</div>'
        f'<ul class="tag-list">{tags}</ul></article>'
    )


def _body(rng: random.Random, story: Story, read_more: Story) -> str:
    """Paragraphs with in-text links, interrupted by an ad and a 'Read more' box.

    The interruptions are what makes real article bodies hard to extract: an
    extractor must skip them without losing the paragraphs around them.
    """
    parts = []
    for i, text in enumerate(story.article.paragraphs):
        parts.append(f"<p>{_link_places(esc(text), rng)}</p>")
        if i == 2:
            parts.append(
                '<div class="ad-slot ad-slot--inline" id="ad-inline" '
                'data-ad-unit="/2190/benchgazette/article/inline" data-sizes="300x250">'
                '<span class="ad-slot__label">Advertisement</span></div>'
            )
        if i == 5:
            parts.append(
                '<aside class="read-more"><span class="read-more__label">Read more'
                f'</span><a href="{read_more.path}">{esc(read_more.article.headline)}'
                "</a></aside>"
            )
    return "".join(parts)


def _link_places(paragraph: str, rng: random.Random) -> str:
    """Link the first place name in some paragraphs to its tag page, as newsrooms do."""
    if rng.random() < 0.5:
        return paragraph
    for place in news_text.PLACES:
        if place in paragraph:
            link = f'<a href="/section/politics.html?place={slugify(place)}">{place}</a>'
            return paragraph.replace(place, link, 1)
    return paragraph


def _share_bar(story: Story, origin: str) -> str:
    url = origin + story.path
    links = "".join(
        f'<li class="share__item"><a class="share__link share__link--{n}" '
        f'href="https://example.invalid/share/{n}?u={url}" aria-label="Share on {n}" '
        f'rel="noopener" target="_blank"><svg width="20" height="20">'
        f'<use href="#icon-{n}"/></svg></a></li>'
        for n in ("facebook", "x", "whatsapp", "telegram", "email", "print")
    )
    return f'<div class="share"><ul class="share__list">{links}</ul></div>'


def _teaser(story: Story, css_class: str) -> str:
    """A linked headline with thumbnail, the unit of every recirculation list."""
    return (
        f'<li class="{css_class}__item"><a class="{css_class}__link" href="{story.path}">'
        f'<img src="/static/img/{story.id:05d}-160x90.jpg" width="160" height="90" '
        f'loading="lazy" alt=""><span class="{css_class}__title">'
        f"{esc(story.article.headline)}</span></a></li>"
    )


def _related(stories: list[Story]) -> str:
    items = "".join(_teaser(s, "related") for s in stories)
    return (
        '<aside class="related" aria-label="Related">'
        '<h2 class="related__title">Related stories</h2>'
        f'<ul class="related__list">{items}</ul></aside>'
    )


def _comments(story: Story) -> str:
    return (
        f'<section class="comments" id="comments" data-thread="article-{story.id}">'
        '<h2 class="comments__title">Comments</h2>'
        '<p class="comments__notice">Comments are loading. Please enable JavaScript '
        "to join the conversation.</p>"
        '<button class="comments__load">Show comments</button></section>'
    )


def _sidebar(rng: random.Random, most_read: list[Story]) -> str:
    """Most-read list, ad slots and a newsletter promo."""
    ranked = "".join(_teaser(s, "most-read") for s in most_read)
    ads = "".join(
        f'<div class="ad-slot" id="ad-{i}" data-ad-unit="/2190/benchgazette/article/{i}" '
        f'data-sizes="300x250,300x600" data-lazy="true"><span class="ad-slot__label">'
        f"Advertisement</span></div>"
        for i in range(rng.randint(3, 5))
    )
    return (
        f'<aside class="sidebar layout__aside">{ads}'
        '<section class="most-read"><h2 class="most-read__title">Most read</h2>'
        f'<ol class="most-read__list">{ranked}</ol></section>'
        '<div class="newsletter newsletter--compact"><p>Libya in your inbox, '
        'every morning.</p><a href="/newsletters.html">Sign up</a></div></aside>'
    )


def _fill_cards(
    rng: random.Random, stories: list[Story], size: int, markup_target: int
) -> tuple[str, int]:
    """Add 'More news' cards until the page's markup reaches its target size."""
    cards = []
    while size < markup_target:
        s = rng.choice(stories)
        published = s.published
        card = (
            f'<div class="card"><div class="card__inner"><div class="card__media">'
            f'<a href="{s.path}" tabindex="-1"><picture><source type="image/webp" '
            f'srcset="/static/img/{s.id:05d}-400x225.webp"><img '
            f'src="/static/img/{s.id:05d}-400x225.jpg" width="400" height="225" '
            f'loading="lazy" alt=""></picture></a></div><div class="card__body">'
            f'<a class="card__kicker" href="/section/{s.article.section}.html">'
            f'{s.article.section.title()}</a><h3 class="card__title">'
            f'<a href="{s.path}">{esc(s.article.headline)}</a></h3>'
            f'<div class="card__meta"><span class="card__author">{esc(s.article.author)}'
            f'</span><time class="card__date" datetime="{published.isoformat()}">'
            f"{published:%d.%m.%Y}</time></div></div></div></div>"
        )
        cards.append(card)
        size += _nbytes(card)
    return "".join(cards), size


def _state_script(rng: random.Random, story: Story, stories: list[Story], budget: int) -> str:
    """Hydration state (à la __NEXT_DATA__) grown to ``budget`` bytes of JSON."""
    state: dict = {"page": story.path, "articleId": story.id, "recirculation": []}
    prefix = '<script id="__PRELOADED_STATE__" type="application/json">'
    suffix = "</script>"
    size = _nbytes(prefix + suffix + _script_json(state))
    while True:
        s = rng.choice(stories)
        item = {
            "id": s.id,
            "url": s.path,
            "title": s.article.headline,
            "section": s.article.section,
            "author": s.article.author,
            "published": s.published.isoformat(),
            "tags": list(s.article.tags),
            "image": {"src": f"/static/img/{s.id:05d}-400x225.jpg", "w": 400, "h": 225},
            "ab": rng.getrandbits(64),
        }
        grown = _nbytes(_script_json(item)) + 2
        if size + grown > budget:
            break
        state["recirculation"].append(item)
        size += grown
    return prefix + _script_json(state) + suffix


# --------------------------------------------------------------------------
# Other pages and files
# --------------------------------------------------------------------------


def _simple_page(chrome: _Chrome, title: str, inner: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)} | {SITE_NAME}</title>"
        '<link rel="stylesheet" href="/static/css/main.css"></head><body>'
        f'{chrome.svg_icons}{chrome.header}<main id="main"><h1>{esc(title)}</h1>'
        f"{inner}</main>{chrome.footer}</body></html>"
    )


def _story_list(stories: list[Story]) -> str:
    return '<ul class="story-list">' + "".join(_teaser(s, "story-list") for s in stories) + "</ul>"


def _write_listing_pages(root: Path, stories: list[Story], chrome: _Chrome) -> None:
    """Homepage, section pages, author pages and static pages, so every nav link resolves."""
    newest = sorted(stories, key=lambda s: s.published, reverse=True)
    _write(
        root,
        "/index.html",
        _simple_page(chrome, "Latest news from Libya", _story_list(newest[:60])),
    )
    for section in news_text.SECTIONS:
        in_section = [s for s in newest if s.article.section == section][:40]
        _write(
            root,
            f"/section/{section}.html",
            _simple_page(chrome, section.title(), _story_list(in_section)),
        )
    by_author: dict[str, list[Story]] = {}
    for s in newest:
        by_author.setdefault(s.author_path, []).append(s)
    for path, own in by_author.items():
        _write(root, path, _simple_page(chrome, own[0].article.author, _story_list(own[:40])))
    for name in STATIC_PAGES:
        _write(
            root,
            f"/{name}.html",
            _simple_page(chrome, name.title(), f"<p>{SITE_NAME} {name} information.</p>"),
        )


def _write_static_files(root: Path, chrome: _Chrome) -> None:
    """The external CSS/JS the pages reference (a crawler should not need them)."""
    _write(root, "/static/css/main.css", chrome.css)
    for name in ("app", "vendor", "analytics"):
        _write(
            root,
            f"/static/js/{name}.js",
            f"/* {name}.js */ (function(){{window.__{name}__ = true;}})();\n",
        )


def _sitemap(stories: list[Story], origin: str) -> str:
    entries = "".join(
        f"<url><loc>{origin}{s.path}</loc><lastmod>{s.published.date().isoformat()}</lastmod></url>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )


def _outlets_yml(origin: str) -> str:
    """Crawler registry describing this one outlet (schema of the project's outlets.yml)."""
    return (
        "outlets:\n"
        "  - id: bench\n"
        f"    name: {SITE_NAME}\n"
        f"    homepage: {origin}/\n"
        "    language: en\n"
        "    country: LY\n"
        "    scope: libya\n"
        "    sitemaps:\n"
        f"      - {origin}/sitemap.xml\n"
        "    article_patterns:\n"
        "      - '^/news/\\d{4}/[\\w-]+\\.html$'\n"
    )
