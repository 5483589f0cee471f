"""Libya relevance: quality on the labelled set, and the cost of one decision.

    python bench/relevance_quality.py [--set FILE] [--errors]

Prints precision, recall and F1 per language and overall for `pipelines.relevance.assess`
on tests/relevance/labelled.jsonl (target: precision and recall >= 0.97 in every
language), then the cost of one decision in ms per article on one core, beside the cost of
`pipelines.extract.extract_article` on a demo page: the floor every archived article pays.
The cost is measured on the set's texts padded to the two ends of a typical article's
length (500 and 1,500 words) by repeating their paragraphs, so that it reflects a real
article rather than a snippet.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from libya_archive.demo_site import DEMO_DIR  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from pipelines.relevance import THRESHOLD, assess  # noqa: E402

LABELLED = PROJECT_DIR / "tests" / "relevance" / "labelled.jsonl"
DEMO_PAGE = (
    "inewstoday/2020/05/turkey-warns-haftars-forces-against-attacks-on-interests-in-libya.html"
)
TARGET = 0.97
TYPICAL_LENGTHS = (500, 1500)  # words


def load(path: Path) -> list[dict]:
    """The labelled rows, one JSON object a line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def prf(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of (predicted, label) pairs (1.0 when there is nothing to find)."""
    tp = sum(p and t for p, t in pairs)
    fp = sum(p and not t for p, t in pairs)
    fn = sum(t and not p for p, t in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def quality(rows: list[dict], show_errors: bool) -> bool:
    """Print the quality table; return whether every language meets the target."""
    by_language: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for row in rows:
        result = assess(row["title"], row["text"], row["language"])
        by_language[row["language"]].append((result.relevant, row["label"]))
        if show_errors and result.relevant != row["label"]:
            print(f"  wrong: {row['id']} {row['kind']} score {result.score} {result.terms}")
            print(f"         {row['title']}")
    print(f"relevance quality on {len(rows)} labelled texts (threshold {THRESHOLD})")
    print(f"  {'language':<9}{'texts':>6}{'precision':>11}{'recall':>8}{'F1':>7}")
    met = True
    everything = []
    for language in sorted(by_language):
        pairs = by_language[language]
        everything += pairs
        precision, recall, f1 = prf(pairs)
        met &= precision >= TARGET and recall >= TARGET
        print(f"  {language:<9}{len(pairs):>6}{precision:>11.3f}{recall:>8.3f}{f1:>7.3f}")
    precision, recall, f1 = prf(everything)
    print(f"  {'all':<9}{len(everything):>6}{precision:>11.3f}{recall:>8.3f}{f1:>7.3f}")
    verdict = "met" if met else "MISSED"
    print(f"  target: precision and recall >= {TARGET} in every language: {verdict}")
    return met


def typical_article(row: dict, words: int) -> str:
    """A row's text repeated paragraph by paragraph up to `words` words."""
    paragraphs, text = row["text"].split("\n\n"), []
    while sum(len(p.split()) for p in text) < words:
        text += paragraphs
    return "\n\n".join(text)


def per_call_ms(function, calls: list[tuple], repeat: int) -> float:
    """Median over `repeat` rounds of the mean time of one call, in ms."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for args in calls:
            function(*args)
        rounds.append((time.perf_counter() - start) / len(calls) * 1000)
    return sorted(rounds)[len(rounds) // 2]


def cost(rows: list[dict]) -> None:
    """Print the cost of one decision beside the cost of extracting one page."""
    assess(rows[0]["title"], rows[0]["text"])  # compile the terms outside the clock
    html = (DEMO_DIR / "site" / DEMO_PAGE).read_bytes()
    page = [(html, f"http://demo.test/{DEMO_PAGE}")]
    extract_article(*page[0])
    extraction = per_call_ms(extract_article, page * 20, repeat=5)
    print(f"cost on one core, {len(rows)} articles padded to each length (target < 1 ms)")
    for length in TYPICAL_LENGTHS:
        articles = [(row["title"], typical_article(row, length), row["language"]) for row in rows]
        words = sum(len(text.split()) for _, text, _ in articles) / len(articles)
        decision = per_call_ms(assess, articles, repeat=5)
        print(
            f"  relevance decision, ~{words:.0f} words   {decision:7.3f} ms/article"
            f"  ({decision / extraction:.0%} of an extraction)"
        )
    print(f"  extraction of the demo page           {extraction:7.3f} ms/page (extract_article)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=LABELLED, help="labelled JSON Lines file")
    parser.add_argument("--errors", action="store_true", help="list the misclassified texts")
    args = parser.parse_args()
    rows = load(args.set)
    quality(rows, args.errors)
    cost(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
