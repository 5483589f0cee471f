"""Extraction quality and speed on real news pages, beside plain trafilatura in the same run.

    python bench/extraction_quality.py [--eval DIR] [--out DIR]

Runs the archive's reading of a page (`pipelines.extract.extract`, then the relevance and
entity step `pipelines.judge.read_article`, so the cost printed is all a page costs to
read) and plain `trafilatura.bare_extraction` over the evaluation set given by --eval
(real pages with ground truth for title, authors, date and body), writes both sets of
predictions, scores them with the set's own scorer (score_extraction.py) and prints the
two summary lines and the two rates in pages/s.
Skips cleanly (exit 0) when the set is not there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from pipelines.extract import extract  # noqa: E402
from pipelines.judge import read_article  # noqa: E402

DEFAULT_EVAL = REPO.parent / "shared" / "eval"


def load_pages(eval_dir: Path) -> list[tuple[dict, str]]:
    """(truth row, page HTML) for every page of the set, decoded outside any clock."""
    pages = []
    with (eval_dir / "truth.jsonl").open(encoding="utf-8") as truth:
        for line in truth:
            row = json.loads(line)
            raw = gzip.decompress((eval_dir / "html" / f"{row['id']}.html.gz").read_bytes())
            pages.append((row, raw.decode("utf-8", errors="replace")))
    return pages


def ours(html: str, url: str) -> dict:
    article = extract(html, url)
    read_article(article)  # timed, not scored: relevance and entities have benches of their own
    return {
        "title": article.title,
        "authors": article.authors,
        "date": article.published_date,
        "text": article.text,
    }


def plain_trafilatura(html: str, url: str) -> dict:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {"title": None, "authors": None, "date": None, "text": ""}
    return {"title": doc.title, "authors": doc.author, "date": doc.date, "text": doc.text}


def predict(pages, extractor, out: Path) -> float:
    """Write the extractor's predictions to `out`; return its rate in pages/s."""
    for row, html in pages[:3]:
        extractor(html, row["url"])  # warm-up: imports, caches
    elapsed = 0.0
    with out.open("w", encoding="utf-8") as handle:
        for row, html in pages:
            start = time.perf_counter()
            prediction = extractor(html, row["url"])
            elapsed += time.perf_counter() - start
            handle.write(json.dumps({"id": row["id"], **prediction}, ensure_ascii=False) + "\n")
    return len(pages) / elapsed


def score(eval_dir: Path, predictions: Path, per_doc: Path) -> str:
    """The scorer's summary line (its last line of output)."""
    result = subprocess.run(
        [
            sys.executable,
            str(eval_dir / "score_extraction.py"),
            str(eval_dir / "truth.jsonl"),
            str(predictions),
            "--per-doc",
            str(per_doc),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="evaluation set")
    parser.add_argument("--out", type=Path, help="keep predictions and per-page scores here")
    args = parser.parse_args(argv)
    if not (args.eval / "truth.jsonl").exists():
        print(f"extraction quality: skipped, no evaluation set at {args.eval}")
        return 0
    pages = load_pages(args.eval)
    out = args.out or Path(tempfile.mkdtemp(prefix="libya-extract-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, extractor in (("trafilatura", plain_trafilatura), ("libya-archive", ours)):
        rate = predict(pages, extractor, out / f"{name}.jsonl")
        summary = score(args.eval, out / f"{name}.jsonl", out / f"{name}.per-doc.jsonl")
        lines.append((name, rate, summary))
    print(f"extraction quality and speed on {len(pages)} real pages ({args.eval})")
    for name, rate, summary in lines:
        print(f"  {name:14} {rate:6.1f} pages/s  {summary}")
    floor = lines[0][1]
    print(f"  cost per page: {floor / lines[1][1]:.2f}x plain trafilatura (target <= 1.5x)")
    print(f"  predictions and per-page scores in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
