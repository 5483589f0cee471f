"""The WARC store: the bytes the archive captured, its source of truth.

Every way into the archive (a crawl, an import, a backfill) keeps what it received as WARC
1.1 records in the folder beside the archive (`<archive>.warcs/` by default); `articles`
and the other tables are a reading of these records that `reextract` and `rebuild` can
make again. warcio (the Webrecorder project's library, also used by pywb and Common
Crawl's tools) builds and parses the records; this module decides how they are laid out:

- One file per run, rotated at `ROTATE_BYTES`, named `<prefix>-<UTC start>-<pid>-<n>.warc.gz`
  and written as `<name>.open` until it is closed (Heritrix's convention): a `.open` file
  left behind is a run that was killed, which `recover` checks, cuts back to its last
  complete record if needed, and renames.
- Each record is its own gzip member, flushed as soon as it is written, so a file is valid
  up to its last complete record whatever happens, and a record can be read alone from
  its offset and length (what the `captures` table keeps).
- A response comes with its request record; a page whose payload the store already holds
  is a `revisit` record (identical payload digest) that names the record it repeats.
- The archive's own facts about a record travel with it in extension fields
  (`Libya-Archive-Outlet`, `-Role`, `-Source`, `-Redirects`), so that the records alone are
  enough to rebuild the archive.

The response is kept as Scrapy received it: headers as sent (without Transfer-Encoding,
since the body arrives de-chunked) and the body as sent (compressed when the server
compressed it); readers decode it (`Captured.payload`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus
from pathlib import Path

from isal import isal_zlib
from w3lib.encoding import html_to_unicode, resolve_encoding
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

ROTATE_BYTES = 1024**3  # a new file after 1 GB
SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
# Every captured page is compressed while the crawl runs, so the compressor matters: on real
# news pages (366 KB on average) zlib at warcio's level 9 or at 6 took 13 ms a page, as long
# as extracting it; ISA-L (Intel's library, through python-isal) at its level 2 takes 1.1 ms
# for files 16% larger (21% of the page, against 18%), gzip members any reader takes.
GZIP_LEVEL = 2
GZIP_MAGIC = b"\x1f\x8b\x08"
# The archive's extension fields on a response or revisit record.
OUTLET, ROLE, SOURCE, REDIRECTS = (
    "Libya-Archive-Outlet",
    "Libya-Archive-Role",
    "Libya-Archive-Source",
    "Libya-Archive-Redirects",
)
# A page read from a Wayback Machine: the address it was replayed from (the record's
# target is the original URL, its date the time the Wayback Machine captured it).
WAYBACK_REPLAY = "Libya-Archive-Wayback-Replay"
# A redirect kept as a record of its own (a Wayback redirect capture whose target was
# archived from its own capture): the original URL it leads to.
REDIRECT_TO = "Libya-Archive-Redirect-To"
# Headers of a response that no longer describe the body as kept.
DROPPED_HEADERS = {"transfer-encoding"}


def folder_for(archive_path: str | Path) -> Path:
    """The default WARC store of an archive: a folder beside it."""
    return Path(f"{archive_path}.warcs")


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of a body: sha1, base32, as every WARC tool writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """A WARC-Date: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(value: str) -> str:
    """A WARC-Date as the archive writes timestamps (ISO 8601, +00:00, to the second)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass
class Exchange:
    """One HTTP exchange as the crawler saw it, to be written as records."""

    url: str
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    fetched: datetime
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = "HTTP/1.1"
    # The archive's facts: OUTLET, ROLE, SOURCE, REDIRECTS (extension fields).
    facts: dict[str, str] = field(default_factory=dict)
    record_id: str | None = None  # kept from the source when a record is imported


@dataclass(frozen=True)
class Original:
    """The record that first held a payload, which a revisit record names."""

    record_id: str
    url: str
    date: str  # its WARC-Date


@dataclass(frozen=True)
class Written:
    """Where a response (or revisit) record went, as the `captures` table keeps it."""

    record_id: str
    record_type: str  # "response" or "revisit"
    warc_file: str  # the file's final name, in the store's folder
    offset: int
    length: int  # of the record's gzip member
    payload_digest: str
    date: str  # WARC-Date
    refers_to: str | None = None  # a revisit: the record id of the original


class WarcWriter:
    """Writes exchanges into files of one run in `folder`."""

    def __init__(
        self,
        folder: str | Path,
        prefix: str = "libya-archive",
        rotate_bytes: int = ROTATE_BYTES,
        info: dict[str, str] | None = None,
    ):
        self.folder = Path(folder)
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.info = info or {}
        self.started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.sequence = 0
        self.name: str | None = None
        self.handle = None
        self.bytes_written = 0  # over all files of the run
        self._builder = WARCWriter(None, gzip=False, warc_version="WARC/1.1")

    def write(
        self, exchange: Exchange, original: Original | None = None, digest: str | None = None
    ) -> Written:
        """Write the response (a revisit when `original` holds the same payload) and its
        request; each record is flushed to the operating system before this returns.
        `digest` is the body's payload digest, when the caller has made it already."""
        digest = digest or payload_digest(exchange.body)
        http_headers = StatusAndHeaders(
            _status_line(exchange.status),
            [(k, v) for k, v in exchange.response_headers if k.lower() not in DROPPED_HEADERS],
            protocol=exchange.protocol,
        )
        fields = {"WARC-Date": warc_date(exchange.fetched), **exchange.facts}
        if exchange.record_id:
            fields["WARC-Record-ID"] = exchange.record_id
        if original is None:
            response = self._builder.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict={**fields, "WARC-Payload-Digest": digest},
            )
        else:
            response = self._builder.create_revisit_record(
                exchange.url,
                digest,
                original.url,
                original.date,
                http_headers=http_headers,
                warc_headers_dict=fields,
            )
            response.rec_headers.add_header("WARC-Refers-To", original.record_id)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        request = self._builder.create_warc_record(
            exchange.url,
            "request",
            http_headers=StatusAndHeaders(
                f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}",
                exchange.request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={
                "WARC-Date": fields["WARC-Date"],
                "WARC-Concurrent-To": record_id,
            },
        )
        self._open_if_needed()
        offset, length = self._append(response)
        self._append(request)
        return Written(
            record_id=record_id,
            record_type=response.rec_type,
            warc_file=self.name,
            offset=offset,
            length=length,
            payload_digest=digest,
            date=fields["WARC-Date"],
            refers_to=original.record_id if original else None,
        )

    def sync(self) -> None:
        """Make what was written durable (fsync): before the rows that name it commit."""
        if self.handle is not None:
            self.handle.flush()
            os.fsync(self.handle.fileno())

    def close(self) -> None:
        """Close the current file and give it its final name."""
        if self.handle is None:
            return
        self.sync()
        self.handle.close()
        self.handle = None
        final = self.folder / self.name
        final.with_name(self.name + OPEN_SUFFIX).rename(final)

    # Files -----------------------------------------------------------------------------

    def _open_if_needed(self) -> None:
        if self.handle is not None and self.handle.tell() < self.rotate_bytes:
            return
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = f"{self.prefix}-{self.started}-{os.getpid()}-{self.sequence:05d}{SUFFIX}"
        self.sequence += 1
        self.handle = open(self.folder / (self.name + OPEN_SUFFIX), "ab")  # noqa: SIM115
        info = {"software": "libya-archive", "format": "WARC File Format 1.1", **self.info}
        self._append(self._builder.create_warcinfo_record(self.name, info))

    def _append(self, record) -> tuple[int, int]:
        """Write one record as its own gzip member; (offset, length) in the file."""
        raw = io.BytesIO()
        WARCWriter(raw, gzip=False, warc_version="WARC/1.1").write_record(record)
        compressor = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        member = compressor.compress(raw.getvalue()) + compressor.flush()
        offset = self.handle.tell()
        self.handle.write(member)
        self.handle.flush()
        self.bytes_written += len(member)
        return offset, len(member)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# Reading ------------------------------------------------------------------------------


