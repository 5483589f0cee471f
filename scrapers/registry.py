"""The outlet registry: outlets.yml read, checked and turned into `Outlet` objects.

Researchers edit outlets.yml by hand, so every mistake must come back as one message that
names the file, the outlet and the field, before anything is crawled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from pipelines.extraction.overrides import FIELDS as OVERRIDE_FIELDS
from pipelines.extraction.overrides import compile_selector
from scrapers.archives import PLACEHOLDERS, fill, placeholders

# The registry shipped with the package (the project's top-level outlets.yml, which the
# package carries by a link the wheel resolves); `--outlets FILE` reads another.
DEFAULT_REGISTRY = Path(str(files("scrapers"))) / "outlets.yml"
SCOPES = ("libya", "general")
DEFAULT_NEXT_SELECTOR = "a[rel=next]::attr(href), link[rel=next]::attr(href)"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

KNOWN_FIELDS = {
    "id",
    "name",
    "homepage",
    "language",
    "country",
    "scope",
    "enabled",
    "feeds",
    "sitemaps",
    "listings",
    "archives",
    "article_patterns",
    "exclude_patterns",
    "domains",
    "extract",
}
LISTING_FIELDS = {"url", "max_pages", "next"}
ARCHIVE_FIELDS = {"url", "max_pages", "next"}
# A month's archive rarely runs past a few dozen pages; a template by page number only walks
# the whole site back, and stops earlier by the dates of its links (scrapers/archives.py).
ARCHIVE_MAX_PAGES = 500


class RegistryError(ValueError):
    """A mistake in outlets.yml, with the file, outlet and field it concerns."""


@dataclass(frozen=True)
class Listing:
    """A section or archive page whose links lead to articles, paginated up to a limit."""

    url: str
    max_pages: int = 1
    next: str = DEFAULT_NEXT_SELECTOR


@dataclass(frozen=True)
class Archive:
    """The outlet's own archive pages as a URL template ({yyyy}, {mm}, {m}, {dd}, {d},
    {page}), walked by a backfill (`backfill --source site`) for each period of its window.

    `next` is the next-page link's selector; None means the template's {page} plus one.
    """

    url: str
    max_pages: int = ARCHIVE_MAX_PAGES
    next: str | None = None


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    homepage: str
    language: str
    scope: str
    country: str | None = None
    enabled: bool = True
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    archives: tuple[Archive, ...] = ()
    article_patterns: tuple[re.Pattern, ...] = ()
    exclude_patterns: tuple[re.Pattern, ...] = ()
    domains: tuple[str, ...] = field(default=())
    # Selectors for pages that defeat the generic extraction: {"title": "h1.headline", ...}.
    extract: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def owns(self, url: str) -> bool:
        """True when the URL is on one of the outlet's hosts (homepage host or `domains`)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.hosts)

    @property
    def hosts(self) -> tuple[str, ...]:
        home = (urlsplit(self.homepage).hostname or "").lower()
        return (home.removeprefix("www."), *self.domains)

    def is_article_url(self, url: str) -> bool:
        """True when the URL is the outlet's and looks like an article, by its patterns."""
        if not self.owns(url):
            return False
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(target) for p in self.exclude_patterns):
            return False
        return any(p.search(target) for p in self.article_patterns)

    def as_row(self) -> dict:
        """The outlet as a row of the archive's `outlets` table."""
        return {
            "id": self.id,
            "name": self.name,
            "homepage": self.homepage,
            "language": self.language,
            "country": self.country,
            "scope": self.scope,
        }


