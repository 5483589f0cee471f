"""The Tripoli Tribune: a Libya-focused site on Drupal.

JSON-LD NewsArticle and canonical links; its entry points are a sitemap index with a post
sitemap and a Google News sitemap.
"""

from __future__ import annotations

from .content import ORIGIN, Article, Outlet
from .markup import (
    attr,
    en_date_time,
    esc,
    excerpt,
    fill,
    json_ld,
    link_list,
    most_read,
    page_file,
    paragraphs_html,
    related,
    slugify,
    w3c_date,
    xml_doc,
)

NEWS_ITEMS = 5


def render(
    outlet: Outlet, title: str, main: str, body_class: str, template: str, head: str = ""
) -> str:
    """A whole page: `main` inside the outlet's template, next to its sidebar."""
    return fill(
        "tripoli-tribune",
        title=esc(title),
        head=head,
        body_class=body_class,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=sidebar(outlet),
        template=template,
    )


def topic_path(tag: str) -> str:
    return f"/tripoli-tribune/topics/{slugify(tag)}.html"


def sidebar(outlet: Outlet) -> str:
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


def byline(article: Article) -> str:
    if article.authors:
        names = [f'<span class="author">{esc(n)}</span>' for n in article.authors]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f'<span class="byline">By {joined}</span>'
    if article.syndicated_from:
        return f'<span class="credit">{esc(article.syndicated_from)}</span>'
    return ""


def article_json_ld(outlet: Outlet, article: Article) -> str:
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


def article_page(outlet: Outlet, article: Article) -> str:
    lead = f'\n<p class="standfirst">{esc(article.lead)}</p>' if article.lead else ""
    updated = ""
    if article.modified != article.published:
        updated = (
            f' <span class="updated">Updated <time datetime="{w3c_date(article.modified)}">'
            f"{en_date_time(article.modified)}</time></span>"
        )
    topics = "\n".join(
        f'<div class="field__item"><a href="{topic_path(t)}" hreflang="en">{esc(t)}</a></div>'
        for t in article.tags
    )
    more = link_list(related(article, outlet.articles, 3))
    # As in Drupal, the headline is the page-title block, outside the node itself.
    section = article.tags[0]
    main = f"""<div id="block-tribune-page-title" class="block block-core block-page-title-block">
<div class="field field--name-field-section">
<a href="{topic_path(section)}">{esc(section)}</a>
</div>
<h1 class="page-title"><span class="field field--name-title">{esc(article.title)}</span></h1>
</div>
<article role="article" about="{attr(article.path)}"
 class="node node--type-article node--promoted node--view-mode-full">
<div class="node__header">{lead}
<div class="node__meta">
{byline(article)}
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
            article_json_ld(outlet, article),
        ]
    )
    return render(
        outlet,
        f"{article.title} | The Tripoli Tribune",
        main,
        "path-node page-node-type-article",
        "article",
        head,
    )


def teasers(articles: list[Article]) -> str:
    return "\n".join(
        f"""<div class="views-row">
<h3 class="teaser-title"><a href="{attr(a.path)}">{esc(a.title)}</a></h3>
<time datetime="{w3c_date(a.published)}">{en_date_time(a.published)}</time>
<p class="teaser-text">{esc(excerpt(a, 25))}</p>
</div>"""
        for a in articles
    )


def listing_page(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    main = (
        f'<h1 class="page-title">{esc(heading)}</h1>\n<div class="view view-frontpage">\n'
        f"{teasers(articles)}\n</div>"
    )
    return render(outlet, f"{heading} | The Tripoli Tribune", main, "path-frontpage", "listing")


def about_page(outlet: Outlet) -> str:
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
    return render(outlet, "About | The Tripoli Tribune", main, "path-about", "page")


def sitemaps(outlet: Outlet) -> dict[str, str]:
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
        for a in outlet.articles[:NEWS_ITEMS]
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


def build(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): article_page(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    files["tripoli-tribune/index.html"] = listing_page(outlet, "Latest from Libya", arts[:8])
    for tag in sorted({t for a in arts for t in a.tags}):
        files[page_file(topic_path(tag))] = listing_page(
            outlet, tag, [a for a in arts if tag in a.tags]
        )
    files["tripoli-tribune/about.html"] = about_page(outlet)
    files.update(sitemaps(outlet))
    return files