@dataclass
class Captured:
    """A response or revisit record as the archive reads it."""

    record_id: str
    record_type: str
    url: str
    date: str  # ISO 8601, UTC
    status: int | None
    http_headers: list[tuple[str, str]]
    # As the server sent it (compressed if it was); b"" for a revisit.
    body: bytes = field(repr=False)
    payload_digest: str | None
    fields: dict[str, str]  # every WARC header, by name
    offset: int = 0
    length: int = 0

    def header(self, name: str) -> str:
        """An HTTP header of the response ("" when absent)."""
        return next((v for k, v in self.http_headers if k.lower() == name.lower()), "")

    @property
    def content_type(self) -> str:
        return self.header("Content-Type")

    @cached_property
    def payload(self) -> bytes:
        """The body decoded from its Content-Encoding (gzip, deflate, brotli)."""
        encoding = self.header("Content-Encoding").strip().lower()
        if not self.body or encoding not in BufferedReader.get_supported_decompressors():
            return self.body
        try:
            return BufferedReader(io.BytesIO(self.body), decomp_type=encoding).read()
        except (OSError, zlib.error, ValueError):
            return self.body  # mislabelled: the bytes as they are

    @property
    def refers_to(self) -> str | None:
        return self.fields.get("WARC-Refers-To")

    def text(self) -> str:
        return decode_html(self.payload, self.content_type)


