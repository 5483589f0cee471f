"""Deduplication: decide which article a fetched page is, and whether it is new.

A page belongs to a known article when one of its URLs (the URL fetched, its redirect hops,
its own `<link rel=canonical>` or `og:url` on the same site) is already archived under the
same identity key (`pipelines.urls.url_key`: AMP, mobile, print, http/https, www and
trailing-slash variants meet there), or when the same outlet already has an article with
the same text (`content_hash`). Copies in *other* outlets stay separate articles on
purpose: who republished whom is what researchers study; the store puts them in one story
cluster (pipelines/clusters.py).

The decision is made by the archive's one writer (pipelines/store.py), inside the
transaction that writes the page, on the writer's connection: so it sees the pages of its
own batch that are not committed yet, and nothing else has to remember them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from pipelines.items import ArticlePage
from pipelines.text import words
from pipelines.urls import canonical_url, same_site, url_key


@dataclass(frozen=True)
class Decision:
    """What a page is to the archive."""

    # "new", "changed" (a known URL, a new text), "unchanged", or "alias" (the text of one
    # of the outlet's articles, at another URL).
    kind: str
    article_url: str  # the canonical URL of the article the page belongs to
    urls: list[str]  # every canonical URL the page goes by (page_urls)
    content_hash: str


def content_hash(text: str) -> str:
    """sha256 of the text's words as the text model reads them (case, punctuation, spacing
    and spelling variants folded), so that only a change of words is a new text."""
    return words_digest(words(text))


def words_digest(text_words: list[str]) -> str:
    """`content_hash` of a text whose words are already read."""
    return hashlib.sha256(" ".join(text_words).encode("utf-8")).hexdigest()


def page_digest(page: ArticlePage) -> str:
    """The content hash of a page's text: its extraction worker's (made with the
    fingerprint, `clusters.fingerprint`), else computed here."""
    printed = page.fingerprint
    if printed is not None and len(printed) > 2:
        return printed[2]
    return content_hash(page.article.text)


def page_urls(page: ArticlePage) -> list[str]:
    """Every canonical URL the page goes by; the first is the article's own."""
    urls = []
    canonical = page.article.canonical if page.article else None
    if canonical and same_site(canonical, page.url):
        # Honoured only on the outlet's own site (its AMP and mobile hosts included): a
        # syndicated copy pointing at the wire's or another outlet's URL must stay an
        # article of the outlet that carried it.
        urls.append(canonical_url(canonical))
    urls.append(canonical_url(page.url))
    urls.extend(canonical_url(u) for u in page.urls_seen)
    return list(dict.fromkeys(urls))


def decide(conn: sqlite3.Connection, page: ArticlePage) -> Decision:
    """Which article `page` is, judged from the archive `conn` reads."""
    urls = page_urls(page)
    digest = page_digest(page)
    known = next(filter(None, (_article_for_url(conn, u) for u in urls)), None)
    if known is not None:
        article_url, old_hash = known
        kind = "unchanged" if old_hash == digest else "changed"
        return Decision(kind, article_url, urls, digest)
    same_text = _article_for_text(conn, page.outlet, digest)
    if same_text:
        return Decision("alias", same_text, urls, digest)
    return Decision("new", urls[0], urls, digest)


def _article_for_url(conn: sqlite3.Connection, url: str) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT a.url, a.content_hash FROM article_urls u "
        "JOIN articles a ON a.id = u.article_id WHERE u.url_key = ? LIMIT 1",
        (url_key(url),),
    ).fetchone()
    return (row[0], row[1]) if row else None


def _article_for_text(conn: sqlite3.Connection, outlet: str, digest: str) -> str | None:
    row = conn.execute(
        "SELECT url FROM articles WHERE outlet = ? AND content_hash = ? LIMIT 1",
        (outlet, digest),
    ).fetchone()
    return row[0] if row else None
