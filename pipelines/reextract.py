"""Today's extraction over the archive's captures: every improvement reaches old articles.

Each article is read again from its latest capture (the response it was archived from, or
the record a revisit repeats), in worker processes on every core, by the steps a crawl
takes (extract, check, relevance), and the writer updates what differs (pipelines/store.py,
`reread`): a changed text keeps the old one as a version, and the search index and story
clusters follow. Each article keeps the `extractor_version` that read it; articles already
read by today's extractor are left alone, so a second run changes nothing.

An article that today's reading finds no article, or off-topic for a general outlet, is
kept as it is (with its new relevance score) and counted: the captures stay, so nothing is
lost, and `rebuild` applies today's judgement to the whole archive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import clusters
from pipelines.archive import article_filter, open_archive
from pipelines.dedup import content_hash
from pipelines.extract import check_article, extract, extractor_version
from pipelines.ingest import OutletRules
from pipelines.items import ArticlePage, Extracted
from pipelines.judge import read_article
from pipelines.outcomes import ExtractionFailed, PageRejected
from pipelines.relevance import Assessment
from pipelines.store import ArchiveWriter
from pipelines.warcs import read_record
from pipelines.workers import ExtractionPool

# The capture an article is read from: its latest 2xx response, or revisit of one.
LATEST_CAPTURE = """
SELECT c.url, c.record_type, c.fetched,
       coalesce(o.warc_file, c.warc_file), coalesce(o.warc_offset, c.warc_offset),
       coalesce(o.warc_length, c.warc_length), c.content_type
FROM captures c LEFT JOIN captures o ON c.record_type = 'revisit' AND o.record_id = c.refers_to
WHERE c.article_id = ? AND c.status BETWEEN 200 AND 299
  AND (c.record_type = 'response' OR o.id IS NOT NULL)
ORDER BY c.fetched DESC, c.id DESC LIMIT 1
"""


@dataclass
class Selection:
    """Which articles to read again; empty parts mean "any"."""

    outlets: tuple[str, ...] = ()
    since: str | None = None  # YYYY-MM-DD, the publisher's day, inclusive
    until: str | None = None
    everything: bool = False  # also those today's extractor has read already

    def where(self) -> tuple[str, list]:
        clauses, params = article_filter(self.outlets, since=self.since, until=self.until)
        if not self.everything:
            clauses.append("extractor_version IS NOT ?")
            params.append(extractor_version())
        return " AND ".join(clauses), params


@dataclass
class ReextractReport:
    selected: int = 0
    read: int = 0
    counts: Counter = field(default_factory=Counter)  # changed, updated, unchanged, ...
    no_capture: int = 0  # archived before raw capture: nothing to read again


def count(db_path: str | Path, selection: Selection) -> int:
    where, params = selection.where()
    with closing(open_archive(db_path)) as db:
        return db.execute(f"SELECT count(*) FROM articles WHERE {where}", params).fetchone()[0]


def reextract(
    db_path: str | Path,
    warc_folder: str | Path,
    rules: Mapping[str, OutletRules],
    outlet_rows: list[dict],
    selection: Selection,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> ReextractReport:
    """Read the selected articles again from their captures and update the archive."""
    report = ReextractReport(selected=count(db_path, selection))
    if report.selected == 0:
        return report  # nothing to do, and nothing written: not even a run
    # The workers start first: their fork server imports the extractor while this process
    # opens the archive.
    pool = ExtractionPool(workers, fingerprints=False)
    pool.start()
    try:
        writer = ArchiveWriter(db_path)
        writer.open(outlet_rows, source="reextract")
        jobs = _jobs(writer, warc_folder, rules, selection, report, progress)
        for (page, article_id, digest), result in pool.imap(jobs, read_capture):
            _reread(writer, article_id, page, digest, result, report)
    finally:
        pool.close()
    for outlet_counts in writer.counts.values():
        report.counts.update(outlet_counts)
    writer.finish()
    return report


def _jobs(writer, warc_folder, rules, selection, report, progress) -> Iterator[tuple]:
    where, params = selection.where()
    last = 0
    # A thousand articles at a time, by id: the archive's articles do not fit in memory,
    # and the writer updates rows of the table as it goes.
    while rows := writer.db.execute(
        f"SELECT id, outlet, content_hash, published_before FROM articles WHERE {where} AND id > ? "
        "ORDER BY id LIMIT 1000",
        [*params, last],
    ).fetchall():
        last = rows[-1][0]
        for article_id, outlet, digest, published_before in rows:
            if progress:
                progress(1)
            capture = writer.db.execute(LATEST_CAPTURE, (article_id,)).fetchone()
            if capture is None or outlet not in rules:
                report.no_capture += 1
                continue
            url, _, fetched, name, offset, length, _ = capture
            # The page itself: the worker reads it (the bytes need not cross a pipe).
            page = ArticlePage(outlet, url, "", rules[outlet].scope, fetched)
            page.published_before = published_before
            report.read += 1
            location = (str(warc_folder), name, offset, length)
            yield (location, url, rules[outlet].selectors, digest), (page, article_id, digest)


def read_capture(
    location: tuple, url: str, selectors: Mapping[str, str], digest: str | None
) -> tuple[Extracted, tuple[int, bytes, str] | None, tuple[Assessment, list] | None]:
    """In a worker: a capture's page read from the store, extracted, judged and tagged
    with the places and actors it names (one reading serves both). The text's
    near-duplicate fingerprint is made only when the text differs from the archived one
    (`digest`), the only case in which the store needs it."""
    record = read_record(*location)
    article = extract(record.text(), url, selectors)
    fingerprint = None
    if content_hash(article.text) != digest:
        fingerprint = clusters.fingerprint(article.text)
    try:
        check_article(article)
    except PageRejected:
        return article, fingerprint, None
    return article, fingerprint, read_article(article)


def _reread(writer, article_id: int, page: ArticlePage, digest: str, result, report) -> None:
    if isinstance(result, ExtractionFailed):
        report.counts["extraction failed"] += 1
        return
    page.article, page.fingerprint, judged = result
    if judged is None:
        report.counts["no longer an article (kept as it was)"] += 1
        return
    assessment, page.entities = judged
    page.relevance, page.libya_terms = assessment.score, assessment.terms
    if page.scope == "general" and not assessment.relevant:
        report.counts["now judged off-topic (kept, score updated)"] += 1
    # No fingerprint: the worker found the archived text's digest again, so the writer
    # need not read the words once more to know it.
    writer.reread(article_id, page, digest if page.fingerprint is None else None)
