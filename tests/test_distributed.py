"""The distributed crawl, for real: a redis-server on 127.0.0.1, crawler processes and one
writer run as a user runs them (`libya-archive crawl --queue`, `store --queue`), sites
served on 127.0.0.1, and the archive they make compared with a single-process crawl's."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from libya_archive.demo_site import DEMO_DIR, SiteServer
from pipelines.items import ArticlePage, Capture, Extracted, FetchFailure
from pipelines.outcomes import NotAboutLibya, NotAnArticle
from pipelines.queue_items import decode, encode, encode_rejection
from pipelines.warcs import read_record
from tests.conftest import PROJECT_DIR, cli_env, copy_archive, crawl, query, run_cli
from tests.redis_server import RedisServer

TIMEOUT = 300  # seconds for a whole distributed run
# A crawler silent for this long is dead (the default, 30 s, would make the tests wait).
FAST = {"LIBYA_ARCHIVE_WORKER_TIMEOUT": "5", "LIBYA_ARCHIVE_EXTRACT_WORKERS": "1"}
GENERATED_ARTICLES = 120
_databases = itertools.count()


# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
def queue(redis_server) -> str:
    """A Redis database of its own for each test (16 in a default server)."""
    return redis_server.url(next(_databases))


def client(url: str):
    import redis

    return redis.Redis.from_url(url)


@dataclass
class Run:
    """What a distributed run left: its archive, WARC store, and the site's request log."""

    db: Path
    warcs: Path
    requested: list[str]
    crawlers: list[subprocess.Popen]
    writer: subprocess.Popen
    logs: Path
    url: str = ""
    registry: Path | None = None
    port: int = 0  # the site's


def launch(*args: str, log: Path, env: dict | None = None) -> subprocess.Popen:
    """`libya-archive ARGS` in its own process group, its output in `log`."""
    with open(log, "w", encoding="utf-8") as handle:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "libya_archive", *args],
            cwd=PROJECT_DIR,
            env=env or cli_env(**FAST),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def finish(process: subprocess.Popen, log: Path) -> None:
    """Wait for a process of the run; it must exit 0."""
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"{process.args[3:]} did not finish:\n{log.read_text()[-3000:]}")
    assert code == 0, f"{process.args[3:]} exited {code}:\n{log.read_text()[-3000:]}"


def seed(url: str, registry: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run_cli("crawl", "--queue", url, "--seed", "--outlets", str(registry), *extra)
    assert result.returncode == 0, result.stderr
    return result


def start_run(url: str, registry: Path, db: Path, logs: Path, crawlers: int) -> Run:
    """Seed, then start the writer and `crawlers` crawlers, as the README says."""
    logs.mkdir(parents=True, exist_ok=True)
    seed(url, registry)
    writer = launch(
        "store", "--queue", url, "--db", str(db), "--until-idle", "2", log=logs / "writer.log"
    )
    warcs = db.parent / "warcs"
    started = [
        launch(
            "crawl",
            "--queue",
            url,
            "--db",
            str(db),
            "--warcs",
            str(warcs),
            "-v",
            log=logs / f"crawler-{n}.log",
        )  # fmt: skip
        for n in range(crawlers)
    ]
    return Run(db, warcs, [], started, writer, logs, url, registry)


def end_run(run: Run, site: SiteServer) -> Run:
    for n, process in enumerate(run.crawlers):
        if process.returncode is None or process.returncode >= 0:
            finish(process, run.logs / f"crawler-{n}.log")
    finish(run.writer, run.logs / "writer.log")
    run.requested = list(site.requested)
    return run


def crawler_name(process: subprocess.Popen) -> str:
    """The name a crawler process gives itself (scrapers/distributed.py)."""
    return f"{socket.gethostname().split('.')[0] or 'host'}-{process.pid}"


def articles(db: Path) -> list[tuple]:
    """The archived articles as comparable rows: outlet, URL path, title, text's hash."""
    rows = query(db, "SELECT outlet, url, title, content_hash FROM articles")
    return sorted(
        (outlet, url.split("/", 3)[3], title, digest) for outlet, url, title, digest in rows
    )


def article_paths(rows: list[tuple]) -> set[str]:
    return {"/" + path for _, path, _, _ in rows}


@pytest.fixture(scope="module")
def demo_run(redis_server, tmp_path_factory) -> Run:
    """The demo site crawled by two crawler processes and one writer."""
    folder = tmp_path_factory.mktemp("distributed-demo")
    with SiteServer(DEMO_DIR / "site") as site:
        registry = folder / "outlets.yml"
        registry.write_text(site.rewrite((DEMO_DIR / "outlets.yml").read_text("utf-8")), "utf-8")
        url = redis_server.url(next(_databases))
        run = start_run(url, registry, folder / "archive.db", folder / "logs", crawlers=2)
        run.port = site.httpd.server_address[1]
        return end_run(run, site)


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory):
    """A generated news site (bench/site_generator.py) and a single-process crawl of it."""
    from bench.site_generator import generate_site

    folder = tmp_path_factory.mktemp("generated")
    root = folder / "site"
    paths = generate_site(root, GENERATED_ARTICLES, seed=3, origin="http://demo.test")
    single = folder / "single.db"
    with SiteServer(root) as site:
        registry = folder / "outlets.yml"
        registry.write_text(site.rewrite((root / "outlets.yml").read_text("utf-8")), "utf-8")
        crawl(registry, single)
    assert len(articles(single)) == GENERATED_ARTICLES  # every page an article about Libya
    return root, paths, single


