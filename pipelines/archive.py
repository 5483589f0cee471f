"""The archive file: opening it, and its schema as an ordered list of migrations.

This module owns the schema; nothing else creates or alters a table. An archive made by an
older version is upgraded in place by the migrations it has not seen yet, never rebuilt:
researchers' archives hold years of crawling that cannot be fetched again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from pipelines.text import fold_select

migrations = sqlite_utils.Migrations("libya-archive")

# unicode61 splits Arabic, French and Italian words alike; remove_diacritics 2 folds Latin
# accents (é = e) and case. The Arabic variants (harakat, alef forms...) are folded in the
# indexed copy of the text (m010, pipelines/text.py).
FTS_TOKENIZER = "unicode61 remove_diacritics 2"
FTS_COLUMNS = ("title", "byline", "text")


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message says why and what to do."""


def open_archive(path: str | Path, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the archive at `path`.

    WAL mode lets Datasette and exports read while a crawl writes; the busy timeout lets a
    reader wait out a checkpoint instead of failing with "database is locked".
    """
    path = Path(path)
    if readonly:
        if not path.exists():
            raise ArchiveError(
                f"{path}: no archive here (run `libya-archive crawl` or `libya-archive demo` first)"
            )
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db = sqlite_utils.Database(conn)
    else:
        db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            db.enable_wal()
            migrations.apply(db)
        else:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{path}: not a usable SQLite archive ({exc})") from exc
    return db


def settle(path: str | Path) -> None:
    """Fold the WAL into the archive file and let SQLite remove `-wal` and `-shm`.

    A command that wrote calls this last: when nobody else has the archive open, only the
    file itself remains (complete, to be copied or backed up as it is). SQLite removes the
    WAL files when the last connection closes, but only a connection that may write can;
    a reader that closes last (the crawl's summary, the spider's read-only lookups) leaves
    them behind.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def article_filter(
    outlets: tuple[str, ...] | list[str] = (),
    languages: tuple[str, ...] | list[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> tuple[list[str], list]:
    """SQL conditions on `articles` (and their parameters) for the selections every command
    offers: outlets, languages, and the publisher's days, both ends included."""
    clauses, params = ["1"], []
    for column, values in (("outlet", outlets), ("language", languages)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params += list(values)
    if since:
        clauses.append("published_date >= ?")
        params.append(since)
    if until:
        clauses.append("published_date <= ?")
        params.append(until)
    return clauses, params


@migrations()
def m001_initial_schema(db: sqlite_utils.Database) -> None:
    """The tables of the first version: outlets, articles (+FTS), URLs, runs, errors."""
    db["outlets"].create(
        {"id": str, "name": str, "homepage": str, "language": str, "country": str, "scope": str},
        pk="id",
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "outlet": str,
            "title": str,
            "byline": str,
            "authors": str,
            "published": str,
            "published_date": str,
            "modified": str,
            "language": str,
            "description": str,
            "tags": str,
            "image": str,
            "text": str,
            "word_count": int,
            "relevance": float,
            "libya_terms": str,
            "content_hash": str,
            "cluster_id": int,
            "first_seen": str,
            "last_seen": str,
            "last_changed": str,
            "crawl_run": int,
            "published_order": str,
        },
        pk="id",
        not_null={"url", "outlet"},
        foreign_keys=[("outlet", "outlets", "id")],
    )
    articles = db["articles"]
    articles.create_index(["url"], unique=True)
    articles.create_index(["outlet", "content_hash"])
    articles.create_index(["published_order"], unique=True)
    articles.create_index(["outlet", "published_date"])
    articles.create_index(["language"])
    db["article_urls"].create(
        {"url": str, "article_id": int, "first_seen": str, "last_seen": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_urls"].create_index(["article_id"])
    db["crawl_runs"].create(
        {
            "run": int,
            "outlet": str,
            "started": str,
            "finished": str,
            "requests": int,
            "responses": str,
            "articles_new": int,
            "articles_changed": int,
            "articles_unchanged": int,
            "url_aliases": int,
            "irrelevant": int,
            "not_articles": int,
            "errors": int,
        },
        pk=("run", "outlet"),
    )
    db["fetch_errors"].create(
        {
            "id": int,
            "run": int,
            "outlet": str,
            "url": str,
            "kind": str,
            "reason": str,
            "status": int,
            "time": str,
        },
        pk="id",
    )
    db["fetch_errors"].create_index(["outlet", "time"])
    articles.enable_fts(list(FTS_COLUMNS), tokenize=FTS_TOKENIZER, create_triggers=False)
    _create_fts_triggers(db)
    _create_order_triggers(db)


@migrations()
def m002_extraction_sources(db: sqlite_utils.Database) -> None:
    """Which source gave each article its title, authors and date, to audit extraction."""
    for column in ("title_source", "author_source", "date_source"):
        db["articles"].add_column(column, str)


@migrations()
def m003_rejected_urls(db: sqlite_utils.Database) -> None:
    """Pages judged not about Libya, kept so they are not fetched again and can be audited."""
    db["rejected_urls"].create(
        {
            "url": str,
            "outlet": str,
            "reason": str,
            "title": str,
            "relevance": float,
            "first_seen": str,
            "last_seen": str,
            "run": int,
        },
        pk="url",
    )
    db["rejected_urls"].create_index(["outlet"])
    db["crawl_runs"].add_column("skipped_rejected", int)


@migrations()
def m004_skipped_archived(db: sqlite_utils.Database) -> None:
    """Count per run the article links not fetched because the archive has them."""
    db["crawl_runs"].add_column("skipped_archived", int)


def _create_order_triggers(db: sqlite_utils.Database) -> None:
    """Maintain published_order: the publication day made unique by the article id.

    Datasette pages and streams CSV wrongly when a table is sorted by a column that is not
    unique, and "newest first" is the order researchers want: so the newest-first sort key
    is the day plus the zero-padded id, kept by the database itself.
    """
    order = "coalesce(new.published_date, '0000-00-00') || '/' || printf('%010d', new.id)"
    db.executescript(f"""
        CREATE TRIGGER articles_order_ai AFTER INSERT ON articles BEGIN
          UPDATE articles SET published_order = {order} WHERE id = new.id;
        END;
        CREATE TRIGGER articles_order_au AFTER UPDATE OF published_date ON articles BEGIN
          UPDATE articles SET published_order = {order} WHERE id = new.id;
        END;
    """)


def _create_fts_triggers(db: sqlite_utils.Database) -> None:
    """Keep articles_fts in step with articles.

    Written by hand because sqlite-utils' triggers re-index a row on any update, and a
    re-crawl touches last_seen on every known article: these fire only when an indexed
    column changes.
    """
    columns = ", ".join(FTS_COLUMNS)
    new_values = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old_values = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    db.executescript(f"""
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.id, {new_values});
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF {columns} ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
          INSERT INTO articles_fts (rowid, {columns}) VALUES (new.id, {new_values});
        END;
    """)


@migrations()
def m010_folded_search_index(db: sqlite_utils.Database) -> None:
    """Rebuild articles_fts over a folded copy of title, byline and text (pipelines/text.py)."""
    _create_folded_index(db)


def _create_folded_index(db: sqlite_utils.Database) -> None:
    """articles_fts over the view articles_fts_folded: title, byline and text with the
    archive's text model (`pipelines.text.FOLDS`) applied in plain SQL.

    The view is the index's external content, so snippet() and FTS5's 'rebuild' keep
    working, and the triggers read the folded values from that same view.
    """
    db.executescript("""
        DROP TRIGGER IF EXISTS articles_ai;
        DROP TRIGGER IF EXISTS articles_ad;
        DROP TRIGGER IF EXISTS articles_au;
        DROP TRIGGER IF EXISTS articles_bd;
        DROP TRIGGER IF EXISTS articles_bu;
        DROP TABLE IF EXISTS articles_fts;
        DROP VIEW IF EXISTS articles_fts_folded;
    """)
    db.execute(f"CREATE VIEW articles_fts_folded AS {fold_select('articles', 'id', FTS_COLUMNS)}")
    columns = ", ".join(FTS_COLUMNS)
    db.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({columns}, tokenize='{FTS_TOKENIZER}', "
        "content='articles_fts_folded', content_rowid='id')"
    )
    insert = (
        f"INSERT INTO articles_fts (rowid, {columns}) "
        f"SELECT id, {columns} FROM articles_fts_folded WHERE id = new.id;"
    )
    delete = (
        f"INSERT INTO articles_fts (articles_fts, rowid, {columns}) "
        f"SELECT 'delete', id, {columns} FROM articles_fts_folded WHERE id = old.id;"
    )
    # The old values are read before the row changes; as in m001, only a change to an
    # indexed column re-indexes (a re-crawl touches last_seen on every known article).
    db.executescript(f"""
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN {insert} END;
        CREATE TRIGGER articles_bd BEFORE DELETE ON articles BEGIN {delete} END;
        CREATE TRIGGER articles_bu BEFORE UPDATE OF {columns} ON articles BEGIN {delete} END;
        CREATE TRIGGER articles_au AFTER UPDATE OF {columns} ON articles BEGIN {insert} END;
    """)
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migrations()
def m020_provenance(db: sqlite_utils.Database) -> None:
    """Deduplication that keeps provenance: URL identity keys, article versions, stored
    near-duplicate signatures and story clusters (pipelines/clusters.py)."""
    from pipelines.urls import url_key

    # Every URL spelling stays a row; the key is what the spellings of one page share.
    db["article_urls"].add_column("url_key", str)
    for (url,) in db.execute("SELECT url FROM article_urls").fetchall():
        db.execute("UPDATE article_urls SET url_key = ? WHERE url = ?", (url_key(url), url))
    db["article_urls"].create_index(["url_key"])
    db["article_versions"].create(
        {
            "id": int,
            "article_id": int,
            "title": str,
            "byline": str,
            "modified": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "first_seen": str,
            "last_seen": str,
            "replaced": str,
            "crawl_run": int,
        },
        pk="id",
        not_null={"article_id"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_versions"].create_index(["article_id", "replaced"])
    db["article_signatures"].create(
        {"article_id": int, "method": str, "shingles": int, "signature": bytes},
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["clusters"].create(
        {
            "id": int,
            "title": str,
            "size": int,
            "outlet_count": int,
            "outlets": str,
            "origin_article_id": int,
            "origin_outlet": str,
            "first_published": str,
            "last_published": str,
            "spread_hours": float,
            "created": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("origin_article_id", "articles", "id"), ("origin_outlet", "outlets", "id")],
    )
    db["clusters"].create_index(["outlet_count", "first_published"])
    db["cluster_members"].create(
        {
            "article_id": int,
            "cluster_id": int,
            "matched_article_id": int,
            "similarity": float,
            "lag_hours": float,
            "joined": str,
        },
        pk="article_id",
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("cluster_id", "clusters", "id"),
            ("matched_article_id", "articles", "id"),
        ],
    )
    db["cluster_members"].create_index(["cluster_id", "lag_hours"])
    db["articles"].create_index(["cluster_id"])


@migrations()
def m030_newest_first_index(db: sqlite_utils.Database) -> None:
    """Index articles in Datasette's newest-first order: published_order descending, id.

    Datasette pages a table sorted by published_order (and streams its CSV) with
    "published_order < :p OR published_order IS NULL OR (published_order = :p AND id > :id)
    ORDER BY published_order DESC, id". The unique index on published_order alone neither
    gives that order (its tie-break runs the wrong way) nor serves the OR: SQLite then
    sorted the whole filtered set for every page, and a 100,000-row CSV took minutes
    (bench/datasette_browse.py). Walking this index, each page reads only its own rows.
    """
    db["articles"].create_index(
        [sqlite_utils.db.DescIndex("published_order"), "id"],
        index_name="idx_articles_newest_first",
    )


@migrations()
def m031_signature_bands(db: sqlite_utils.Database) -> None:
    """The near-duplicate band index, on disk: one row per band key of each signed article,
    in a main table and a small one for new rows (pipelines/clusters.py, SignatureIndex).

    It was rebuilt in memory by every crawl from the stored signatures, about 1 KB per
    article: a crawl's memory grew with the archive. Filled here from the signatures
    already stored.
    """
    from pipelines.clusters import index_stored_signatures  # numpy: only when migrating

    for table in ("signature_bands", "signature_bands_new"):
        db.execute(
            f"CREATE TABLE {table} (band_key INTEGER NOT NULL, article_id INTEGER NOT NULL "
            "REFERENCES articles(id), PRIMARY KEY (band_key, article_id)) WITHOUT ROWID"
        )
    index_stored_signatures(db.conn)


@migrations()
def m032_failed_urls_rest(db: sqlite_utils.Database) -> None:
    """Look up a URL's recent failures (scrapers/known.py: a page that failed for good is
    not fetched again for a while) and count per run the links skipped for that."""
    db["fetch_errors"].create_index(["url", "time"])
    db["crawl_runs"].add_column("skipped_failed", int)


@migrations()
def m033_one_text_model(db: sqlite_utils.Database) -> None:
    """Search, relevance, shingles and hashes read text through one model (pipelines/text.py).

    The index folded fewer Arabic variants than relevance (not ؤ/ئ, Quranic marks, Persian
    digits, the dotless i): it is rebuilt with the shared table. Content hashes are now made
    from the model's words, so the stored ones are made again, or every re-crawled article
    would look changed.
    """
    from pipelines.dedup import content_hash

    _create_folded_index(db)
    for table in ("articles", "article_versions"):
        last = 0
        # A thousand rows at a time: an archive's texts do not fit in memory.
        while rows := db.execute(
            f"SELECT id, text FROM {table} WHERE id > ? ORDER BY id LIMIT 1000", (last,)
        ).fetchall():
            db.conn.executemany(
                f"UPDATE {table} SET content_hash = ? WHERE id = ?",
                [(content_hash(text or ""), row_id) for row_id, text in rows],
            )
            last = rows[-1][0]


@migrations()
def m034_captures(db: sqlite_utils.Database) -> None:
    """The captured bytes as the source of truth: `captures` indexes the WARC records of
    the archive's store (pipelines/warcs.py), one row per response or revisit record;
    each article records the extractor that read it, and each run its source and the bytes
    it captured."""
    db["captures"].create(
        {
            "id": int,
            "record_id": str,  # WARC-Record-ID
            "record_type": str,  # response or revisit
            "url": str,
            "outlet": str,
            "role": str,  # article, entry (feed, sitemap, listing) or other
            "fetched": str,  # WARC-Date, ISO 8601 UTC
            "status": int,
            "content_type": str,
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "payload_digest": str,
            "refers_to": str,  # a revisit: the record id of the original
            "article_id": int,
            "source": str,  # crawl, import or backfill
            "run": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    captures = db["captures"]
    captures.create_index(["record_id"], unique=True)
    captures.create_index(["article_id", "fetched"])
    captures.create_index(["payload_digest"])
    captures.create_index(["url", "fetched"])
    captures.create_index(["warc_file", "warc_offset"])
    db["articles"].add_column("extractor_version", str)
    db["crawl_runs"].add_column("source", str)
    db["crawl_runs"].add_column("captured_bytes", int)


@migrations()
def m035_failure_storms(db: sqlite_utils.Database) -> None:
    """Count per run the requests a breaker did not make, and say why (scrapers/breaker.py:
    a sitemap of dead links sampled, a host that stopped answering, a budget spent)."""
    db["crawl_runs"].add_column("shed", int)
    db["crawl_runs"].add_column("storm", str)


@migrations()
def m036_backfill(db: sqlite_utils.Database) -> None:
    """The archive reaches back (`backfill`): each article says how it first came (a crawl,
    an import, a backfill), a page that gives no date keeps its earliest capture time as an
    upper bound, a capture read from the Wayback Machine keeps its replay address, and a
    backfill keeps its place in the CDX listing and its queue of captures, so that a
    backfill killed halfway resumes where it stopped and fetches no capture twice."""
    db["articles"].add_column("source", str)
    db["articles"].add_column("published_before", str)
    db.execute(
        "UPDATE articles SET source = CASE WHEN EXISTS (SELECT 1 FROM captures c WHERE "
        "c.article_id = articles.id AND c.source = 'import') THEN 'import' ELSE 'crawl' END"
    )
    db["articles"].create_index(["source"])
    db["captures"].add_column("replay_url", str)
    db["backfill_listings"].create(
        {
            "outlet": str,
            "host": str,
            "status": str,  # the listing's status: 200 pages, or 301/302 redirects
            "until": str,  # the listing's last capture day
            "resume_key": str,  # where the CDX listing goes on from; NULL: from the start
            "rows": int,
            "finished": str,  # when the listing reached its end
        },
        pk=("outlet", "host", "status", "until"),
    )
    db["backfill_queue"].create(
        {
            "id": int,
            "outlet": str,
            "url": str,  # the original URL
            "urlkey": str,  # the CDX's SURT key: one capture per URL
            "timestamp": str,  # the capture's 14 digits
            "state": str,  # pending, captured (record written), done, skipped
            "reason": str,  # why it was skipped, or what became of it
            "replay_url": str,
            "target": str,  # a redirect capture: the URL it leads to
            "record_id": str,
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "run": int,
        },
        pk="id",
    )
    db["backfill_queue"].create_index(["outlet", "urlkey"], unique=True)
    db["backfill_queue"].create_index(["state", "outlet"])


@migrations()
def m037_entities(db: sqlite_utils.Database) -> None:
    """Who and where (pipelines/entities.py): the gazetteer's places and actors, which of
    them each article names (`article_entities`, and their ids as `articles.entities` for
    facets and filters), and the articles archived before tagging, tagged now from their
    stored text so that an upgraded archive is searchable by entity at once."""
    from pipelines import entities  # the tagger reads the gazetteer: only when upgrading

    db["entities"].create(
        {
            "id": str,
            "kind": str,  # place or actor
            "subkind": str,  # city, oil_field, person, armed_group...
            "name": str,  # the English name
            "name_ar": str,
            "names": str,  # JSON: language -> the forms that name it
            "latitude": float,  # places only
            "longitude": float,
        },
        pk="id",
    )
    db["entities"].insert_all(entities.rows(), pk="id")
    db["article_entities"].create(
        {"article_id": int, "entity_id": str, "mentions": int, "in_title": int},
        pk=("article_id", "entity_id"),
        foreign_keys=[("article_id", "articles", "id"), ("entity_id", "entities", "id")],
    )
    # The entity's articles, newest first, come from this index (article_id follows).
    db["article_entities"].create_index(["entity_id", "article_id"])
    db["articles"].add_column("entities", str)
    tagged = []
    for article_id, title, text in db.execute("SELECT id, title, text FROM articles"):
        mentions = entities.tag(title, text)
        ids = [m.entity_id for m in mentions]
        tagged.append((json.dumps(ids, ensure_ascii=False), article_id))
        db.conn.executemany(
            "INSERT INTO article_entities VALUES (?, ?, ?, ?)",
            [(article_id, m.entity_id, m.count, int(m.in_title)) for m in mentions],
        )
    db.conn.executemany("UPDATE articles SET entities = ? WHERE id = ?", tagged)


@migrations()
def m038_fold_arabic_where_arabic(db: sqlite_utils.Database) -> None:
    """The search index's folding view runs its Arabic folds only on values that hold
    Arabic (`fold_select`): the values it gives are the same, so the index stands as it is
    and only the view is made again (the triggers and the index name it, and read it anew)."""
    db.execute("DROP VIEW IF EXISTS articles_fts_folded")
    db.execute(f"CREATE VIEW articles_fts_folded AS {fold_select('articles', 'id', FTS_COLUMNS)}")
