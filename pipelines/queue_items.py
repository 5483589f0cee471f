"""The wire between a distributed crawl's crawlers and the archive's one writer.

Crawlers on many machines push what they made of each page onto a Redis list; one writer
(`libya-archive store`, pipelines/queue_writer.py) drains it into the archive through the
same store code a single-process crawl uses. This module names the Redis keys they share
and turns items into messages and back.

Messages are JSON, not pickles: whoever can write to the list cannot make the writer run
code (only the project's own item dataclasses are made again from one), and a person can
read what waits in Redis. Items are encoded field by field, whatever fields they gain
(an article's entity mentions came that way). A page travels without its HTML (the store
keeps none of it; the bytes are in the crawler's WARC files), which makes a message a few
kilobytes instead of the page's 60-120.
"""

from __future__ import annotations

import base64
import importlib
import json
from dataclasses import fields, is_dataclass, replace
from typing import Any

from pipelines.items import ArticlePage, Capture, FetchFailure
from pipelines.outcomes import ExtractionFailed, NotAboutLibya, NotAnArticle, PageRejected

PREFIX = "libya-archive"
ITEMS = f"{PREFIX}:items"  # list: messages from the crawlers, oldest first
STORING = f"{PREFIX}:items:storing"  # list: the batch the writer is committing
TALLIES = f"{PREFIX}:tallies"  # hash: crawler -> its counts of the run so far (JSON)
RUN = f"{PREFIX}:run"  # string: the seeded run's description (JSON)
FINISHED = f"{PREFIX}:run:finished"  # string: the id of the last run the writer recorded
WRITER = f"{PREFIX}:writer"  # string: the writer holding the queue, with an expiry
KNOWN = f"{PREFIX}:known"  # hash: URL -> what the archive knows of it (scrapers/snapshot.py)
KNOWN_RUN = f"{PREFIX}:known:run"  # string: the run the snapshot was published for

# Tags of the values JSON lacks (a key no field of an item is named).
TYPE, BYTES, TUPLE = "__type__", "__bytes__", "__tuple__"

REJECTIONS = {cls.kind: cls for cls in (NotAnArticle, ExtractionFailed, NotAboutLibya)}
# Only the project's own item types are made again from a message (an item may carry
# others: an article's entity mentions, its fingerprint's bytes).
ITEM_MODULES = ("pipelines.",)
ITEM_KINDS = {ArticlePage: "page", Capture: "capture", FetchFailure: "failure"}


def encode(item: ArticlePage | Capture | FetchFailure) -> bytes:
    """A message for an item the store takes (`ArchiveWriter.add`)."""
    kind = ITEM_KINDS.get(type(item))
    if kind is None:
        raise TypeError(f"not an item of the archive: {type(item).__name__}")
    return _dumps({"kind": kind, "item": _plain(_without_html(item))})


def encode_rejection(page: ArticlePage, why: PageRejected) -> bytes:
    """A message for a page left out (`ArchiveWriter.rejected`)."""
    reason = {"kind": why.kind, "reason": why.reason, "score": getattr(why, "score", None)}
    return _dumps({"kind": "rejected", "item": _plain(_without_html(page)), "why": reason})


def decode(data: bytes) -> tuple[str, Any]:
    """(kind, what it carries): "page" and an ArticlePage, "capture" and a Capture,
    "failure" and a FetchFailure, "rejected" and (ArticlePage, PageRejected).

    Raises ValueError for a message this version cannot read.
    """
    try:
        message = json.loads(data)
        kind, item = message["kind"], _revive(message["item"])
        if kind == "rejected":
            return kind, (item, _rejection_from(message["why"]))
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"an unreadable message ({type(exc).__name__}: {exc})") from exc
    if ITEM_KINDS.get(type(item)) != kind:
        raise ValueError(f"a message of unknown kind {kind!r}")
    return kind, item


def _dumps(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _without_html(item):
    """A page travels without its HTML: the crawler's WARC record keeps the bytes."""
    return replace(item, html="") if isinstance(item, ArticlePage) else item


def _plain(value: Any) -> Any:
    """`value` as JSON: dataclasses tagged with their type, tuples and bytes tagged too."""
    if is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        fields_ = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        return {TYPE: f"{kind.__module__}:{kind.__qualname__}", **fields_}
    if isinstance(value, bytes):
        return {BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {TUPLE: [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value


def _revive(value: Any) -> Any:
    """What `_plain` made, made again."""
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if not isinstance(value, dict):
        return value
    if BYTES in value:
        return base64.b64decode(value[BYTES])
    if TUPLE in value:
        return tuple(_revive(v) for v in value[TUPLE])
    fields_ = {key: _revive(v) for key, v in value.items() if key != TYPE}
    if TYPE not in value:
        return fields_
    module, _, name = value[TYPE].partition(":")
    if not module.startswith(ITEM_MODULES):
        raise TypeError(f"{value[TYPE]} is not an item type of the archive")
    cls = getattr(importlib.import_module(module), name)
    if not is_dataclass(cls):
        raise TypeError(f"{value[TYPE]} is not an item type of the archive")
    return cls(**fields_)


def _rejection_from(why: dict) -> PageRejected:
    cls = REJECTIONS.get(why["kind"])
    if cls is NotAboutLibya:
        return NotAboutLibya(why["reason"], why["score"])
    if cls is not None:
        return cls(why["reason"])
    rejected = PageRejected(why["reason"])
    rejected.kind = why["kind"]  # a kind of a newer crawler: recorded under its own name
    return rejected