def serve_generated(root: Path, folder: Path, delay: float = 0) -> tuple[SiteServer, Path]:
    site = SiteServer(root, delay=delay)
    registry = folder / "outlets.yml"
    registry.write_text(site.rewrite((root / "outlets.yml").read_text("utf-8")), "utf-8")
    return site, registry


# Two crawlers and one writer against the demo site ------------------------------------


@pytest.mark.crawl
def test_two_crawlers_and_one_writer_archive_what_one_crawl_archives(demo_run, demo_archive):
    distributed = articles(demo_run.db)
    assert distributed and distributed == articles(demo_archive)
    assert len({(outlet, digest) for outlet, _, _, digest in distributed}) == len(distributed)


@pytest.mark.crawl
def test_every_page_is_fetched_once_across_the_crawlers(demo_run):
    fetched = Counter(path for path in demo_run.requested if path != "/robots.txt")
    assert fetched, "nothing was fetched"
    assert {path: n for path, n in fetched.items() if n > 1} == {}
    # robots.txt is each crawler's own business: at most once each.
    assert 1 <= demo_run.requested.count("/robots.txt") <= len(demo_run.crawlers)


@pytest.mark.crawl
def test_the_distributed_run_is_recorded_in_crawl_runs(demo_run, demo_archive):
    one = "SELECT outlet, articles_new, irrelevant FROM crawl_runs WHERE run = 1 ORDER BY outlet"
    assert query(demo_run.db, one) == query(demo_archive, one)
    rows = query(demo_run.db, "SELECT run, requests, responses, finished, source FROM crawl_runs")
    assert {run for run, *_ in rows} == {1}
    for _, requests, responses, finished, source in rows:
        assert json.loads(responses) == {"200": requests} and requests > 0
        assert finished and source == "crawl"


@pytest.mark.crawl
def test_each_crawler_writes_warc_files_of_its_own(demo_run):
    folders = {path.name: path for path in demo_run.warcs.iterdir()}
    assert set(folders) <= {crawler_name(p) for p in demo_run.crawlers}
    names = [f.name for name, folder in folders.items() for f in folder.iterdir()]
    assert len(names) == len(set(names))
    for name, folder in folders.items():
        assert all(f.name.startswith(f"libya-archive-{name}-") for f in folder.iterdir())
    # Every capture the archive indexes is a readable record of one of those files, named
    # by its path in the store (the crawler's folder, then the file).
    captures = query(demo_run.db, "SELECT warc_file, warc_offset, warc_length, url FROM captures")
    assert captures
    for warc_file, offset, length, url in captures:
        assert warc_file.split("/")[0] in folders
        assert read_record(demo_run.warcs, warc_file, offset, length).url == url


