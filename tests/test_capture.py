"""The archive of record: what a crawl receives is kept as WARC records, and the archive can
be read again (reextract), rebuilt (rebuild) and fed from others' WARC files (import-warc).

WARC files are checked with warcio's own checker and read with warcio directly, never only
through the project's reader; the WARC files to import are written by independent tools
(GNU wget, warcio's capture of live HTTP, an ARC file written by hand)."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from libya_archive.demo_site import DEMO_DIR
from pipelines.dedup import content_hash
from pipelines.extract import extract
from pipelines.warcs import payload_digest, read_record
from tests.conftest import copy_archive, crawl, query, run_cli

pytestmark = pytest.mark.crawl

EDITED = "southern-towns-endure-long-power-cuts-as-summer-heat-peaks"


def store(db: Path) -> Path:
    return Path(f"{db}.warcs")


def warcio_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True
    )


def copy_with_store(source: Path, target: Path) -> None:
    copy_archive(source, target)
    shutil.copytree(store(source), store(target))


def snapshot(db: Path) -> dict:
    """What an archive holds, keyed by URL so that row numbers do not matter."""
    articles = query(
        db,
        "SELECT url, outlet, title, byline, published, text, content_hash, language, "
        "relevance, first_seen, last_seen FROM articles ORDER BY url",
    )
    clusters = query(
        db,
        "SELECT group_concat(url, ' ') FROM (SELECT url, cluster_id FROM articles "
        "WHERE cluster_id IS NOT NULL ORDER BY url) GROUP BY cluster_id",
    )
    return {
        "articles": articles,
        "urls": sorted(
            query(
                db,
                "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id",
            )
        ),
        "versions": sorted(
            query(
                db,
                "SELECT a.url, v.content_hash, v.text, v.first_seen FROM article_versions v "
                "JOIN articles a ON a.id = v.article_id",
            )
        ),
        "clusters": sorted(clusters),
        "rejected": query(db, "SELECT url, outlet FROM rejected_urls ORDER BY url"),
        "captures": sorted(
            query(
                db,
                "SELECT c.record_id, c.payload_digest, a.url FROM captures c "
                "LEFT JOIN articles a ON a.id = c.article_id",
            )
        ),
    }


@pytest.fixture(scope="module")
def recrawled(demo_archive, demo_registry, demo_site, tmp_path_factory):
    """The demo archive crawled again (every article rechecked) while the site serves its
    second version: one article edited, the others unchanged."""
    db = tmp_path_factory.mktemp("recrawled") / "archive.db"
    copy_with_store(demo_archive, db)
    demo_site.overlay = DEMO_DIR / "site_v2"
    try:
        crawl(demo_registry, db, "--recheck-days", "100000")
    finally:
        demo_site.overlay = None
    return db


# Capture ----------------------------------------------------------------------------------


def test_a_crawl_writes_warc_files_that_warcios_checker_passes(demo_archive, recrawled):
    for db in (demo_archive, recrawled):
        files = sorted(store(db).glob("*.warc.gz"))
        assert files and not list(store(db).glob("*.open"))
        for path in files:
            result = warcio_check(path)
            assert result.returncode == 0, result.stdout


def test_every_article_is_matched_to_its_capture_by_digest(demo_archive):
    articles = query(demo_archive, "SELECT id, title, content_hash FROM articles")
    assert len(articles) >= 30
    for article_id, title, digest in articles:
        rows = query(
            demo_archive,
            "SELECT url, warc_file, warc_offset, warc_length, payload_digest, status "
            "FROM captures WHERE article_id = ? AND record_type = 'response'",
            (article_id,),
        )
        assert rows, f"article {article_id} has no capture"
        url, name, offset, length, recorded, status = rows[-1]
        record = read_record(store(demo_archive), name, offset, length)
        assert status == record.status == 200
        assert payload_digest(record.body) == recorded == record.payload_digest
        # The captured bytes read again give the article as archived.
        reading = extract(record.text(), url)
        assert (reading.title, content_hash(reading.text)) == (title, digest)


def test_responses_come_with_their_requests_and_the_crawls_facts(demo_archive):
    (path,) = store(demo_archive).glob("*.warc.gz")
    responses, requests = {}, {}
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            headers = record.rec_headers
            if record.rec_type == "response":
                responses[headers.get_header("WARC-Record-ID")] = headers
            elif record.rec_type == "request":
                requests[headers.get_header("WARC-Concurrent-To")] = record.http_headers
    assert responses and set(responses) == set(requests)
    for headers in responses.values():
        assert headers.protocol == "WARC/1.1"
        assert headers.get_header("Libya-Archive-Outlet") in {
            "inewstoday",
            "tripoli-tribune",
            "akhbar-barqa",
        }
        assert headers.get_header("Libya-Archive-Role") == "article"
        assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert all("libya-archive" in r.get_header("User-Agent") for r in requests.values())
    rows = query(demo_archive, "SELECT count(*) FROM captures WHERE role = 'article'")
    assert rows == [(len(responses),)]


def test_an_unchanged_page_fetched_again_is_a_revisit_not_a_second_copy(recrawled):
    revisits = query(
        recrawled,
        "SELECT r.url, r.payload_digest, o.url, o.payload_digest, o.record_type "
        "FROM captures r JOIN captures o ON o.record_id = r.refers_to "
        "WHERE r.record_type = 'revisit'",
    )
    unchanged = query(recrawled, "SELECT sum(articles_unchanged) FROM crawl_runs WHERE run = 2")
    assert len(revisits) == unchanged[0][0] > 20
    for url, digest, original_url, original_digest, kind in revisits:
        assert (url, digest, kind) == (original_url, original_digest, "response")
    # The edited article: a second response with a new payload.
    edited = query(
        recrawled,
        "SELECT record_type, payload_digest FROM captures WHERE url LIKE ? ORDER BY id",
        (f"%{EDITED}%",),
    )
    assert [kind for kind, _ in edited] == ["response", "response"]
    assert edited[0][1] != edited[1][1]
    # A revisit record holds headers only: the run wrote far fewer bytes than the first.
    first, second = query(
        recrawled, "SELECT sum(captured_bytes) FROM crawl_runs GROUP BY run ORDER BY run"
    )
    assert second[0] < first[0] / 2


def test_redirect_hops_are_captured_and_robots_forbidden_pages_are_not(variants_site):
    _, db = variants_site
    hops = query(
        db,
        "SELECT c.url, c.status FROM captures c JOIN articles a ON a.id = c.article_id "
        "WHERE a.url LIKE '%story-b/' ORDER BY c.id",
    )
    assert [(url.split("/", 3)[3], status) for url, status in hops] == [
        ("news/story-b", 301),
        ("news/story-b/", 200),
    ]
    assert query(db, "SELECT count(*) FROM captures WHERE url LIKE '%private-memo%'") == [(0,)]


def test_entry_points_and_robots_txt_are_captured_with_capture_all(demo_registry, tmp_path):
    db = tmp_path / "all.db"
    crawl(demo_registry, db, "--capture", "all", "--warcs", str(tmp_path / "store"))
    roles = dict(query(db, "SELECT role, count(*) FROM captures GROUP BY role"))
    assert roles["article"] >= 40 and roles["entry"] >= 5 and roles["other"] >= 1
    urls = {url.split("/", 3)[3] for (url,) in query(db, "SELECT url FROM captures")}
    assert {"robots.txt", "inewstoday/feed.xml"} <= urls
    assert not store(db).exists() and list((tmp_path / "store").glob("*.warc.gz"))


# Reextract and rebuild ------------------------------------------------------------------


def test_rebuild_from_the_captures_alone_equals_the_archive(recrawled, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    result = run_cli("rebuild", "--from", str(recrawled), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # quiet under cron
    before, after = snapshot(recrawled), snapshot(rebuilt)
    assert len(before["versions"]) == 1 and len(before["clusters"]) >= 1
    for part in before:
        assert after[part] == before[part], part
    # Its own store holds the same files; the rebuild refuses to overwrite an archive.
    assert sorted(p.name for p in store(rebuilt).iterdir()) == sorted(
        p.name for p in store(recrawled).iterdir()
    )
    again = run_cli("rebuild", "--from", str(recrawled), "--db", str(rebuilt))
    assert again.returncode == 3 and "exists already" in again.stderr


def test_reextract_reads_old_articles_again_and_a_second_run_changes_nothing(recrawled, tmp_path):
    db = tmp_path / "reread.db"
    copy_with_store(recrawled, db)
    unchanged = snapshot(db)
    assert run_cli("reextract", "--db", str(db), "--all").returncode == 0
    assert snapshot(db) == unchanged  # today's extractor read them all: nothing differs
    # An article read by an older extractor, which cut its text short.
    ((article_id, text),) = query(
        db, "SELECT id, text FROM articles WHERE url LIKE ?", (f"%{EDITED}%",)
    )
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE articles SET text = ?, content_hash = ?, extractor_version = 'old' "
            "WHERE id = ?",
            (text[:200], content_hash(text[:200]), article_id),
        )
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT text FROM articles WHERE id = ?", (article_id,)) == [(text,)]
    versions = query(
        db, "SELECT text FROM article_versions WHERE article_id = ? ORDER BY id", (article_id,)
    )
    assert versions[-1] == (text[:200],)  # the old reading is kept as a version
    last_words = " ".join(text.split()[-3:]).strip(".")
    found = query(
        db,
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
        (f'"{last_words}"',),
    )
    assert (article_id,) in found  # the search index follows
    settled = snapshot(db)
    assert run_cli("reextract", "--db", str(db)).returncode == 0
    assert snapshot(db) == settled


# Import ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wget_warc(demo_site, tmp_path_factory) -> Path:
    """The demo site as GNU wget records it: a recursive fetch with --warc-file."""
    if shutil.which("wget") is None:
        pytest.skip("GNU wget is not installed (.ci/run installs it)")
    folder = tmp_path_factory.mktemp("wget")
    subprocess.run(
        ["wget", "-q", "-r", "-l", "3", "-np", "--warc-file=demo", "--no-warc-keep-log",
         "-P", str(folder / "mirror"), f"{demo_site.origin}/inewstoday/"],
        cwd=folder, timeout=120, check=False,
    )  # fmt: skip
    path = folder / "demo.warc.gz"
    assert path.exists() and warcio_check(path).returncode == 0
    return path


def test_a_wget_warc_is_archived_as_the_crawl_archived_the_same_pages(
    wget_warc, demo_archive, demo_registry, tmp_path
):
    db = tmp_path / "imported.db"
    result = run_cli(
        "import-warc", str(wget_warc), "--db", str(db), "--outlets", str(demo_registry)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # quiet under cron when all went well
    crawled = query(
        demo_archive,
        "SELECT url, title, content_hash, published FROM articles "
        "WHERE outlet = 'inewstoday' ORDER BY url",
    )
    imported = query(db, "SELECT url, title, content_hash, published FROM articles ORDER BY url")
    assert imported == crawled
    assert query(db, "SELECT count(*) FROM rejected_urls") == query(
        demo_archive, "SELECT count(*) FROM rejected_urls WHERE outlet = 'inewstoday'"
    )
    # Copied into the archive's own store, as records of source `import`.
    assert query(db, "SELECT DISTINCT source FROM captures") == [("import",)]
    for path in store(db).glob("*.warc.gz"):
        assert warcio_check(path).returncode == 0
    # Imported again, into the archive that crawled the same pages: nothing new.
    again = tmp_path / "again.db"
    copy_with_store(demo_archive, again)
    before = query(again, "SELECT count(*) FROM articles")
    result = run_cli(
        "import-warc", str(wget_warc), "--db", str(again), "--outlets", str(demo_registry)
    )
    assert result.returncode == 0, result.stderr
    assert query(again, "SELECT count(*) FROM articles") == before
    runs = query(again, "SELECT sum(articles_unchanged), sum(articles_new) FROM crawl_runs "
                 "WHERE source = 'import'")  # fmt: skip
    assert runs == [(len(crawled), 0)]


def test_broken_files_are_reported_per_file_and_the_import_goes_on(
    wget_warc, demo_registry, tmp_path
):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    data = wget_warc.read_bytes()
    (inputs / "truncated.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    corrupt = bytearray(data)
    middle = len(data) // 3
    corrupt[middle : middle + 64] = b"\0" * 64
    (inputs / "corrupt.warc.gz").write_bytes(bytes(corrupt))
    (inputs / "plain.warc").write_bytes(gzip.decompress(data))  # uncompressed
    (inputs / "notes.arc").write_bytes(handmade_arc(demo_registry))
    db = tmp_path / "archive.db"
    result = run_cli("import-warc", str(inputs), "--db", str(db), "--outlets", str(demo_registry))
    assert result.returncode == 1  # something was wrong: cron mails the report
    report = result.stderr
    assert "truncated.warc.gz" in report and "incomplete record" in report, report
    assert "corrupt.warc.gz" in report and "unreadable" in report
    assert "plain.warc" not in report  # all well there: not in the report
    # Every good record of every file made it: the plain copy holds them all.
    assert query(db, "SELECT count(*) FROM articles WHERE outlet = 'inewstoday'") == [(11,)]
    # The ARC file: one page of a host no outlet claims, counted and skipped.
    arcs = query(db, "SELECT count(*) FROM captures WHERE url LIKE '%elsewhere.example%'")
    assert arcs == [(0,)]


def handmade_arc(registry: Path) -> bytes:
    """An ARC v1 file as the Internet Archive wrote them, with one page."""
    page = (
        b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
        b"<html><head><title>Elsewhere</title></head><body><p>A page.</p></body></html>"
    )
    header = b"filedesc://notes.arc 0.0.0.0 20110301120000 text/plain 76\n"
    version = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    record = (
        f"http://elsewhere.example/page.html 192.0.2.1 20110301120000 text/html {len(page)}\n"
    ).encode()
    return (
        header[:-3] + str(len(version)).encode() + b"\n" + version + b"\n" + record + page + b"\n"
    )


# Datasette -----------------------------------------------------------------------------


def test_an_articles_page_lists_its_captures_and_shows_one_sandboxed(demo_archive):
    from libya_archive.serve import make_datasette

    ((capture_id, article_id, name, offset, length),) = query(
        demo_archive,
        "SELECT id, article_id, warc_file, warc_offset, warc_length FROM captures "
        "WHERE article_id IS NOT NULL ORDER BY id LIMIT 1",
    )

    async def pages():
        app = make_datasette(demo_archive)
        article = await app.client.get(f"/demo/articles/{article_id}")
        captured = await app.client.get(f"/-/capture/{capture_id}")
        missing = await app.client.get("/-/capture/999999")
        return article, captured, missing

    article, captured, missing = asyncio.run(pages())
    assert article.status_code == 200 and f"/-/capture/{capture_id}" in article.text
    assert captured.status_code == 200
    assert captured.headers["content-security-policy"] == "sandbox"
    assert captured.content == read_record(store(demo_archive), name, offset, length).payload
    assert missing.status_code == 404


def test_a_wayback_download_is_archived_under_the_original_url_and_time(
    demo_site, demo_registry, tmp_path
):
    """A page saved from a Wayback replay (`/web/<time>id_/<url>`), written by warcio."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from libya_archive.demo_site import DEMO_DIR

    path = (
        "inewstoday/2020/05/turkey-warns-haftars-forces-against-attacks-on-interests-in-libya.html"
    )
    page = demo_site.rewrite((DEMO_DIR / "site" / path).read_text("utf-8")).encode()
    original = f"{demo_site.origin}/{path}"
    warc = tmp_path / "wayback.warc.gz"
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(
                f"http://wayback.local/web/20200524080000id_/{original}",
                "response",
                payload=BytesIO(page),
                length=len(page),
                http_headers=headers,
            )
        )
    db = tmp_path / "archive.db"
    result = run_cli("import-warc", str(warc), "--db", str(db), "--outlets", str(demo_registry))
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT url, first_seen, published_date FROM articles") == [
        (original, "2020-05-24T08:00:00+00:00", "2020-05-23")
    ]