# Labels that say nothing of what a body is: a server that does not know a file's type
# sends one (Python's http.server and many static hosts, for a path with no extension).
UNKNOWN_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/x-unknown-content-type",
        "unknown/unknown",
        "text/plain",
        "*/*",
    }
)
# The HTML signatures of the WHATWG MIME Sniffing standard: the tags an unlabelled page
# opens with, after blank space. Written here because Scrapy sniffs bodies only inside its
# choice of response class, and records are read without Scrapy.
HTML_SIGNATURE = re.compile(
    rb"(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*<(?:!doctype html|html|head|script|iframe|h1|div|font"
    rb"|table|a|style|title|b|body|br|p|!--)[ >]",
    re.IGNORECASE,
)


def is_html(content_type: str | None, payload: bytes = b"") -> bool:
    """Whether a response is an HTML page: by its Content-Type when that names a type (a
    PDF whose first bytes look like text stays a PDF), none at all counts as the crawl
    counts it, and a label that says nothing (`UNKNOWN_TYPES`) lets the payload's opening
    tag decide. Every path (crawl, import, backfill, rebuild) asks this, so they agree."""
    content_type = (content_type or "").lower()
    if not content_type or "html" in content_type or "xml" in content_type:
        return True
    return content_type.split(";")[0].strip() in UNKNOWN_TYPES and bool(
        HTML_SIGNATURE.match(payload[:1024])
    )


def decode_html(body: bytes, content_type: str | None) -> str:
    """A page's text as Scrapy decodes an HTML response: a byte order mark, then the
    charset of the Content-Type header, then the page's own declaration, then ASCII or
    UTF-8 as the bytes allow. Used on every path, so a crawl and a re-extraction of the
    same bytes read the same text."""

    def detect(raw: bytes) -> str | None:
        for encoding in ("ascii", "utf-8"):
            try:
                raw.decode(encoding)
            except UnicodeError:
                continue
            return resolve_encoding(encoding)
        return None

    return html_to_unicode(
        content_type or "", body, default_encoding="ascii", auto_detect_fun=detect
    )[1]


def _captured(record, offset: int = 0, length: int = 0, with_payload: bool = True) -> Captured:
    fields = {k: v for k, v in record.rec_headers.headers}
    status = None
    headers: list[tuple[str, str]] = []
    if record.http_headers is not None:
        headers = list(record.http_headers.headers)
        code = (record.http_headers.get_statuscode() or "").strip()
        status = int(code) if code.isdigit() else None
    body = b""
    if with_payload and record.rec_type != "revisit":
        body = record.raw_stream.read()
        if (
            record.http_headers
            and "chunked" in (record.http_headers.get_header("Transfer-Encoding") or "").lower()
        ):
            body = ChunkedDataReader(io.BytesIO(body)).read()
            headers = [(k, v) for k, v in headers if k.lower() not in DROPPED_HEADERS]
    return Captured(
        record_id=fields.get("WARC-Record-ID", ""),
        record_type=record.rec_type,
        url=fields.get("WARC-Target-URI", ""),
        date=iso_date(fields["WARC-Date"]) if fields.get("WARC-Date") else "",
        status=status,
        http_headers=headers,
        body=body,
        payload_digest=fields.get("WARC-Payload-Digest"),
        fields=fields,
        offset=offset,
        length=length,
    )


def file_path(folder: str | Path, name: str) -> Path:
    """A file of the store: its final name, or the `.open` name of a run not yet closed."""
    path = Path(folder) / name
    if not path.exists() and path.with_name(name + OPEN_SUFFIX).exists():
        return path.with_name(name + OPEN_SUFFIX)
    return path


def read_record(folder: str | Path, name: str, offset: int, length: int) -> Captured:
    """The record at `offset` of file `name` (read alone: it is its own gzip member)."""
    with open(file_path(folder, name), "rb") as handle:
        handle.seek(offset)
        chunk = handle.read(length)
    record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
    return _captured(record, offset, length)


@dataclass
class FileReport:
    """What reading one file found that was not a record."""

    path: str
    records: int = 0
    corrupt: int = 0  # records that could not be parsed, skipped
    truncated_at: int | None = None  # offset where an incomplete record begins
    problems: list[str] = field(default_factory=list)


