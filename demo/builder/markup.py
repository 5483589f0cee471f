"""Helpers every outlet uses to write its pages, feeds and sitemaps.

Dates are formatted by hand rather than with strftime's %B or %A, so the output does not
depend on the locale.
"""

from __future__ import annotations

import json
import re
import string
import zlib
from datetime import datetime
from email.utils import format_datetime
from html import escape

from .content import TEMPLATE_DIR, Article

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