def test_a_page_its_server_labels_with_no_type_is_imported_as_a_page(
    demo_site, demo_registry, tmp_path
):
    """Python's http.server and many static hosts send application/octet-stream for a path
    with no extension: the page's opening tag then says it is a page. A binary body under
    the same label, and a PDF (labelled as one) whatever its first bytes, are not."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = (
        "inewstoday/2020/05/turkey-warns-haftars-forces-against-attacks-on-interests-in-libya.html"
    )
    page = demo_site.rewrite((DEMO_DIR / "site" / path).read_text("utf-8")).encode()
    records = [
        (f"{demo_site.origin}/{path}", "application/octet-stream", page),
        (f"{demo_site.origin}/{path[:-5]}-photo.html", "application/octet-stream", b"\x89PNG\0"),
        (f"{demo_site.origin}/{path[:-5]}-print.html", "application/pdf", page),
    ]
    warc = tmp_path / "static-host.warc.gz"
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, content_type, body in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(body), length=len(body), http_headers=headers
                )
            )
    db = tmp_path / "archive.db"
    result = run_cli("import-warc", str(warc), "--db", str(db), "--outlets", str(demo_registry))
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT url, published_date FROM articles") == [(records[0][0], "2020-05-23")]
    # Shown in the archive as the page it is, still sandboxed.
    from libya_archive.serve import make_datasette

    ((capture_id,),) = query(db, "SELECT id FROM captures WHERE article_id IS NOT NULL")

    async def shown():
        return await make_datasette(db).client.get(f"/-/capture/{capture_id}")

    captured = asyncio.run(shown())
    assert captured.status_code == 200 and captured.content == page
    assert captured.headers["content-type"].startswith("text/html")
    assert captured.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize(
    ("content_type", "payload", "html"),
    [
        ("text/html; charset=utf-8", b"", True),
        ("application/xhtml+xml", b"", True),
        ("", b"%PDF-1.7", True),  # no label at all: as the crawl has always counted it
        ("application/octet-stream", b"<!DOCTYPE html><html lang='ar'>", True),
        ("application/octet-stream", b"\xef\xbb\xbf\n  <HTML>\n<head>", True),
        ("text/plain", b"<!-- saved page -->\n<html>", True),
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n", False),
        ("application/octet-stream", b"<names and numbers>", False),  # no tag of a page
        ("text/plain", b"User-agent: *\nDisallow: /", False),
        ("application/pdf", b"<html><body>", False),  # the server's own type decides
        ("image/jpeg", b"<html>", False),
    ],
)
def test_a_response_is_a_page_by_its_type_or_when_unlabelled_by_its_opening_tag(
    content_type, payload, html
):
    from pipelines.warcs import is_html

    assert is_html(content_type, payload) is html