@pytest.mark.crawl
def test_the_crawlers_folders_rebuild_the_archive_and_reextract_reads_them(demo_run, tmp_path):
    """The store of a distributed crawl (a folder per crawler) is a store like any other:
    rebuild reads every folder, and reextract finds each capture by its path."""
    rebuilt = tmp_path / "rebuilt.db"
    registry = str(demo_run.registry)
    result = run_cli(
        "rebuild", "--from", str(demo_run.db), "--db", str(rebuilt), "--warcs",
        str(demo_run.warcs), "--outlets", registry,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert articles(rebuilt) == articles(demo_run.db)
    named = (
        "SELECT a.url, e.entity_id FROM article_entities e JOIN articles a ON a.id = e.article_id"
    )
    assert sorted(query(rebuilt, named)) == sorted(query(demo_run.db, named))
    copy = tmp_path / "copy.db"
    copy_archive(demo_run.db, copy)
    result = run_cli(
        "reextract", "--db", str(copy), "--warcs", str(demo_run.warcs), "--outlets", registry,
        "--all",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert articles(copy) == articles(demo_run.db)
    # Every article was read again from its capture: none failed, none lacked one.
    (read, total) = query(
        copy,
        "SELECT sum(articles_unchanged + articles_changed), "
        "(SELECT count(*) FROM articles) FROM crawl_runs WHERE source = 'reextract'",
    )[0]
    assert read == total > 0


@pytest.mark.crawl
def test_a_second_distributed_run_fetches_no_archived_article(demo_run, tmp_path):
    """What the archive knows reaches the crawlers through the writer's snapshot."""
    db = tmp_path / "again.db"
    copy_archive(demo_run.db, db)
    with SiteServer(DEMO_DIR / "site", port=demo_run.port) as site:  # the URLs it archived
        run = end_run(start_run(demo_run.url, demo_run.registry, db, tmp_path / "logs", 1), site)
    archived = article_paths(articles(db))
    assert not archived & set(run.requested)
    ((new, skipped),) = query(
        db, "SELECT sum(articles_new), sum(skipped_archived) FROM crawl_runs WHERE run = 2"
    )
    assert new == 0 and skipped > 0
    assert articles(db) == articles(demo_run.db)


@pytest.mark.crawl
def test_redirects_failures_and_url_variants_come_out_as_in_one_crawl(queue, tmp_path):
    """The site of URL variants (a redirect, print and AMP copies, canonicals, a PDF,
    broken feeds, robots.txt) crawled by one process, then by two crawlers and the writer."""
    from tests.variants_site import crawled_variants_site, urls_by_article

    with crawled_variants_site(tmp_path / "site") as (_, single):
        registry = tmp_path / "site" / "outlets.yml"
        run = start_run(queue, registry, tmp_path / "archive.db", tmp_path / "logs", crawlers=2)
        for n, process in enumerate(run.crawlers):
            finish(process, run.logs / f"crawler-{n}.log")
        finish(run.writer, run.logs / "writer.log")

    # Two URLs of one outlet with the same text are one article, named by the URL stored
    # first, which varies from crawl to crawl as extraction does: compare URL groups.
    def groups(db: Path) -> set[tuple]:
        found = urls_by_article(db)
        rows = query(db, "SELECT url, title, content_hash FROM articles")
        return {
            (t, h, frozenset(found[u.split("/", 3)[3]] | {u.split("/", 3)[3]})) for u, t, h in rows
        }

    assert groups(single) and groups(run.db) == groups(single)

    def failures(db: Path) -> list[tuple]:
        return sorted(
            (kind, url.split("/", 3)[3])
            for kind, url in query(db, "SELECT kind, url FROM fetch_errors")
        )

    def captures(db: Path) -> list[tuple]:
        # Whether a capture is linked to its article; not its type (a revisit record is
        # made only for a payload the same crawler already holds).
        rows = query(db, "SELECT url, status, article_id IS NOT NULL FROM captures")
        return sorted((url.split("/", 3)[3], status, linked) for url, status, linked in rows)

    assert failures(single) and failures(run.db) == failures(single)
    assert captures(single) and captures(run.db) == captures(single)


# A crawler killed mid-run -----------------------------------------------------------------


@pytest.mark.crawl
def test_a_crawler_killed_mid_run_loses_nothing(generated_site, queue, tmp_path):
    root, paths, single = generated_site
    redis = client(queue)
    # Slow enough that the first crawler still works when the second one has started.
    site, registry = serve_generated(root, tmp_path, delay=0.2)
    with site:
        run = start_run(queue, registry, tmp_path / "archive.db", tmp_path / "logs", crawlers=2)
        victim = run.crawlers[0]
        leases = f"libya-archive:leases:{crawler_name(victim)}"
        deadline = time.monotonic() + TIMEOUT
        while not (redis.hlen(leases) and sum(p in paths for p in site.requested) >= 20):
            assert victim.poll() is None, "the crawler finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.killpg(victim.pid, signal.SIGSTOP)  # held still while its leases are read
        held = {pickle.loads(member)["url"].split("/", 3)[3] for member in redis.hkeys(leases)}
        killed_at = len(site.requested)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        end_run(run, site)
    assert held
    assert articles(run.db) == articles(single)
    after = run.requested[killed_at:]
    # What the killed crawler held was crawled again by the other; nothing else twice.
    assert {"/" + path for path in held} <= set(after)
    twice = {p for p, n in Counter(run.requested).items() if n > 1 and p != "/robots.txt"}
    assert twice <= {"/" + path for path in held}
    assert redis.llen("libya-archive:items") == 0
    assert redis.zcard("libya-archive:requests") == 0


# The writer killed mid-batch ------------------------------------------------------------


@pytest.mark.crawl
def test_the_writer_killed_mid_batch_loses_nothing_and_stores_once(generated_site, queue, tmp_path):
    root, paths, single = generated_site
    redis = client(queue)
    db = tmp_path / "archive.db"
    env = cli_env(**FAST, LIBYA_ARCHIVE_STORE_BATCH="4")  # batches of 8 messages
    site, registry = serve_generated(root, tmp_path)
    store = ("store", "--queue", queue, "--db", str(db), "--until-idle", "2")
    with site:  # the crawl first, with no writer yet: its items wait in Redis
        seed(queue, registry)
        crawler = launch("crawl", "--queue", queue, "--db", str(db), log=tmp_path / "crawl.log")
        finish(crawler, tmp_path / "crawl.log")
    assert "crawling without it" in (tmp_path / "crawl.log").read_text()
    waiting = redis.llen("libya-archive:items")
    assert waiting > 2 * GENERATED_ARTICLES * 0.9  # a page and its capture each
    first = launch(*store, log=tmp_path / "writer-1.log", env=env)
    while True:  # killed in the middle of a batch, after a batch committed
        wait_until(lambda: stored(db) > 0 and redis.llen("libya-archive:items:storing"))
        os.killpg(first.pid, signal.SIGSTOP)
        if redis.llen("libya-archive:items:storing") and redis.llen("libya-archive:items"):
            break
        os.killpg(first.pid, signal.SIGCONT)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    wait_until(lambda: not redis.exists("libya-archive:writer"))  # its claim lapses
    second = launch(*store, log=tmp_path / "writer-2.log", env=env)
    finish(second, tmp_path / "writer-2.log")
    assert "storing again" in (tmp_path / "writer-2.log").read_text()
    assert articles(db) == articles(single)
    assert redis.llen("libya-archive:items") == redis.llen("libya-archive:items:storing") == 0
    run_id = json.loads(redis.get("libya-archive:run"))["id"]
    assert redis.get("libya-archive:run:finished").decode() == run_id


def stored(db: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def wait_until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# What the archive knows, for crawlers ---------------------------------------------------


@pytest.mark.parametrize("recheck_days", [None, 100000])
def test_the_snapshot_answers_as_the_archive_does(demo_archive, queue, recheck_days):
    from scrapers.known import ArchiveMemory
    from scrapers.snapshot import SnapshotMemory, publish

    redis = client(queue)
    outlets = [outlet for (outlet,) in query(demo_archive, "SELECT id FROM outlets")]
    assert publish(redis, demo_archive, outlets, recheck_days, "run-1") > 0
    urls = {
        url
        for sql in (
            "SELECT url FROM article_urls",
            "SELECT url FROM rejected_urls",
            "SELECT url FROM fetch_errors",
        )
        for (url,) in query(demo_archive, sql)
    }
    assert query(demo_archive, "SELECT count(*) FROM rejected_urls")[0][0]
    urls.add("http://127.0.0.1:1/never-seen.html")
    archive = ArchiveMemory(str(demo_archive), outlets, recheck_days)
    snapshot = SnapshotMemory(redis)
    reasons = Counter()
    for url in sorted(urls):
        for changed in (None, "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"):
            reasons[archive.skip_reason(url, changed)] += 1
            assert snapshot.skip_reason(url, changed) == archive.skip_reason(url, changed), url
    archive.close()
    assert reasons["rejected"] and reasons[None]
    assert reasons["archived"] if recheck_days is None else not reasons["archived"]


# The run's guard, and the single-process crawl untouched ---------------------------------


@pytest.mark.crawl
def test_a_second_seed_is_refused_while_the_run_is_not_over(demo_registry, queue):
    seed(queue, demo_registry)
    again = run_cli("crawl", "--queue", queue, "--seed", "--outlets", str(demo_registry))
    assert again.returncode == 4
    assert "is not over" in again.stderr and "requests queued or in flight" in again.stderr
    assert client(queue).zcard("libya-archive:requests") > 0


@pytest.mark.crawl
def test_a_crawl_without_queue_needs_neither_redis_nor_scrapy_redis(demo_registry, tmp_path):
    blockers = tmp_path / "blockers"
    blockers.mkdir()
    for module in ("redis", "scrapy_redis"):
        (blockers / f"{module}.py").write_text(f"raise ImportError('{module} is blocked')\n")
    env = cli_env(
        PYTHONPATH=os.pathsep.join(filter(None, [str(blockers), os.getenv("PYTHONPATH")]))
    )
    result = run_cli(
        "crawl", "--outlets", str(demo_registry), "--db", str(tmp_path / "a.db"), env=env
    )
    assert result.returncode == 0, result.stderr
    assert query(tmp_path / "a.db", "SELECT count(*) FROM articles")[0][0] > 0
    queued = run_cli("crawl", "--queue", "redis://127.0.0.1:1/0", "--seed", env=env)
    assert queued.returncode != 0 and "redis is blocked" in queued.stderr + str(queued.stdout)


# The messages ---------------------------------------------------------------------------


@pytest.mark.parametrize("with_fingerprint", [True, False])
def test_a_page_travels_to_the_writer_intact_but_its_html(with_fingerprint):
    page = ArticlePage(
        outlet="libya-herald",
        url="https://libyaherald.com/2024/05/sirte-port/",
        html="<html>kept by the crawler's WARC only</html>",
        scope="libya",
        fetched="2024-05-01T10:00:00+00:00",
        urls_seen=["https://libyaherald.com/?p=1", "https://libyaherald.com/2024/05/sirte-port/"],
        captures=["<urn:uuid:1>"],
        article=Extracted(title="Sirte port reopens", authors=["A. Writer"], text="درنة " * 50),
        fingerprint=(42, bytes(range(256))) if with_fingerprint else None,
        relevance=0.93,
        libya_terms=["sirte"],
    )
    kind, back = decode(encode(page))
    assert kind == "page"
    assert back.html == ""
    page.html = ""
    assert back == page


def test_rejections_failures_and_captures_keep_their_kind():
    page = ArticlePage("a", "https://a.example/x", "", "general", "2024-05-01T10:00:00+00:00")
    kind, (_, why) = decode(encode_rejection(page, NotAboutLibya("not about Libya", 0.2)))
    assert (kind, type(why), why.reason, why.score) == (
        "rejected",
        NotAboutLibya,
        "not about Libya",
        0.2,
    )
    _, (_, why) = decode(encode_rejection(page, NotAnArticle("a listing")))
    assert (type(why), why.kind) == (NotAnArticle, "no-article")
    failure = FetchFailure("a", "https://a.example/y", "http", "the server answered HTTP 404", 404)
    assert decode(encode(failure)) == ("failure", failure)
    capture = Capture(
        record_id="<urn:uuid:2>",
        record_type="response",
        url="https://a.example/x",
        outlet="a",
        role="article",
        fetched="2024-05-01T10:00:00+00:00",
        status=200,
        content_type="text/html",
        warc_file="f.warc.gz",
        warc_offset=10,
        warc_length=20,
        payload_digest="sha1:X",
    )
    assert decode(encode(capture)) == ("capture", capture)
    with pytest.raises(ValueError):
        decode(b'{"kind": "telegram"}')


def test_a_message_cannot_make_the_writer_build_anything_but_an_item():
    hostile = {"kind": "failure", "item": {"__type__": "subprocess:Popen", "args": ["true"]}}
    with pytest.raises(ValueError, match="not an item type"):
        decode(json.dumps(hostile).encode())
