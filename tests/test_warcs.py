"""The WARC store's format (pipelines/warcs.py), on files written and damaged here: read
back with warcio itself and with its checker."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.warcs import (
    OUTLET,
    ROLE,
    Exchange,
    FileReport,
    Original,
    WarcWriter,
    decode_html,
    iter_records,
    payload_digest,
    read_record,
    recover,
)

PAGE = "<html><head><meta charset='utf-8'><title>درنة</title></head><body>درنة</body></html>"


def exchange(url: str = "http://x.test/a", body: bytes = PAGE.encode(), **headers) -> Exchange:
    return Exchange(
        url=url,
        status=200,
        response_headers=[("Content-Type", "text/html"), *headers.items()],
        body=body,
        fetched=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        request_headers=[("User-Agent", "test")],
        facts={OUTLET: "x", ROLE: "article"},
    )


def check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def written(tmp_path):
    """A store with one response and a revisit of it, the file closed."""
    writer = WarcWriter(tmp_path / "store")
    first = writer.write(exchange())
    again = writer.write(exchange(), Original(first.record_id, "http://x.test/a", first.date))
    writer.close()
    return tmp_path / "store", first, again


def test_a_closed_file_passes_warcios_checker_and_reads_back(written):
    folder, first, again = written
    (path,) = folder.glob("*.warc.gz")
    assert check(path).returncode == 0
    with open(path, "rb") as handle:
        kinds = [record.rec_type for record in ArchiveIterator(handle)]
    assert kinds == ["warcinfo", "response", "request", "revisit", "request"]
    record = read_record(folder, first.warc_file, first.offset, first.length)
    assert record.text() == PAGE and record.fields[OUTLET] == "x"
    assert record.date == "2024-05-01T12:00:00+00:00"
    assert payload_digest(record.body) == first.payload_digest == record.payload_digest


def test_a_revisit_names_its_original_and_holds_no_payload(written):
    folder, first, again = written
    revisit = read_record(folder, again.warc_file, again.offset, again.length)
    assert revisit.record_type == "revisit" and revisit.body == b""
    assert revisit.refers_to == first.record_id == again.refers_to
    assert revisit.fields["WARC-Refers-To-Target-URI"] == "http://x.test/a"
    assert revisit.fields["WARC-Profile"].endswith("/revisit/identical-payload-digest")


def test_a_compressed_body_is_kept_compressed_and_read_decoded(tmp_path):
    writer = WarcWriter(tmp_path)
    body = gzip.compress(PAGE.encode())
    done = writer.write(exchange(body=body, **{"Content-Encoding": "gzip"}))
    writer.close()
    record = read_record(tmp_path, done.warc_file, done.offset, done.length)
    assert record.body == body and record.payload == PAGE.encode()
    assert done.payload_digest == payload_digest(body)  # the digest of what was sent


def test_files_rotate_and_an_open_file_is_named_so(tmp_path):
    writer = WarcWriter(tmp_path, rotate_bytes=1)
    one = writer.write(exchange())
    assert (tmp_path / (one.warc_file + ".open")).exists()
    two = writer.write(exchange("http://x.test/b"))
    writer.close()
    assert one.warc_file != two.warc_file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([one.warc_file, two.warc_file])


def test_a_file_a_killed_run_left_open_is_cut_to_its_last_whole_record(written, tmp_path):
    folder, *_ = written
    (path,) = folder.glob("*.warc.gz")
    data = path.read_bytes()
    left = tmp_path / "killed.warc.gz.open"
    left.write_bytes(data[:-40])  # killed while it wrote the last record
    report = FileReport(str(left))
    assert len(list(iter_records(left, report))) == 2
    assert report.truncated_at is not None  # reported, never raised
    (message,) = recover(tmp_path)
    assert "4 complete records kept; cut an incomplete record" in message
    assert check(tmp_path / "killed.warc.gz").returncode == 0
    assert not left.exists()


def test_an_unreadable_record_is_skipped_and_reading_goes_on(written, tmp_path):
    folder, first, again = written
    (path,) = folder.glob("*.warc.gz")
    damaged = bytearray(path.read_bytes())
    # The whole member after its gzip header, checksum included: 48 bytes alone once
    # inflated to something readable (its trailer, never read, left the damage unseen).
    size = first.length - 12
    damaged[first.offset + 12 : first.offset + first.length] = b"x" * size
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(damaged))
    report = FileReport(str(bad))
    assert [r.record_type for r in iter_records(bad, report)] == ["revisit"]
    assert report.corrupt == 1 and report.truncated_at is None


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("ليبيا".encode("cp1256"), "text/html; charset=windows-1256", "ليبيا"),
        (b"<meta charset='iso-8859-1'>Tripoli caf\xe9", "text/html", "Tripoli café"),
        ("Trablus'ta çatışma".encode(), "text/html", "Trablus'ta çatışma"),
        (b"\xef\xbb\xbfLibya", "text/html; charset=latin-1", "Libya"),
    ],
)
def test_pages_are_decoded_as_scrapy_decodes_them(body, content_type, expected):
    from scrapy.http import HtmlResponse

    assert expected in decode_html(body, content_type)
    scrapy_text = HtmlResponse(
        "http://x.test/", body=body, headers={"Content-Type": content_type}
    ).text
    assert decode_html(body, content_type) == scrapy_text
