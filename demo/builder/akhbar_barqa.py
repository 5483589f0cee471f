"""Akhbar Barqa (أخبار برقة): an Arabic, right-to-left site on Joomla with K2.

"بقلم:" bylines, an RSS feed of the newest items and a plain sitemap of everything.
"""

from __future__ import annotations

from .content import ORIGIN, Article, Outlet
from .markup import (
    ar_date,
    attr,
    esc,
    excerpt,
    fill,
    link_list,
    most_read,
    page_file,
    paragraphs_html,
    related,
    rss_date,
    w3c_date,
    xml_doc,
)

FEED_ITEMS = 6


def render(outlet: Outlet, title: str, main: str, template: str, head: str = "") -> str:
    """A whole page: `main` inside the outlet's template, next to its sidebar."""
    return fill(
        "akhbar-barqa",
        title=esc(title),
        head=head,
        tagline=esc(outlet.tagline),
        main=main,
        sidebar=sidebar(outlet),
        template=template,
    )


def sidebar(outlet: Outlet) -> str:
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


def article_page(outlet: Outlet, article: Article) -> str:
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
    return render(outlet, f"{article.title} - {outlet.name}", main, "item", "\n".join(head))


def listing_page(outlet: Outlet, heading: str, articles: list[Article]) -> str:
    rows = "\n".join(
        f"""<div class="catItemView">
<h3 class="catItemTitle"><a href="{attr(a.path)}">{esc(a.title)}</a></h3>
<time datetime="{w3c_date(a.published)}">{ar_date(a.published)}</time>
<p>{esc(excerpt(a, 25))}</p>
</div>"""
        for a in articles
    )
    main = f'<div id="k2Container" class="itemListView">\n<h1>{esc(heading)}</h1>\n{rows}\n</div>'
    return render(outlet, f"{heading} - {outlet.name}", main, "itemlist")


def static_page(outlet: Outlet, heading: str, text: str) -> str:
    main = f'<div class="item-page">\n<h1>{esc(heading)}</h1>\n<p>{esc(text)}</p>\n</div>'
    return render(outlet, f"{heading} - {outlet.name}", main, "article")


def feed_item(article: Article) -> str:
    creator = f"\n<dc:creator>{esc(article.byline)}</dc:creator>" if article.byline else ""
    return f"""<item>
<title>{esc(article.title)}</title>
<link>{article.url}</link>
<guid isPermaLink="true">{article.url}</guid>
<description><![CDATA[{excerpt(article, 25)}]]></description>{creator}
<pubDate>{rss_date(article.published)}</pubDate>
</item>"""


def feed(outlet: Outlet) -> str:
    """RSS 2.0 with the newest articles only; the sitemap lists the rest."""
    items = "\n".join(feed_item(a) for a in outlet.articles[:FEED_ITEMS])
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


def sitemap(outlet: Outlet) -> str:
    urls = [f"{ORIGIN}/akhbar-barqa/", f"{ORIGIN}/akhbar-barqa/archive.html"]
    urls += [a.url for a in outlet.articles]
    body = "\n".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return xml_doc(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</urlset>\n'
    )


def build(outlet: Outlet) -> dict[str, str]:
    files = {page_file(a.path): article_page(outlet, a) for a in outlet.articles}
    arts = list(outlet.articles)
    files["akhbar-barqa/index.html"] = listing_page(outlet, "آخر الأخبار", arts[:6])
    files["akhbar-barqa/archive.html"] = listing_page(outlet, "أرشيف الأخبار", arts)
    files["akhbar-barqa/about.html"] = static_page(
        outlet,
        "من نحن",
        "أخبار برقة صحيفة إلكترونية مستقلة تغطي الشأن الليبي من بنغازي، "
        "وتعنى بأخبار المدن والاقتصاد والثقافة والخدمات.",
    )
    files["akhbar-barqa/contact.html"] = static_page(
        outlet,
        "اتصل بنا",
        "لإرسال الأخبار والملاحظات يرجى مراسلة فريق التحرير عبر البريد "
        "الإلكتروني المنشور في الصفحة الرئيسية.",
    )
    files["akhbar-barqa/rss.xml"] = feed(outlet)
    files["akhbar-barqa/sitemap.xml"] = sitemap(outlet)
    return files
