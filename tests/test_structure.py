"""The boundaries that keep the code easy to change, checked on the source itself.

- Dependencies flow one way: libya_archive (the command line) -> scrapers (fetching) ->
  pipelines (turning pages into articles); pipelines never import the crawler.
- The pure layers of pipelines/ (text, extraction, relevance, dedup, store, schema) import
  neither Scrapy nor Twisted; only the thin stages module does.
- No module imports, directly or round about, a module that imports it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_DIR

PACKAGES = ("libya_archive", "scrapers", "pipelines")
FRAMEWORK = ("scrapy", "twisted")
# The modules of pipelines/ that speak Scrapy's language: the crawl's item pipelines.
SCRAPY_EDGE = {"pipelines.stages"}


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = module_files()


def imports(module: str) -> set[str]:
    """Every module `module` imports, at any depth of its code (lazy imports count)."""
    names = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in MODULES else node.module)
    return names


def project_imports(module: str) -> set[str]:
    return {name for name in imports(module) if name in MODULES and name != module}


def test_pipelines_never_import_the_crawler_or_the_command_line():
    for module in MODULES:
        if module.startswith("pipelines"):
            wrong = {n for n in imports(module) if n.split(".")[0] in ("scrapers", "libya_archive")}
            assert not wrong, f"{module} imports {wrong}"
        if module.startswith("scrapers"):
            wrong = {n for n in imports(module) if n.split(".")[0] == "libya_archive"}
            assert not wrong, f"{module} imports {wrong}"


def test_only_the_stages_of_pipelines_import_scrapy():
    for module in MODULES:
        if module.startswith("pipelines") and module not in SCRAPY_EDGE:
            wrong = {n for n in imports(module) if n.split(".")[0] in FRAMEWORK}
            assert not wrong, f"{module} imports {wrong}"


def test_no_module_imports_a_module_that_imports_it():
    graph = {module: project_imports(module) for module in MODULES}
    cycles = []
    for start in graph:
        # Depth-first from each module, looking for a way back to it.
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for target in graph[module]:
                if target == start:
                    cycles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert not cycles, cycles[:3]


def test_extracting_and_judging_a_page_loads_no_crawler():
    """In a fresh interpreter: the pure layers at work, and not one Scrapy or Twisted module."""
    code = """
import sys
from pipelines.extract import extract_article
from pipelines.relevance import assess
from pipelines import archive, clusters, dedup, store, text, timestamps, urls, workers
article = extract_article(
    "<html><head><title>Sirte port reopens</title></head><body><article><h1>Sirte port "
    "reopens</h1><p>" + "Ships returned to the port of Sirte in Libya on Monday. " * 20
    + "</p></article></body></html>",
    "https://example.com/2024/05/01/sirte-port.html",
)
assert article["title"] == "Sirte port reopens", article
assert assess(article["title"], article["text"]).relevant
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted", "scrapers"))
print(loaded)
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
