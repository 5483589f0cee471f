"""Browsing a large archive in Datasette, against the same SQL run directly in sqlite3.

    python bench/datasette_browse.py [--articles 1000000] [--repeat 5] [--seed 1]

Builds an archive of `--articles` synthetic articles (English and Arabic, 47 outlets, 15
years) in a temporary directory with the real schema (every migration, the folded FTS5
index and its triggers), inserted with executemany in one transaction, and deletes it at
the end. Then, for each page a researcher opens (the newest articles with their facets,
searches in the box, a filtered view, a deep page, an article, the canned search query, the
dashboards' charts, a streamed CSV), it times:

* datasette: the page through `libya-archive serve`'s own app (in process, datasette.client:
  no HTTP, so the figure is Datasette's work, not the network's);
* floor: every SQL statement that page ran on the archive, collected with Datasette's
  `_trace=1`, run again directly with Python's sqlite3 on a fresh connection.

It prints medians and the ratio datasette / floor. Nothing fails on a slow figure: a
benchmark reports, tests assert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from datasette.tracer import capture_traces  # noqa: E402

from libya_archive.search import fts_query  # noqa: E402
from libya_archive.serve import make_datasette  # noqa: E402
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


def pages(name: str, rng: random.Random) -> list[tuple[str, str]]:
    """The pages a researcher opens: (label, path)."""
    empty = "outlet=&language=&since=&until="
    return [
        ("articles, newest first + 3 facets", f"/{name}/articles"),
        ("articles, JSON, no facets", f"/{name}/articles.json?_nofacet=1"),
        ("search box: Benghazi", f"/{name}/articles?_search=Benghazi"),
        ("search box: two words", f"/{name}/articles?_search=airport+floods"),
        (
            "search box: Arabic, folded",
            f"/{name}/articles?_search=%D8%AF%D8%B1%D9%86%D8%A9",  # درنة
        ),
        ("filter outlet + language", f"/{name}/articles?outlet=outlet-08&language=ar"),
        ("filter month (startswith)", f"/{name}/articles?published_date__startswith=2019-03"),
        ("one article (reader view)", f"/{name}/articles/{rng.randint(1, 1000)}"),
        ("canned search, 200 snippets", f"/{name}/search?q=Derna&{empty}"),
        ("canned coverage by month", f"/{name}/coverage_by_month?outlet=&language="),
        ("canned outlet health", f"/{name}/outlet_health"),
        ("canned syndicated", f"/{name}/syndicated.json?_shape=array"),
    ]


def chart_pages(name: str, datasette) -> list[tuple[str, str]]:
    """Each chart of the coverage dashboard, unfiltered: the JSON its browser code fetches."""
    from urllib.parse import quote

    from datasette_dashboards import replace_opts_in_query

    charts = datasette.plugin_config("datasette-dashboards")["coverage"]["charts"]
    return [
        (
            f"chart {slug}",
            f"/{name}.json?_shape=objects&sql={quote(replace_opts_in_query(c['query'], {}))}",
        )
        for slug, c in charts.items()
    ]


async def time_page(datasette, path: str, repeat: int) -> tuple[float, int]:
    times, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = await datasette.client.get(path)
        times.append(time.perf_counter() - started)
        status = response.status_code
    return statistics.median(times), status


async def traced_sql(datasette, path: str, name: str) -> list[tuple[str, dict]]:
    """The SQL statements a page runs on the archive, from Datasette's own tracer."""
    traces: list[dict] = []
    with capture_traces(traces):
        await datasette.client.get(path)
    return [
        (t["sql"], t.get("params") or {})
        for t in traces
        if t.get("database") == name and not t["sql"].lstrip().upper().startswith("PRAGMA")
    ]


def floor(path: Path, statements: list[tuple[str, dict]], repeat: int) -> float:
    """Median time to run `statements` with plain sqlite3 (fts_query registered)."""
    times = []
    for _ in range(repeat):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for fn in ("fts_query", "escape_fts"):
            conn.create_function(fn, 1, fts_query, deterministic=True)
        started = time.perf_counter()
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        times.append(time.perf_counter() - started)
        conn.close()
    return statistics.median(times)


async def run(archive: Path, repeat: int, seed: int) -> None:
    name = archive.stem
    datasette = make_datasette(archive)
    rng = random.Random(seed)
    await datasette.client.get("/")  # start-up and introspection, not timed
    print(f"{'page':36} {'datasette':>10} {'floor':>9} {'ratio':>6}  status")
    for label, path in pages(name, rng) + chart_pages(name, datasette):
        await datasette.client.get(path)  # warm the page cache for both sides
        took, status = await time_page(datasette, path, repeat)
        statements = await traced_sql(datasette, path, name)
        base = floor(archive, statements, repeat)
        ratio = f"{took / base:5.1f}x" if base > 0 else "  n/a"
        print(f"{label:36} {took * 1000:8.0f}ms {base * 1000:7.0f}ms {ratio:>6}  {status}")
    # A streamed CSV of a search result: every row, as the "CSV" link's "stream all rows".
    path = f"/{name}/articles.csv?_search=Derna+floods&_stream=on&_size=max"
    started = time.perf_counter()
    response = await datasette.client.get(path)
    took = time.perf_counter() - started
    rows = response.text.count("\n") - 1
    conn = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    started = time.perf_counter()
    direct = conn.execute(
        "SELECT * FROM articles WHERE id IN (SELECT rowid FROM articles_fts WHERE articles_fts"
        " MATCH ?) ORDER BY published_order DESC",
        (fts_query("Derna floods"),),
    ).fetchall()
    base = time.perf_counter() - started
    print(
        f"{'CSV stream of a search (' + str(len(direct)) + ' rows)':36} {took * 1000:8.0f}ms "
        f"{base * 1000:7.0f}ms {took / base:5.1f}x  {response.status_code}"
        + ("" if rows >= len(direct) else f"  ONLY {rows} ROWS")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
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
        asyncio.run(run(archive, args.repeat, args.seed))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
