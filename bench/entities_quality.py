"""Entity tagging: quality on the labelled set, and the cost per article.

    python bench/entities_quality.py [--set FILE] [--errors]

Prints precision and recall of `pipelines.entities.tag` per language, for places and for
actors, on tests/entities/labelled.jsonl (targets: precision >= 0.95 and recall >= 0.90
in every language, for both kinds), then the cost of tagging in ms per article on one
core: `tag` alone (an article read from scratch), and what a crawl adds to the relevance
step that reads the article anyway (`found` on its reading), beside the floor that
relevance itself costs (`assess`) and extraction of a demo page, which every archived
article pays. The cost is measured on the set's texts padded to a typical article's
length (500 and 1,500 words) by repeating their paragraphs, which makes them far denser in
names than real articles, and on the real articles of ../shared/eval when it is there
(target: under 1 ms).
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
from pipelines import gazetteer, relevance  # noqa: E402
from pipelines.entities import found, tag  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402

LABELLED = PROJECT_DIR / "tests" / "entities" / "labelled.jsonl"
# Real articles of every kind (news of many countries and languages), when present: the
# cost on texts of real lengths, beside the padded ones.
EVAL_TRUTH = PROJECT_DIR.parent / "shared" / "eval" / "truth.jsonl"
DEMO_PAGE = (
    "inewstoday/2020/05/turkey-warns-haftars-forces-against-attacks-on-interests-in-libya.html"
)
PRECISION_TARGET, RECALL_TARGET = 0.95, 0.90
TYPICAL_LENGTHS = (500, 1500)  # words
KINDS = ("place", "actor")


def load(path: Path) -> list[dict]:
    """The labelled rows, one JSON object a line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def counts(rows: list[dict]) -> dict[tuple[str, str], list[int]]:
    """(language, kind) -> [true positives, false positives, false negatives], with every
    row's errors kept in `row["errors"]` for --errors."""
    kind_of = {entity.id: entity.kind for entity in gazetteer.load()}
    unknown = {e for row in rows for e in row["entities"] if e not in kind_of}
    if unknown:
        raise SystemExit(f"labels name entities the gazetteer lacks: {sorted(unknown)}")
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        predicted = {m.entity_id for m in tag(row.get("title"), row["text"], row["language"])}
        truth = set(row["entities"])
        row["errors"] = {"extra": sorted(predicted - truth), "missed": sorted(truth - predicted)}
        for entity in predicted | truth:
            cell = table[(row["language"], kind_of[entity])]
            if entity in predicted and entity in truth:
                cell[0] += 1
            elif entity in predicted:
                cell[1] += 1
            else:
                cell[2] += 1
    return table


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def quality(rows: list[dict], show_errors: bool) -> bool:
    """Print the quality table; return whether every language and kind meets the targets."""
    table = counts(rows)
    languages = sorted({row["language"] for row in rows})
    print(f"{len(rows)} labelled texts, {sum(len(r['entities']) for r in rows)} entity labels")
    print(f"{'language':<9}{'kind':<7}{'found':>6}{'extra':>6}{'missed':>7}{'P':>7}{'R':>7}")
    ok = True
    for language in languages:
        for kind in KINDS:
            tp, fp, fn = table[(language, kind)]
            precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
            ok &= precision >= PRECISION_TARGET and recall >= RECALL_TARGET
            print(f"{language:<9}{kind:<7}{tp:>6}{fp:>6}{fn:>7}{precision:>7.3f}{recall:>7.3f}")
    print(
        f"targets: precision >= {PRECISION_TARGET}, recall >= {RECALL_TARGET} in every "
        f"language and kind: {'met' if ok else 'NOT MET'}"
    )
    if show_errors:
        for row in rows:
            if row["errors"]["extra"] or row["errors"]["missed"]:
                errors = row["errors"]
                print(f"  {row['id']}: extra {errors['extra']} missed {errors['missed']}")
    return ok


def padded(row: dict, words: int) -> str:
    """The row's text repeated paragraph by paragraph up to about `words` words."""
    paragraphs = [p for p in row["text"].split("\n") if p.strip()]
    out, count = [], 0
    while count < words:
        for paragraph in paragraphs:
            out.append(paragraph)
            count += len(paragraph.split())
    return "\n\n".join(out)


def per_article_ms(function, articles: list[tuple[str, str]], repeat: int = 3) -> float:
    """The best of `repeat` passes over the articles, in ms per article."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for title, text in articles:
            function(title, text)
        best = min(best, time.perf_counter() - started)
    return best / len(articles) * 1000


def cost(rows: list[dict]) -> None:
    html = (DEMO_DIR / "site" / DEMO_PAGE).read_bytes()
    extraction = per_article_ms(lambda _t, _x: extract_article(html, "https://x/"), [("", "")] * 20)
    tag("warm", "up")  # the patterns compile once per process
    print(f"extraction of a demo page (the floor every article pays): {extraction:.2f} ms")
    for words in TYPICAL_LENGTHS:
        articles = [(row.get("title") or "", padded(row, words)) for row in rows]
        readings = [relevance.read(title, text) for title, text in articles]
        assess_ms = per_article_ms(relevance.assess, articles)
        tag_ms = per_article_ms(tag, articles)
        started = time.perf_counter()
        for reading in readings:
            found(reading)
        added_ms = (time.perf_counter() - started) / len(readings) * 1000
        print(
            f"{words} words: tag {tag_ms:.3f} ms/article ({tag_ms / assess_ms:.2f}x relevance's "
            f"{assess_ms:.3f} ms, {tag_ms / extraction:.2f}x extraction); added to the "
            f"relevance step in a crawl: {added_ms:.3f} ms ({added_ms / extraction:.3f}x "
            f"extraction); target under 1 ms: {'met' if tag_ms < 1 else 'NOT MET'}"
        )


def real_articles_cost() -> None:
    """Tagging on the evaluation set's real article texts (skipped when it is absent)."""
    if not EVAL_TRUTH.exists():
        print(f"{EVAL_TRUTH}: absent, the cost on real articles is not measured")
        return
    rows = load(EVAL_TRUTH)
    articles = [(row.get("title") or "", row["text"]) for row in rows if row.get("text")]
    words = sorted(len(text.split()) for _, text in articles)
    tag_ms = per_article_ms(tag, articles)
    assess_ms = per_article_ms(relevance.assess, articles)
    print(
        f"{len(articles)} real articles (median {words[len(words) // 2]} words, longest "
        f"{words[-1]}): tag {tag_ms:.3f} ms/article ({tag_ms / assess_ms:.2f}x relevance's "
        f"{assess_ms:.3f} ms); target under 1 ms: {'met' if tag_ms < 1 else 'NOT MET'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=LABELLED, help="a labelled JSONL file")
    parser.add_argument("--errors", action="store_true", help="list each text's errors")
    args = parser.parse_args()
    rows = load(args.set)
    ok = quality(rows, args.errors)
    cost(rows)
    real_articles_cost()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
