"""Deduplication: decide which article a fetched page is, and whether it is new.

A page belongs to a known article when one of its URLs (the URL fetched, its redirect hops,
its own `<link rel=canonical>` or `og:url` on the same site) is already archived under the
same identity key (`scrapers.urls.url_key`: AMP, mobile, print, http/https, www and
trailing-slash variants meet there), or when the same outlet already has an article with
the same normalised text. Copies in *other* outlets stay separate articles on purpose: who
republished whom is what researchers study; the store puts them in one story cluster
(pipelines/clusters.py).

The decision is written on the item (`dedup`, `article_url`); the store acts on it.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import OrderedDict

from scrapers.items import ArticlePage
from scrapers.urls import canonical_url, same_site, url_key

NON_WORD = re.compile(r"[\W_]+")


def content_hash(text: str) -> str:
    """sha256 of the text with case, punctuation and spacing normalised away."""
    normalised = NON_WORD.sub(" ", text.casefold()).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def page_urls(item: ArticlePage) -> list[str]:
    """Every canonical URL the page goes by; the first is the article's own."""
    urls = []
    if item.page_canonical and same_site(item.page_canonical, item.url):
        # Honoured only on the outlet's own site (its AMP and mobile hosts included): a
        # syndicated copy pointing at the wire's or another outlet's URL must stay an
        # article of the outlet that carried it.
        urls.append(canonical_url(item.page_canonical))
    urls.append(canonical_url(item.url))
    urls.extend(canonical_url(u) for u in item.urls_seen)
    return list(dict.fromkeys(urls))


class RecentMap(OrderedDict):
    """A dict that keeps only its `size` most recently set keys (the stdlib has none)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class DedupPipeline:
    """Looks pages up in the archive (read-only) and in what this run has already passed."""

    def __init__(self, archive_path: str, store_batch: int = 100):
        self.archive_path = archive_path
        self.conn: sqlite3.Connection | None = None
        # What this run decided but the store may not have committed yet. Only the latest
        # decisions are kept: older ones are in the archive (the store, next in line,
        # holds at most `store_batch` items before it commits), so memory stays flat
        # however large the site. Ten batches is a wide margin.
        recent = max(1_000, 10 * store_batch)
        self.run_urls = RecentMap(recent)  # url key -> article url
        self.run_hashes = RecentMap(recent)  # article url -> content hash
        self.run_texts = RecentMap(recent)  # (outlet, hash) -> article url

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("ARCHIVE_PATH"), settings.getint("STORE_BATCH_SIZE"))

    def close_spider(self):
        if self.conn is not None:
            self.conn.close()

    def _db(self) -> sqlite3.Connection:
        # Opened on first use: the store creates the schema when the spider opens.
        if self.conn is None:
            self.conn = sqlite3.connect(f"file:{self.archive_path}?mode=ro", uri=True)
            self.conn.execute("PRAGMA busy_timeout = 10000")
        return self.conn

    def process_item(self, item):
        if not isinstance(item, ArticlePage):
            return item
        urls = page_urls(item)
        item.canonical_url = urls[0]
        item.content_hash = content_hash(item.text)
        known = next(filter(None, (self._article_for_url(u) for u in urls)), None)
        if known is not None:
            article_url, old_hash = known
            item.dedup = "unchanged" if old_hash == item.content_hash else "changed"
        else:
            article_url = self._article_for_text(item.outlet, item.content_hash)
            item.dedup = "alias" if article_url else "new"
            article_url = article_url or urls[0]
        item.article_url = article_url
        for url in urls:
            self.run_urls[url_key(url)] = article_url
        self.run_hashes[article_url] = item.content_hash
        self.run_texts[(item.outlet, item.content_hash)] = article_url
        return item

    def _article_for_url(self, url: str) -> tuple[str, str] | None:
        key = url_key(url)
        if key in self.run_urls:
            article_url = self.run_urls[key]
            return article_url, self.run_hashes[article_url]
        row = (
            self._db()
            .execute(
                "SELECT a.url, a.content_hash FROM article_urls u "
                "JOIN articles a ON a.id = u.article_id WHERE u.url_key = ? LIMIT 1",
                (key,),
            )
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    def _article_for_text(self, outlet: str, digest: str) -> str | None:
        if (outlet, digest) in self.run_texts:
            return self.run_texts[(outlet, digest)]
        row = (
            self._db()
            .execute(
                "SELECT url FROM articles WHERE outlet = ? AND content_hash = ? LIMIT 1",
                (outlet, digest),
            )
            .fetchone()
        )
        return row[0] if row else None
