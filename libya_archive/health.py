"""Outlet health from the archive's run records: what `libya-archive status` reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from pipelines import timestamps

# Error rate over this many of an outlet's latest runs.
RECENT_RUNS = 5


@dataclass
class OutletHealth:
    outlet: str
    name: str
    first_crawled: str | None
    last_success: str | None  # start of the last run in which the outlet answered (2xx)
    last_new_article: str | None  # first_seen of its newest article
    new_last_7_days: int
    error_rate: float | None  # failed requests / requests, over its RECENT_RUNS runs
    storm: str | None = None  # what a breaker held back in its last crawl, and why
    shed: int = 0  # requests held back in its last crawl

    def stale(self, days: float, now: datetime) -> bool:
        """Crawled for longer than `days` and no new article in that time."""
        cutoff = (now - timedelta(days=days)).isoformat(timespec="seconds")
        if not self.first_crawled or self.first_crawled > cutoff:
            return False  # too new to judge
        return not self.last_new_article or self.last_new_article < cutoff


def outlet_health(db: sqlite_utils.Database, now: datetime | None = None) -> list[OutletHealth]:
    """The health of every outlet the archive has crawled."""
    now = now or timestamps.now()
    week_ago = (now - timedelta(days=7)).isoformat(timespec="seconds")
    report = []
    for outlet in db.query("SELECT id, name FROM outlets ORDER BY id"):
        runs = list(
            db.query(
                "SELECT started, requests, responses, errors, shed, storm FROM crawl_runs "
                "WHERE outlet = ? "
                "AND coalesce(source, 'crawl') = 'crawl' "
                "ORDER BY run DESC",
                [outlet["id"]],
            )
        )
        articles = db.execute(
            "SELECT max(first_seen), sum(first_seen >= ?) FROM articles WHERE outlet = ?",
            [week_ago, outlet["id"]],
        ).fetchone()
        recent = runs[:RECENT_RUNS]
        requests = sum(run["requests"] or 0 for run in recent)
        report.append(
            OutletHealth(
                outlet=outlet["id"],
                name=outlet["name"],
                first_crawled=runs[-1]["started"] if runs else None,
                last_success=next((run["started"] for run in runs if _answered(run)), None),
                last_new_article=articles[0],
                new_last_7_days=articles[1] or 0,
                error_rate=(sum(run["errors"] or 0 for run in recent) / requests)
                if requests
                else None,
                storm=runs[0]["storm"] if runs else None,
                shed=(runs[0]["shed"] or 0) if runs else 0,
            )
        )
    return report


def _answered(run: dict) -> bool:
    return any(status.startswith("2") for status in json.loads(run["responses"] or "{}"))
