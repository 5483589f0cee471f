"""The archive file: schema by migrations, upgraded in place, clear errors when unusable."""

from __future__ import annotations

import pytest
import sqlite_utils

from pipelines.archive import ArchiveError, migrations, open_archive


def test_a_new_archive_gets_every_table_wal_and_fts(tmp_path):
    db = open_archive(tmp_path / "a.db")
    tables = set(db.table_names())
    for name in (
        "outlets",
        "articles",
        "article_urls",
        "crawl_runs",
        "fetch_errors",
        "articles_fts",
    ):
        assert name in tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fts_sql = db["articles_fts"].schema
    assert "remove_diacritics 2" in fts_sql


def test_an_old_archive_is_upgraded_in_place_not_rebuilt(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    # An archive as the previous release left it: every migration but the last applied,
    # plus a table of the researcher's own that an upgrade must not touch.
    last = migrations._migrations[-1].name
    migrations.apply(old, stop_before=last)
    old["my_notes"].insert({"note": "checked Derna coverage by hand"})
    old.close()
    db = open_archive(path)
    assert migrations.pending(db) == []
    assert [m.name for m in migrations.applied(db)][-1] == last
    assert list(db["my_notes"].rows) == [{"note": "checked Derna coverage by hand"}]


def test_reopening_an_archive_applies_nothing_and_keeps_rows(tmp_path):
    path = tmp_path / "a.db"
    db = open_archive(path)
    db["outlets"].insert(
        {"id": "x", "name": "X", "homepage": "h", "language": "en", "scope": "libya"}
    )
    applied = [m.name for m in migrations.applied(db)]
    db.close()
    db = open_archive(path)
    assert [m.name for m in migrations.applied(db)] == applied
    assert migrations.pending(db) == []
    assert db["outlets"].count == 1


def test_a_file_that_is_not_sqlite_gets_a_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(ArchiveError, match="not a usable SQLite archive"):
        open_archive(path)
    assert path.read_bytes() == before


def test_fts_triggers_reindex_only_when_text_changes(tmp_path):
    db = open_archive(tmp_path / "a.db")
    db["outlets"].insert(
        {"id": "o", "name": "O", "homepage": "h", "language": "en", "scope": "libya"}
    )
    pk = (
        db["articles"]
        .insert(
            {
                "url": "u",
                "outlet": "o",
                "title": "Sirte port reopens",
                "text": "Ships returned to Sirte.",
            }
        )
        .last_pk
    )
    search = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert db.execute(search, ("sirte",)).fetchall() == [(pk,)]
    # total_changes counts the rows triggers write too: a re-crawl's update of last_seen
    # must write the article's row and nothing in the index.
    before = db.conn.total_changes
    db["articles"].update(pk, {"last_seen": "2026-01-01"})
    assert db.conn.total_changes - before == 1
    assert db.execute(search, ("sirte",)).fetchall() == [(pk,)]
    before = db.conn.total_changes
    db["articles"].update(pk, {"text": "Ships returned to Misrata."})
    assert db.conn.total_changes - before > 1  # the row, and the index's delete and insert
    assert db.execute(search, ("misrata",)).fetchall() == [(pk,)]
    assert db.execute(search, ("text : sirte",)).fetchall() == []
    order = db.execute("SELECT published_order FROM articles").fetchone()[0]
    assert order == f"0000-00-00/{pk:010d}"


def test_the_fts_triggers_test_fails_when_the_triggers_reindex_on_every_update(tmp_path):
    """The guard above, tried against triggers that reindex whatever column changes."""
    db = open_archive(tmp_path / "a.db")
    db["outlets"].insert({"id": "o", "name": "O"})
    pk = db["articles"].insert({"url": "u", "outlet": "o", "text": "Sirte"}).last_pk
    for trigger in ("articles_bu", "articles_au"):
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (trigger,)).fetchone()[0]
        db.execute(f"DROP TRIGGER {trigger}")
        db.execute(sql.replace(" OF title, byline, text", ""))
    before = db.conn.total_changes
    db["articles"].update(pk, {"last_seen": "2026-01-01"})
    assert db.conn.total_changes - before > 1


def test_an_archive_from_before_the_text_model_gets_its_hashes_remade(tmp_path):
    """m033: hashes made the old way would make every re-crawled article look changed."""
    from pipelines.dedup import content_hash

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m033_one_text_model")
    old["outlets"].insert({"id": "o", "name": "O"})
    text = "قال مسؤول إن ميناء سرتة أعيد فتحه"
    old["articles"].insert({"url": "u", "outlet": "o", "text": text, "content_hash": "old"})
    old.close()
    db = open_archive(path)
    assert db.execute("SELECT content_hash FROM articles").fetchone()[0] == content_hash(text)
