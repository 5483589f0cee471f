"""Browsing a large archive in Datasette over HTTP, against the same SQL run in sqlite3.

    python bench/datasette_browse.py [--articles 1000000] [--repeat 30] [--seed 1]
                                     [--archive PATH]

Builds an archive of `--articles` synthetic articles (English and Arabic, 47 outlets, 15
years) in a temporary directory with the real schema (every migration, the folded FTS5
index and its triggers), inserted with executemany in one transaction, and deletes it at
the end (`--archive PATH` reuses an archive instead, and leaves it). Then it starts
`libya-archive serve` on 127.0.0.1 (the shipped settings, metadata, plugins) and, for each
page a researcher opens, times `--repeat` HTTP requests after one warm-up:

* datasette: the page over HTTP, median and p95;
* floor: every SQL statement that page ran on the archive (collected with Datasette's
  tracer, `_trace=1`), run again directly with Python's sqlite3, median and p95;

then a streamed CSV export of 10,000 and of 100,000 rows, through Datasette (the "CSV"
link of a filtered view) and through `libya-archive export`, with their time and peak
memory (VmHWM of the process that wrote it), beside sqlite3 reading the same rows and
writing the same CSV. Targets (ISSUE 6): search p95 under 300 ms, Datasette at most 2x its
floor, export memory flat as rows grow. Nothing fails on a slow figure: a benchmark
reports, tests assert.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from libya_archive.export import COLUMNS  # noqa: E402
from libya_archive.search import fts_query  # noqa: E402
from pipelines.archive import open_archive  # noqa: E402

ENGLISH_TEXT = (
    "the government in Tripoli said on Monday that talks with eastern officials would "
    "resume after the oil blockade ended and the central bank agreed a new budget while "
    "militia clashes near the airport forced families to flee and the United Nations "
    "envoy called for elections before the end of the year as migrants waited in "
    "detention centres on the coast and prices of fuel and bread rose in Benghazi Misrata "
    "Sabha and Derna after the floods destroyed roads bridges and homes"
)
ARABIC_TEXT = (
    "قالت الحكومة في طرابلس يوم الاثنين إن المحادثات مع المسؤولين في الشرق ستُستأنف بعد "
    "انتهاء إغلاق النفط واتفاق المصرف المركزي على ميزانية جديدة بينما أجبرت اشتباكات قرب "
    "المطار عائلات على النزوح ودعا مبعوث الأمم المتحدة إلى إجراء الانتخابات قبل نهاية "
    "العام وارتفعت أسعار الوقود والخبز في بنغازي ومصراتة وسبها ودرنة بعد أن دمّرت "
    "الفيضانات الطرق والجسور والمنازل في ليبيا"
)
ENGLISH, ARABIC = ENGLISH_TEXT.split(), ARABIC_TEXT.split()
TERMS = ["Libya", "Tripoli", "Benghazi", "Haftar", "Derna", "Misrata", "Sirte", "ليبيا"]


def make_sentences(rng: random.Random, topic_words: list[str], letters: str) -> list[str]:
    """5,000 sentences: words of a 20,000-word vocabulary drawn with Zipf's law, and each
    topic word (Benghazi, درنة) in 0.2-2% of sentences, so that a search matches from about
    2% to 15% of the articles, as names do in real coverage."""
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(20_000)]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    sentences = []
    for _ in range(5000):
        words = rng.choices(vocabulary, weights, k=rng.randint(10, 18))
        for i, word in enumerate(topic_words):
            if rng.random() < 0.02 / (1 + i % 10):
                words.insert(rng.randrange(len(words) + 1), word)
        sentences.append(" ".join(words) + ".")
    return sentences


def build_archive(path: Path, articles: int, seed: int) -> dict:
    """Create the archive at `path` with `articles` rows; return timings and sizes."""
    rng = random.Random(seed)
    db = open_archive(path)
    outlets = [
        {
            "id": f"outlet-{i:02d}",
            "name": f"Outlet {i}",
            "homepage": f"https://outlet{i}.example/",
            "language": "ar" if i % 4 == 0 else "en",
            "scope": "libya",
        }
        for i in range(47)
    ]
    db["outlets"].insert_all(outlets)
    sentences = {"en": make_sentences(rng, ENGLISH, "etaoinshrdlcumwfgypbvk"), "ar": None}
    sentences["ar"] = make_sentences(rng, ARABIC, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي")

    def rows():
        for n in range(1, articles + 1):
            outlet = outlets[rng.randrange(47)]
            lang = outlet["language"]
            day = f"{2011 + rng.randrange(15)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            text = "\n\n".join(
                " ".join(rng.choices(sentences[lang], k=3)) for _ in range(rng.randint(2, 4))
            )
            title = " ".join(rng.choices(ENGLISH if lang == "en" else ARABIC, k=8))
            terms = json.dumps(rng.sample(TERMS, 2), ensure_ascii=False)
            # One article in 50 is a wire story carried by another outlet: a shared hash.
            content_hash = f"wire-{n // 2}" if n % 50 < 2 else f"h{n}"
            yield (
                f"https://{outlet['id']}.example/{n}",
                outlet["id"],
                title,
                f"Reporter {rng.randrange(500)}",
                day + "T10:00:00+02:00",
                day,
                lang,
                text,
                len(text.split()),
                1.5,
                terms,
                content_hash,
                "2026-01-01T00:00:00+00:00",
            )

    started = time.perf_counter()
    with db.conn:
        db.conn.executemany(
            "INSERT INTO articles (url, outlet, title, byline, published, published_date,"
            " language, text, word_count, relevance, libya_terms, content_hash, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        db.conn.executemany(
            "INSERT INTO crawl_runs (run, outlet, started, finished, articles_new, errors)"
            " VALUES (1, ?, '2026-01-01', '2026-01-01', 100, 0)",
            [(o["id"],) for o in outlets],
        )
    inserted = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    fts_pages = sqlite3.connect(path).execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'"
    )
    try:
        fts_bytes = fts_pages.fetchone()[0]
    except sqlite3.OperationalError:
        fts_bytes = None
    return {"insert_s": inserted, "size": path.stat().st_size, "fts_bytes": fts_bytes}


def percentile(times: list[float], q: float) -> float:
    """The q-quantile (0-1) of `times`, nearest rank."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def start_server(archive: Path) -> tuple[subprocess.Popen, str]:
    """`libya-archive serve` on 127.0.0.1, as a researcher starts it."""
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    server = subprocess.Popen(
        [sys.executable, "-m", "libya_archive", "serve", "--db", str(archive)]
        + ["--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            get(f"{base}/-/versions.json")
            return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.2)


def datasette_pid(server: subprocess.Popen) -> int:
    """The Datasette process `serve` started (its child), whose memory we read."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0]) if children else server.pid


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def traced_sql(archive: Path, path: str) -> list[tuple[str, dict]]:
    """The SQL statements a page runs on the archive, from Datasette's own tracer (in
    process, with the same metadata, plugins and settings as `serve`)."""
    import asyncio

    from datasette.tracer import capture_traces

    from libya_archive.serve import make_datasette

    datasette = make_datasette(archive)
    traces: list[dict] = []

    async def page():
        await datasette.client.get("/")  # introspection, not part of the page
        with capture_traces(traces):
            await datasette.client.get(path)

    asyncio.run(page())
    return [
        (t["sql"], t.get("params") or {})
        for t in traces
        if t.get("database") == archive.stem and not t["sql"].lstrip().upper().startswith("PRAGMA")
    ]


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for fn in ("fts_query", "escape_fts"):
        conn.create_function(fn, 1, fts_query, deterministic=True)
    return conn


def floor_times(path: Path, statements: list[tuple[str, dict]], repeat: int) -> list[float]:
    """Times to run `statements` with plain sqlite3 (fts_query registered), one connection."""
    conn = connect(path)
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return times[1:]  # the first run warms the page cache, as the HTTP warm-up does


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f}"


def pages(name: str) -> list[tuple[str, str]]:
    """(label, path) of the pages timed: the issue's targets (search, facet, coverage), then
    the other pages a researcher opens most."""
    return [
        ("FTS search, 50 rows (search query)", f"/{name}/search?words=Benghazi"),
        ("FTS search, 50 rows (search box)", f"/{name}/articles?_search=Benghazi&_size=50"),
        ("FTS search, Arabic (search box)", f"/{name}/articles?_search=%D8%AF%D8%B1%D9%86%D8%A9"),
        ("facet by outlet (whole archive)", f"/{name}/articles.json?_facet=outlet&_size=0"),
        ("monthly coverage query", f"/{name}/coverage?granularity=month"),
        ("articles table, 3 facets", f"/{name}/articles"),
        ("one article (reader view)", f"/{name}/articles/4242"),
        ("recent articles per outlet", f"/{name}/recent_per_outlet"),
    ]


def time_pages(base: str, archive: Path, repeat: int) -> None:
    name = archive.stem
    print(
        f"{'page (' + str(repeat) + ' requests)':38} {'datasette median':>16} {'p95':>7}"
        f" {'floor median':>12} {'p95':>7} {'ratio':>6}"
    )
    for label, path in pages(name):
        get(base + path)  # warm-up: the page cache, Datasette's introspection
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            get(base + path)
            times.append(time.perf_counter() - started)
        statements = traced_sql(archive, path)
        floor = floor_times(archive, statements, repeat)
        med, flo = statistics.median(times), statistics.median(floor)
        print(
            f"{label:38} {ms(med):>13} ms {ms(percentile(times, 0.95))} "
            f"{ms(flo):>9} ms {ms(percentile(floor, 0.95))} {med / flo:5.1f}x"
            f"   ({len(statements)} statements)",
            flush=True,
        )


def since_for(archive: Path, rows: int) -> str:
    """The publication day from which the newest ~`rows` articles were published."""
    return (
        connect(archive)
        .execute(
            "SELECT published_date FROM articles ORDER BY published_order DESC LIMIT 1 OFFSET ?",
            (rows - 1,),
        )
        .fetchone()[0]
    )


def export_floor(archive: Path, since: str) -> tuple[float, int]:
    """sqlite3 reading the rows and the csv module writing them nowhere."""
    conn = connect(archive)
    started = time.perf_counter()
    writer = csv.writer(open(os.devnull, "w", encoding="utf-8", newline=""))  # noqa: SIM115
    writer.writerow(COLUMNS)
    count = 0
    for row in conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM articles WHERE published_date >= ? "
        "ORDER BY published_order DESC",
        (since,),
    ):
        writer.writerow(row)
        count += 1
    return time.perf_counter() - started, count


CLI_PEAK = """
import resource, runpy, sys
sys.argv = ["libya-archive", *sys.argv[1:]]
try:
    runpy.run_module("libya_archive", run_name="__main__")
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def time_exports(base: str, server: subprocess.Popen, archive: Path) -> None:
    name, pid = archive.stem, datasette_pid(server)
    print(
        f"\n{'CSV export':38} {'rows':>8} {'time':>8} {'MiB':>7} {'peak RSS':>9}"
        f" {'floor time':>10} {'ratio':>6}"
    )
    for rows in (10_000, 100_000):
        since = since_for(archive, rows)
        floor, expected = export_floor(archive, since)
        # Through Datasette: the filtered view's "CSV" link (streamed, every row).
        url = f"{base}/{name}/articles.csv?published_date__gte={since}"
        started = time.perf_counter()
        written, lines = 0, 0
        with urllib.request.urlopen(url, timeout=3600) as response:
            text = io.TextIOWrapper(response, encoding="utf-8", newline="")
            for _ in csv.reader(text):
                lines += 1
        took = time.perf_counter() - started
        written = lines - 1
        peak = vm_hwm_mib(pid)
        check = "" if written == expected else f"  GOT {written} OF {expected} ROWS"
        print(
            f"{'datasette, CSV link of a filtered view':38} {written:8,} {took:7.1f}s"
            f" {'':>7} {peak:7.0f} MiB {floor:9.1f}s {took / floor:5.1f}x{check}"
        )
        # Through `libya-archive export`, to a file.
        out = archive.parent / "export.csv"
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", CLI_PEAK, "export", "--db", str(archive)]
            + ["--since", since, "-o", str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        took = time.perf_counter() - started
        peak = int(result.stderr.strip().splitlines()[-1]) / 1024
        size = out.stat().st_size / 2**20
        out.unlink()
        written = int(result.stderr.split(" articles written")[0].split()[-1])
        check = "" if written == expected else f"  GOT {written} OF {expected} ROWS"
        print(
            f"{'libya-archive export --since':38} {written:8,} {took:7.1f}s {size:7.0f}"
            f" {peak:5.0f} MiB {floor:9.1f}s {took / floor:5.1f}x{check}"
        )
    print("(datasette peak RSS: VmHWM of the server process since it started)")


def run(archive: Path, repeat: int) -> None:
    server, base = start_server(archive)
    try:
        print(f"Datasette (libya-archive serve) on {base}")
        time_pages(base, archive, repeat)
        time_exports(base, server, archive)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (bounded)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--archive", type=Path, help="benchmark this archive (not rebuilt)")
    args = parser.parse_args()
    repeat = max(3, min(args.repeat, 200))
    if args.archive:
        run(args.archive, repeat)
        return
    workdir = Path(tempfile.mkdtemp(prefix="libya-bench-"))
    try:
        archive = workdir / "bench.db"
        print(f"Building an archive of {args.articles:,} articles in {workdir} ...", flush=True)
        built = build_archive(archive, args.articles, args.seed)
        fts = f", of which FTS5 {built['fts_bytes'] / 2**20:,.0f} MiB" if built["fts_bytes"] else ""
        print(
            f"inserted with triggers (folded FTS5 index included) in {built['insert_s']:.0f} s"
            f" ({args.articles / built['insert_s']:,.0f} articles/s); "
            f"file {built['size'] / 2**20:,.0f} MiB{fts}"
        )
        run(archive, repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