def iter_records(
    path: str | Path, report: FileReport | None = None, with_payload: bool = True
) -> Iterator[Captured]:
    """Every response and revisit record of a WARC or ARC file, gzipped or not, one at a
    time (memory stays flat). A record that cannot be parsed is counted in `report` and
    skipped (in a gzipped file, reading goes on at the next gzip member); an incomplete
    record at the end is reported, never raised."""
    report = report if report is not None else FileReport(str(path))
    size = os.path.getsize(path)
    gzipped = _is_gzip(path)
    with open(path, "rb") as handle:
        start = end = 0
        last = None  # where the last record read starts
        while start < size:
            handle.seek(start)
            iterator = ArchiveIterator(handle, arc2warc=True)
            try:
                for record in iterator:
                    if gzipped and iterator.reader.decompressor is None:
                        # warcio reads a member it cannot inflate as plain bytes, and
                        # those may parse as a record of garbage: a damaged member.
                        raise ValueError("a gzip member that does not inflate")
                    wanted = record.rec_type in ("response", "revisit")
                    captured = _captured(record, 0, 0, with_payload) if wanted else None
                    if captured is not None and _cut_short(record):
                        # The file ends inside this record: a part of a page is no page.
                        report.truncated_at = iterator.offset
                        report.problems.append(
                            f"incomplete record at byte {iterator.offset}: the file ends inside it"
                        )
                        return
                    iterator.read_to_end(record)  # offsets are the file's, from `start` on
                    last = iterator.get_record_offset()
                    end = last + iterator.get_record_length()
                    if captured is not None:
                        captured.offset = iterator.get_record_offset()
                        captured.length = iterator.get_record_length()
                        report.records += 1
                        yield captured
                break
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
                failed_at = iterator.offset
                reason = _short(exc)
                resume = _next_member(handle, failed_at + 1)
                if resume is None:
                    report.truncated_at = failed_at
                    report.problems.append(f"incomplete record at byte {failed_at}: {reason}")
                    return
                report.corrupt += 1
                report.problems.append(f"unreadable record at byte {failed_at}: {reason}")
                start = resume
        cut = end < size or (last is not None and not _complete_member(handle, last, size))
        if report.truncated_at is None and gzipped and cut:
            report.truncated_at = last if end >= size else end
            report.problems.append(
                f"incomplete record at byte {report.truncated_at}: the file ends inside it"
            )


def _cut_short(record) -> bool:
    """Whether the file ended before the record's declared length was read."""
    return isinstance(record.raw_stream, LimitReader) and record.raw_stream.limit > 0


def _complete_member(handle, start: int, size: int) -> bool:
    """Whether the gzip member at `start` runs to its end marker within the file."""
    handle.seek(start)
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        while chunk := handle.read(1 << 20):
            decompressor.decompress(chunk)
            if decompressor.eof:
                return True
    except zlib.error:
        return False
    return decompressor.eof


def _short(exc: Exception) -> str:
    """An exception as a short line (warcio quotes whole binary lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _is_gzip(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(3) == GZIP_MAGIC


def _next_member(handle, after: int) -> int | None:
    """The offset of the next gzip member's start after `after`, if any."""
    handle.seek(after)
    position = after
    while chunk := handle.read(1 << 20):
        found = chunk.find(GZIP_MAGIC)
        if found >= 0:
            return position + found
        position += len(chunk) - 2
        handle.seek(position)
        if len(chunk) < 1 << 20:
            break
    return None


def complete_length(path: str | Path) -> tuple[int, int, str | None]:
    """(records, bytes) of the complete records at the start of a file, and what stopped
    the reading early, if anything."""
    records = end = 0
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                iterator.read_to_end(record)
                records += 1
                end = iterator.get_record_offset() + iterator.get_record_length()
        except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
            return records, end, _short(exc)
    size = os.path.getsize(path)
    return records, end, None if end == size else f"{size - end} bytes after the last record"


def recover(folder: str | Path) -> list[str]:
    """Close the files that killed runs left open: each is cut back to its last complete
    record (the incomplete one could never be read) and renamed. Returns a sentence per
    file, for the crawl to report."""
    messages = []
    for path in sorted(Path(folder).glob(f"*{SUFFIX}{OPEN_SUFFIX}")):
        records, end, problem = complete_length(path)
        size = path.stat().st_size
        if end < size:
            with open(path, "r+b") as handle:
                handle.truncate(end)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        path.rename(final)
        cut = f"; cut an incomplete record of {size - end} bytes ({problem})" if end < size else ""
        messages.append(
            f"{final}: left open by a run that did not finish; {records} complete records kept{cut}"
        )
    return messages