def load_outlets(path: str | Path, text: str | None = None) -> list[Outlet]:
    """Read and validate a registry file; raise RegistryError on the first mistake.

    `text`, when given, is used instead of the file's contents (the demo rewrites its origin).
    """
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RegistryError(f"{path}: cannot read the outlet registry: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise RegistryError(f"{path}: the outlet registry is not UTF-8 text ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RegistryError(f"{path}:{line}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), list):
        raise RegistryError(f"{path}: expected a top-level 'outlets:' list of outlets")
    outlets = [_parse_outlet(path, i, entry) for i, entry in enumerate(data["outlets"])]
    seen: set[str] = set()
    for outlet in outlets:
        if outlet.id in seen:
            raise RegistryError(f"{path}: outlet '{outlet.id}': field 'id': used twice")
        seen.add(outlet.id)
    return outlets


def select_outlets(outlets: list[Outlet], ids: tuple[str, ...] | list[str]) -> list[Outlet]:
    """The outlets named by `ids`, or every enabled outlet when none are named."""
    if not ids:
        return [o for o in outlets if o.enabled]
    by_id = {o.id: o for o in outlets}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        known = ", ".join(sorted(by_id))
        raise RegistryError(f"unknown outlet id(s): {', '.join(unknown)} (known: {known})")
    return [by_id[i] for i in ids]


class _Checker:
    """Reads fields of one raw outlet entry, raising errors that say where the mistake is."""

    def __init__(self, path: Path, index: int, entry: dict):
        self.path, self.entry = path, entry
        raw_id = entry.get("id")
        self.label = f"outlet '{raw_id}'" if isinstance(raw_id, str) else f"outlet #{index + 1}"

    def fail(self, field_name: str, message: str) -> RegistryError:
        return RegistryError(f"{self.path}: {self.label}: field '{field_name}': {message}")

    def text(self, name: str, required: bool = True, pattern: re.Pattern | None = None):
        value = self.entry.get(name)
        if value is None:
            if required:
                raise self.fail(name, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"expected text, got {value!r}")
        if pattern and not pattern.match(value):
            raise self.fail(name, f"{value!r} does not match {pattern.pattern}")
        return value.strip()

    def url(self, name: str, value) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"expected a URL, got {value!r}")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(name, f"{value!r} is not an http(s) URL")
        return value

    def url_list(self, name: str) -> tuple[str, ...]:
        return tuple(self.url(name, v) for v in self.list(name))

    def list(self, name: str) -> list:
        value = self.entry.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(name, f"expected a list, got {value!r}")
        return value

    def patterns(self, name: str) -> tuple[re.Pattern, ...]:
        compiled = []
        for value in self.list(name):
            if not isinstance(value, str):
                raise self.fail(name, f"expected a regular expression, got {value!r}")
            try:
                compiled.append(re.compile(value))
            except re.error as exc:
                message = f"{value!r} is not a valid regular expression: {exc}"
                raise self.fail(name, message) from exc
        return tuple(compiled)

    def extract_overrides(self) -> dict[str, str]:
        value = self.entry.get("extract")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail("extract", f"expected a mapping of field: selector, got {value!r}")
        for name, selector in value.items():
            if name not in OVERRIDE_FIELDS:
                raise self.fail(
                    "extract", f"unknown field {name!r}; known: {', '.join(OVERRIDE_FIELDS)}"
                )
            if not isinstance(selector, str):
                raise self.fail(f"extract.{name}", f"expected a selector, got {selector!r}")
            try:
                compile_selector(selector)
            except ValueError as exc:
                raise self.fail(f"extract.{name}", str(exc)) from exc
        return dict(value)

    def listings(self) -> tuple[Listing, ...]:
        listings = []
        for value in self.list("listings"):
            value = self.paged("listings", value, LISTING_FIELDS)
            max_pages = self.max_pages("listings", value.get("max_pages", 1))
            next_selector = self.selector("listings", value.get("next", DEFAULT_NEXT_SELECTOR))
            listings.append(
                Listing(self.url("listings", value.get("url")), max_pages, next_selector)
            )
        return tuple(listings)

    def archives(self) -> tuple[Archive, ...]:
        archives = []
        for value in self.list("archives"):
            value = self.paged("archives", value, ARCHIVE_FIELDS)
            template = self.template("archives", value.get("url"))
            max_pages = self.max_pages("archives", value.get("max_pages", ARCHIVE_MAX_PAGES))
            next_selector = value.get("next")
            if next_selector is not None:
                next_selector = self.selector("archives", next_selector)
            elif "page" not in placeholders(template):
                next_selector = DEFAULT_NEXT_SELECTOR  # no page number: follow rel=next
            archives.append(Archive(template, max_pages, next_selector))
        return tuple(archives)

    def paged(self, name: str, value, known: set[str]) -> dict:
        """An entry of a list of paged pages: a URL, or a mapping of `known` keys."""
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict):
            raise self.fail(name, f"expected a URL or a mapping, got {value!r}")
        extra = set(value) - known
        if extra:
            raise self.fail(name, f"unknown key(s) {sorted(extra)}; known: {sorted(known)}")
        return value

    def max_pages(self, name: str, value) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self.fail(name, f"max_pages must be a whole number >= 1, got {value!r}")
        return value

    def selector(self, name: str, value) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"next must be a CSS selector, got {value!r}")
        return value

    def template(self, name: str, value) -> str:
        """A URL template: known placeholders only, at least one (a fixed URL is a
        listing), and an http(s) URL once they are filled in."""
        if not isinstance(value, str):
            raise self.fail(name, f"expected a URL template, got {value!r}")
        names = placeholders(value)
        unknown = [n for n in names if n not in PLACEHOLDERS]
        if unknown:
            known = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
            raise self.fail(
                name, f"unknown placeholder {{{unknown[0]}}} in {value!r}; known: {known}"
            )
        if not names:
            raise self.fail(
                name,
                f"{value!r} has no placeholder such as {{yyyy}}, {{mm}} or {{page}}; "
                "a page that does not change with the date or page is a listing",
            )
        parts = urlsplit(fill(value, date(2014, 3, 7)))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(name, f"{value!r} is not an http(s) URL template")
        return value


