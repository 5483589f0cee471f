"""iNewsToday: a general world-news site on WordPress.

Byline in span.author.vcard, time.entry-date, article:published_time, a paginated category
listing, and an RSS feed of the newest items only.
"""

from __future__ import annotations

from .content import ORIGIN, Article, Outlet
from .markup import (
    attr,
    en_date,
    esc,
    excerpt,
    fill,
    link_list,
    most_read,
    page_file,
    paragraphs_html,
    related,
    rss_date,
    slugify,
    w3c_date,
    xml_doc,
)

PER_PAGE = 6
FEED_ITEMS = 8
LISTING = "/inewstoday/category/world/"


def render(
    outlet: Outlet, title: str, main: str, body_class: str, template: str, head: str = ""
) -> str:
    """A whole page: `main` inside the outlet's template, next to its sidebar."""
    return fill(
        "inewstoday",
        title=esc(title),
        head=head,
        body_class=body_class,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=sidebar(outlet),
        template=template,
    )


def sidebar(outlet: Outlet) -> str:
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


def byline(article: Article) -> str:
    if article.byline:
        return (
            '<span class="byline"> by <span class="author vcard"><a class="url fn n" '
            f'href="/inewstoday/author/{slugify(article.byline)}/">{esc(article.byline)}'
            "</a></span></span>"
        )
    if article.syndicated_from:
        return f'<span class="source">Source: {esc(article.syndicated_from)}</span>'
    return ""


def article_page(outlet: Outlet, article: Article) -> str:
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
<span class="cat-links"><a href="{LISTING}" rel="category tag">World</a></span>
<h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta">
{byline(article)}
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
    return render(
        outlet, f"{article.title} - iNewsToday", main, body_class, "single", "\n".join(head)
    )


def summary(article: Article) -> str:
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


def listing_url(page: int) -> str:
    return LISTING if page == 1 else f"{LISTING}page/{page}/"


def listing_page(outlet: Outlet, page: int, pages: int, articles: list[Article]) -> str:
    """One page of the World category: six posts, numbered pagination, rel=next."""
    nav = []
    if page > 1:
        nav.append(
            f'<a class="prev page-numbers" href="{ORIGIN}{listing_url(page - 1)}">'
            "&laquo; Previous</a>"
        )
    for number in range(1, pages + 1):
        if number == page:
            nav.append(f'<span aria-current="page" class="page-numbers current">{number}</span>')
        else:
            nav.append(f'<a class="page-numbers" href="{ORIGIN}{listing_url(number)}">{number}</a>')
    if page < pages:
        nav.append(
            f'<a rel="next" class="next page-numbers" '
            f'href="{ORIGIN}{listing_url(page + 1)}">Next &raquo;</a>'
        )
    staff = ""
    if page == pages:
        # Disallowed by robots.txt: a polite crawler sees this link and leaves it alone.
        staff = (
            '\n<p class="staff-only"><a href="/private/secret.html">Staff: embargoed drafts</a></p>'
        )
    summaries = "\n".join(summary(a) for a in articles)
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
    head = [f'<link rel="canonical" href="{ORIGIN}{listing_url(page)}">']
    if page > 1:
        head.append(f'<link rel="prev" href="{ORIGIN}{listing_url(page - 1)}">')
    if page < pages:
        head.append(f'<link rel="next" href="{ORIGIN}{listing_url(page + 1)}">')
    title = "World Archives - iNewsToday" + (f" - Page {page} of {pages}" if page > 1 else "")
    return render(
        outlet, title, main, "archive category category-world", "archive", "\n".join(head)
    )


def archive_page(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    """Tag and author archives and the front page: not articles, just more links."""
    main = (
        f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1></header>\n'
        + "\n".join(summary(a) for a in articles)
    )
    return render(outlet, f"{heading} - iNewsToday", main, "archive", "archive")


def static_page(outlet: Outlet, title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    main = (
        f'<article class="page type-page hentry">\n<header class="entry-header">'
        f'<h1 class="entry-title">{esc(title)}</h1></header>\n'
        f'<div class="entry-content">\n{body}\n</div>\n</article>'
    )
    return render(outlet, f"{title} - iNewsToday", main, "page-template-default page", "page")


def feed(outlet: Outlet) -> str:
    """RSS 2.0 with the newest posts only, as WordPress serves by default."""
    items = []
    for art in outlet.articles[:FEED_ITEMS]:
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


def build(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): article_page(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    pages = (len(arts) + PER_PAGE - 1) // PER_PAGE
    for page in range(1, pages + 1):
        chunk = arts[(page - 1) * PER_PAGE : page * PER_PAGE]
        files[page_file(listing_url(page))] = listing_page(outlet, page, pages, chunk)
    files["inewstoday/index.html"] = archive_page(outlet, "Latest news", arts[:PER_PAGE])
    for tag in sorted({t for a in arts for t in a.tags}):
        tagged = [a for a in arts if tag in a.tags]
        files[f"inewstoday/tag/{slugify(tag)}/index.html"] = archive_page(
            outlet, f"Tag: {tag}", tagged
        )
    for author in sorted({a.byline for a in arts if a.byline}):
        by = [a for a in arts if a.byline == author]
        files[f"inewstoday/author/{slugify(author)}/index.html"] = archive_page(
            outlet, f"Author: {author}", by
        )
    files["inewstoday/about/index.html"] = static_page(
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
    files["inewstoday/contact/index.html"] = static_page(
        outlet,
        "Contact",
        [
            "News tips and corrections: newsdesk (at) inewstoday.example.",
            "Advertising and partnerships: commercial (at) inewstoday.example.",
        ],
    )
    files["inewstoday/feed.xml"] = feed(outlet)
    return files