def _parse_outlet(path: Path, index: int, entry) -> Outlet:
    if not isinstance(entry, dict):
        raise RegistryError(
            f"{path}: outlet #{index + 1}: expected a mapping of fields, got {entry!r}"
        )
    check = _Checker(path, index, entry)
    unknown = set(entry) - KNOWN_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise check.fail(name, f"unknown field; known fields: {', '.join(sorted(KNOWN_FIELDS))}")
    scope = check.text("scope")
    if scope not in SCOPES:
        raise check.fail("scope", f"{scope!r} is not one of {', '.join(SCOPES)}")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise check.fail("enabled", f"expected true or false, got {enabled!r}")
    outlet = Outlet(
        id=check.text("id", pattern=ID_RE),
        name=check.text("name"),
        homepage=check.url("homepage", entry.get("homepage")),
        language=check.text("language", pattern=LANGUAGE_RE),
        country=check.text("country", required=False, pattern=COUNTRY_RE),
        scope=scope,
        enabled=enabled,
        feeds=check.url_list("feeds"),
        sitemaps=check.url_list("sitemaps"),
        listings=check.listings(),
        archives=check.archives(),
        article_patterns=check.patterns("article_patterns"),
        exclude_patterns=check.patterns("exclude_patterns"),
        domains=tuple(str(d).lower() for d in check.list("domains")),
        extract=check.extract_overrides(),
    )
    # An outlet with archives only is crawled by backfills alone, which is a choice.
    if not (outlet.feeds or outlet.sitemaps or outlet.listings or outlet.archives):
        raise check.fail(
            "feeds",
            "the outlet has no entry point: give at least one of feeds, sitemaps, listings "
            "or archives",
        )
    if not outlet.article_patterns:
        raise check.fail(
            "article_patterns",
            "missing: give at least one regular expression that matches the outlet's article URLs",
        )
    return outlet
