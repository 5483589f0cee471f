"""The `libya-archive` command: crawl, serve, export, extract, demo.

A thin click layer: each command's docstring is its --help text, with an example, and the
work is done by scrapers/, pipelines/ and Datasette.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from contextlib import closing, nullcontext
from pathlib import Path

import click

from libya_archive import export as exporter
from libya_archive.backfill import backfill
from libya_archive.lock import AlreadyRunning, archive_lock
from libya_archive.options import (
    EXIT_ARCHIVE,
    EXIT_RUNNING,
    EXIT_STALE,
    EXIT_TROUBLE,
    db_option,
    fail,
    load,
    outlets_option,
    warcs_option,
)
from libya_archive.records import import_warc, rebuild, reextract
from libya_archive.serve import datasette_command, is_loopback, run_datasette
from pipelines import entities, timestamps
from pipelines.archive import ArchiveError, open_archive, settle


@click.group()
@click.version_option(package_name="libya-archive")
def cli():
    """An archive of news coverage of Libya: crawl outlets, browse and export articles.

    Start with `libya-archive demo`, which crawls the bundled offline demo site.
    """


def _crawl(
    outlets,
    db_path: str,
    verbose: bool,
    log_file: str | None,
    summary: bool,
    spider_options: dict | None = None,
    **settings,
) -> None:
    """Run the crawl under the archive's lock; print the run's summary if `summary` or if
    something went wrong, and exit non-zero then."""
    from scrapers.crawl import run_crawl  # imports Twisted: only for the commands that crawl

    try:
        with archive_lock(db_path):
            try:
                open_archive(db_path).close()  # a broken archive fails here, before fetching
            except ArchiveError as exc:
                fail(str(exc), EXIT_ARCHIVE)
            level = "INFO" if verbose else "WARNING"
            stats = run_crawl(
                outlets, db_path, spider_options, log_file, LOG_LEVEL=level, **settings
            )
            if stats.get("archive_error"):
                fail(
                    f"{stats['archive_error']}: the crawl stopped; what was committed before "
                    "is intact",
                    EXIT_ARCHIVE,
                )
            silent = _unreachable_outlets(db_path)
            if summary:
                _print_run_summary(db_path)
            totals = _run_totals(db_path)
            settle(db_path)
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_RUNNING)
    if silent:
        # Under cron, this is the mail: what the run did in one line, then one line for
        # each outlet that gave no answer, with the reason in words.
        click.echo(
            f"libya-archive crawl: {totals}; no answer from {len(silent)} of {len(outlets)} "
            "outlets (details in fetch_errors and the log file):",
            err=True,
        )
        for outlet, reason in silent:
            click.echo(f"  {outlet}: {reason}", err=True)
        sys.exit(EXIT_TROUBLE)


def _unreachable_outlets(db_path: str) -> list[tuple[str, str]]:
    """(outlet, why) for the outlets of the last run that sent requests and never got a
    successful answer; why is the commonest reason its failures were recorded with."""
    with closing(open_archive(db_path, readonly=True)) as db:
        rows = list(
            db.query(
                "SELECT run, outlet, requests, responses FROM crawl_runs "
                "WHERE run = (SELECT max(run) FROM crawl_runs) ORDER BY outlet"
            )
        )
        silent = []
        for row in rows:
            statuses = json.loads(row["responses"] or "{}")
            if not row["requests"] or any(status.startswith("2") for status in statuses):
                continue
            reason = db.execute(
                "SELECT reason FROM fetch_errors WHERE run = ? AND outlet = ? "
                "GROUP BY reason ORDER BY count(*) DESC, min(id) LIMIT 1",
                (row["run"], row["outlet"]),
            ).fetchone()
            silent.append((row["outlet"], reason[0] if reason else "no successful response"))
        return silent


def _run_totals(db_path: str) -> str:
    """The last run in a few words: its new and changed articles."""
    with closing(open_archive(db_path, readonly=True)) as db:
        new, changed = db.execute(
            "SELECT coalesce(sum(articles_new), 0), coalesce(sum(articles_changed), 0) "
            "FROM crawl_runs WHERE run = (SELECT max(run) FROM crawl_runs)"
        ).fetchone()
    return f"{new} new articles, {changed} changed"


def _print_run_summary(db_path: str) -> None:
    db = open_archive(db_path, readonly=True)
    rows = list(
        db.query(
            "SELECT outlet, articles_new, articles_changed, articles_unchanged, url_aliases, "
            "irrelevant, not_articles, errors FROM crawl_runs "
            "WHERE run = (SELECT max(run) FROM crawl_runs) ORDER BY outlet"
        )
    )
    click.echo(
        f"{'outlet':24} {'new':>5} {'changed':>7} {'same':>5} {'alias':>5} "
        f"{'off-topic':>9} {'not-art':>7} {'errors':>6}",
        err=True,
    )
    for r in rows:
        click.echo(
            f"{r['outlet']:24} {r['articles_new']:5} {r['articles_changed']:7} "
            f"{r['articles_unchanged']:5} {r['url_aliases']:5} {r['irrelevant']:9} "
            f"{r['not_articles']:7} {r['errors']:6}",
            err=True,
        )
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    click.echo(f"{total} articles in {db_path}", err=True)
    db.close()


@cli.command()
@db_option
@outlets_option
@click.option(
    "--outlet",
    "outlet_ids",
    multiple=True,
    metavar="ID",
    help="Crawl only this outlet (repeatable). Default: every enabled outlet.",
)
@click.option(
    "--recheck-days",
    type=float,
    metavar="N",
    help="Fetch again the archived articles published in the last N days, to catch edits. "
    "By default an archived article is fetched again only when its sitemap or feed says "
    "it changed.",
)
@click.option(
    "--backfill-pages",
    type=int,
    metavar="N",
    help="Walk N pages of every listing, past pages of known articles: a first, deeper "
    "run for a new outlet.",
)
@click.option(
    "--capture",
    type=click.Choice(["articles", "all", "none"]),
    default="articles",
    show_default=True,
    help="Which responses to keep as WARC records: every response for an article page; "
    "also the feeds, sitemaps, listing pages and robots.txt (all); nothing (none).",
)
@warcs_option
@click.option(
    "--budget",
    type=int,
    metavar="N",
    help="At most N requests per outlet in this run (default 20,000; 0: no limit); what is "
    "left waits for the next run.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress (INFO level).")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    help="Also write the full log (INFO) to this file, rotated at 10 MB, 5 kept.",
)
@click.option(
    "--queue",
    metavar="URL",
    help="Be one of many crawlers sharing the run through this Redis (redis://HOST:PORT/DB): "
    "items go to its queue for `libya-archive store`, not to --db. See README: Beyond one "
    "machine.",
)
@click.option(
    "--seed",
    is_flag=True,
    help="With --queue: put a run's entry points in the queue (the outlets and options "
    "given here), then exit.",
)
def crawl(
    db_path,
    outlets_file,
    outlet_ids,
    recheck_days,
    backfill_pages,
    capture,
    warcs,
    budget,
    verbose,
    log_file,
    queue,
    seed,
):
    """Crawl outlets for Libya coverage into the archive.

    Discovers articles through each outlet's feeds, sitemaps and listing pages, fetches
    those the archive does not have yet, extracts them, keeps those about Libya,
    deduplicates and stores them. One crawl at a time: a second one exits at once (code 4).
    An outlet that is down is recorded in fetch_errors and the others are crawled all the
    same; the crawl then prints its summary and exits 1. Quiet when all went well and no
    terminal is attached, so cron mails only trouble.

    Example:

        libya-archive crawl --outlet libya-observer --outlet almarsad --db archive.db

        libya-archive crawl --queue redis://10.0.0.5:6379/0 --seed
    """
    options = {"recheck_days": recheck_days, "backfill_pages": backfill_pages}
    if seed or queue:
        from libya_archive.distributed import crawl_queue  # Redis, scrapy-redis: only here

        queued = {"capture": capture, "warcs": warcs, "budget": budget, "log_file": log_file}
        crawl_queue(queue, seed, outlets_file, outlet_ids, options, db_path, verbose, **queued)
        return
    outlets = load(outlets_file, outlet_ids)
    settings = {"CAPTURE": capture, **({"WARC_DIR": warcs} if warcs else {})}
    if budget is not None:
        settings["OUTLET_REQUEST_BUDGET"] = budget
    _crawl(outlets, db_path, verbose, log_file, verbose or sys.stderr.isatty(), options, **settings)


@cli.command()
@db_option
@click.option(
    "--queue",
    "queue_url",
    required=True,
    metavar="URL",
    help="The Redis of the distributed crawl (redis://HOST:PORT/DB).",
)
@click.option(
    "--until-idle",
    type=float,
    metavar="SECONDS",
    help="Exit once no run has been open and no item has come for this long. Without it, "
    "the writer runs until interrupted (SIGTERM or Ctrl-C: it commits, records and exits).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each batch stored (INFO level).")
def store(db_path, queue_url, until_idle, verbose):
    """Store a distributed crawl's items into the archive: the crawl's one writer.

    Crawlers (`crawl --queue URL`) push what they extract onto the queue; this drains it in
    batches, one transaction each, through the same deduplication and store as a
    single-process crawl, and records each seeded run in crawl_runs. An item leaves Redis
    only once its batch has committed, so a writer killed at any point loses nothing. It
    also publishes for the crawlers what the archive already has. One writer per queue
    and per archive. Exits 1 when an outlet of a run gave no answer, as `crawl` does.

    Example:

        libya-archive store --queue redis://10.0.0.5:6379/0 --db archive.db --until-idle 60
    """
    from libya_archive import distributed  # Redis and scrapy-redis: only for this command

    runs = distributed.store_queue(
        queue_url, db_path, until_idle, verbose, distributed.teller(verbose)
    )
    if not runs:
        return
    if verbose or sys.stderr.isatty():
        _print_run_summary(db_path)
    silent = _unreachable_outlets(db_path)
    if silent:
        click.echo(
            f"libya-archive store: {_run_totals(db_path)}; no answer from {len(silent)} "
            "outlets (details in fetch_errors and the crawlers' logs):",
            err=True,
        )
        for outlet, reason in silent:
            click.echo(f"  {outlet}: {reason}", err=True)
        sys.exit(EXIT_TROUBLE)


@cli.command()
@click.argument("outlet_ids", nargs=-1, metavar="[ID]...")
@outlets_option
@click.option(
    "--check", is_flag=True, help="Fetch each outlet's entry points (live) and report what works."
)
@click.option(
    "--timeout",
    default=120,
    show_default=True,
    type=float,
    help="With --check: the longest the whole check may take, in seconds.",
)
def outlets(outlet_ids, outlets_file, check, timeout):
    """List the outlets of the registry, or check which of them work today.

    Without --check, prints each outlet's id, language, scope, name and entry points.
    With --check, fetches each outlet's entry points politely (robots.txt, our User-Agent),
    counts the article links they give, extracts one sample article, and prints per outlet:
    reachable, robots.txt allows us, articles found, sample title/date/text. Exits 1 when
    an outlet checked does not work.

    Example:

        libya-archive outlets --check libya-herald almarsad
    """
    selected = load(outlets_file, outlet_ids)
    if check:
        _check_outlets(selected, timeout)
        return
    for outlet in selected:
        click.echo(f"{outlet.id:22} {outlet.language}  {outlet.scope:7}  {outlet.name}")
        entry_points = [("feed", url) for url in outlet.feeds]
        entry_points += [("sitemap", url) for url in outlet.sitemaps]
        entry_points += [("listing", listing.url) for listing in outlet.listings]
        entry_points += [("archive", archive.url) for archive in outlet.archives]
        for kind, url in entry_points:
            click.echo(f"{'':22} {kind:8} {url}")


def _check_outlets(selected, timeout: float) -> None:
    from scrapers.crawl import run_check  # imports Twisted: only when checking

    reports = run_check(selected, timeout=timeout)
    click.echo(f"{'outlet':22} {'reachable':9} {'robots':6} {'articles':>8}  sample")
    for outlet in selected:
        report = reports[outlet.id]
        click.echo(
            f"{outlet.id:22} {'yes' if report.reachable else 'NO':9} "
            f"{'NO' if report.robots_blocked else 'ok':6} {len(report.articles_found):8}  "
            f"{_describe_sample(report)}"
        )
        for problem in report.problems[:3]:
            click.echo(f"{'':22} ! {problem}")
    broken = [o.id for o in selected if not reports[o.id].works]
    summary = f"{len(selected) - len(broken)} of {len(selected)} outlets work"
    click.echo(summary + (f"; not working: {', '.join(broken)}" if broken else ""))
    if broken:
        sys.exit(1)


def _describe_sample(report) -> str:
    if not report.sample:
        return "no sample article extracted"
    sample = report.sample
    verdict = "ok" if report.sample_ok else "POOR"
    return f"{verdict}: {sample['title']!r}, {sample['date']}, {sample['words']} words"


@cli.command()
@db_option
@click.option(
    "--stale-days",
    default=7.0,
    show_default=True,
    type=float,
    help="An outlet crawled for longer than this with no new article is stale.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only stale outlets (for cron).")
def status(db_path, stale_days, quiet):
    """Show each outlet's health; exit 5 when an outlet has gone stale.

    Per outlet: the last crawl in which it answered, its newest article, the articles
    archived in the last 7 days, and the share of failed requests over its last 5 crawls.
    An outlet crawled for longer than --stale-days that yielded no new article in that time
    is stale: a feed that moved, a site that blocks us, a redesign that broke extraction.

    Example:

        libya-archive status --stale-days 3 --quiet
    """
    from libya_archive.health import outlet_health

    try:
        with closing(open_archive(db_path, readonly=True)) as db:
            report = outlet_health(db)
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    now = timestamps.now()
    stale = [h for h in report if h.stale(stale_days, now)]
    shown = stale if quiet else report
    if shown:
        click.echo(
            f"{'outlet':22} {'last answered':20} {'newest article':20} {'7 days':>6} {'errors':>6}"
        )
    for health in shown:
        rate = "-" if health.error_rate is None else f"{health.error_rate:.0%}"
        flag = "  STALE" if health in stale else ""
        flag += "  STORM" if health.storm else ""
        click.echo(
            f"{health.outlet:22} {(health.last_success or 'never')[:19]:20} "
            f"{(health.last_new_article or 'never')[:19]:20} "
            f"{health.new_last_7_days:6} {rate:>6}{flag}"
        )
        if health.storm and not quiet:
            click.echo(f"{'':22} last crawl held back {health.shed} requests: {health.storm}")
    if stale:
        click.echo(
            f"{len(stale)} outlet(s) yielded nothing for over {stale_days:g} days: "
            f"{', '.join(h.outlet for h in stale)}",
            err=True,
        )
        sys.exit(EXIT_STALE)


@cli.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any address but the loopback needs --public.",
)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--public",
    is_flag=True,
    help="Allow --host to be an address other machines can reach (0.0.0.0, a LAN address): "
    "anyone who reaches it can read and query the whole archive.",
)
@warcs_option
def serve(db_path, host, port, public, warcs):
    """Browse, search and export the archive in Datasette, read-only.

    Listens on 127.0.0.1 only unless --public is given with another --host. Robots are
    refused (robots.txt). Safe while a crawl writes the same archive.

    Example:

        libya-archive serve --db archive.db --port 8001

        libya-archive serve --db archive.db --host 0.0.0.0 --public
    """
    loopback = is_loopback(host)
    if not loopback and not public:
        raise click.UsageError(
            f"--host {host} would publish the archive to the network; "
            "add --public if you mean to (see README: Serving)."
        )
    try:
        open_archive(db_path, readonly=True).close()
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    if not loopback:
        click.secho(
            f"Warning: serving on {host}:{port}: anyone who can reach this machine can read the "
            "whole archive and run read-only SQL on it. There is no login; put a proxy with "
            "authentication in front of it, or use 127.0.0.1 and an SSH tunnel.",
            fg="yellow",
            err=True,
        )
    with datasette_command(db_path, host, port, warcs) as command:
        sys.exit(run_datasette(command))


@cli.command()
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Write to this file instead of standard output.",
)
@click.option(
    "--outlet", "outlets", multiple=True, metavar="ID", help="Only this outlet (repeatable)."
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="CODE",
    help="Only this language (repeatable).",
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before this day.")
@click.option(
    "--search",
    metavar="WORDS",
    help='Only articles matching these words, as in Datasette\'s search box ("phrase", word*, OR).',
)
@click.option(
    "--entity",
    "entity_names",
    multiple=True,
    metavar="ID",
    help="Only articles naming this place or actor: its id or a name in any language "
    "(repeatable: any of them).",
)
@click.option(
    "--bom",
    is_flag=True,
    help="Start a CSV with a UTF-8 byte order mark, so that Excel opens Arabic text intact.",
)
def export(db_path, fmt, output, outlets, languages, since, until, search, entity_names, bom):
    """Export articles as CSV or JSON Lines, newest first, streamed.

    Every article, or those of the outlets, languages, dates and words given. Arabic words
    match with or without harakat and with the article or a conjunction attached, as in
    Datasette. Dates are the publisher's, YYYY-MM-DD, both ends included.

    Example:

        libya-archive export --format csv -o libya.csv

        libya-archive export --since 2023-09-01 --search درنة -o derna.csv

        libya-archive export --language ar --bom -o arabic-for-excel.csv

        libya-archive export --entity Derna --entity khalifa_haftar -o derna-haftar.csv
    """
    if bom and fmt != "csv":
        raise click.UsageError("--bom is for CSV only (JSON Lines never starts with one).")
    entity_ids = []
    for name in entity_names:
        entity_id = entities.resolve(name)
        if entity_id is None:
            raise click.UsageError(
                f"--entity {name!r}: no place or actor of the gazetteer has this id or name "
                "(see the entities table in Datasette)."
            )
        entity_ids.append(entity_id)
    try:
        db = open_archive(db_path, readonly=True)
    except ArchiveError as exc:
        fail(str(exc), EXIT_ARCHIVE)
    selection = exporter.Selection(
        outlets=outlets,
        languages=languages,
        since=since and since.strftime("%Y-%m-%d"),
        until=until and until.strftime("%Y-%m-%d"),
        search=search,
        entities=entity_ids,
    )
    # A person at a terminal writing to a file sees a progress bar; cron and pipes do not.
    show_progress = output != "-" and sys.stderr.isatty()
    sink = exporter.open_output(output, bom=bom)
    if show_progress:
        length = exporter.count(db, selection)
        bar = click.progressbar(length=length, label="Exporting", file=sys.stderr)
    else:
        bar = nullcontext()
    with sink as out, bar as progress:
        count = exporter.write(db, out, fmt, selection, progress and progress.update)
    if output != "-":
        click.echo(f"{count} articles written to {output}", err=True)


@cli.command()
@click.argument("source")
@click.option("--url", help="The page's URL, when SOURCE is a saved file.")
def extract(source, url):
    """Extract one article page and print its fields as JSON.

    SOURCE is a saved HTML file or an http(s) URL (fetched once, politely identified).

    Example:

        libya-archive extract saved-page.html --url https://example.com/2020/05/story.html
    """
    from pipelines.extract import extract_article
    from scrapers.settings import USER_AGENT

    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=30) as response:
            html, url = response.read(), url or response.geturl()
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"{source}: no such file", 1)
        html, url = path.read_bytes(), url or path.resolve().as_uri()
    click.echo(json.dumps(extract_article(html, url), ensure_ascii=False, indent=2))


@cli.command()
@db_option
@click.option("--no-serve", is_flag=True, help="Build the demo archive, then exit.")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
@click.option(
    "--site-port",
    default=8642,
    show_default=True,
    type=int,
    help="Port of the demo site; a fixed one keeps article URLs stable across demo runs.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress (INFO level).")
def demo(db_path, no_serve, port, site_port, verbose):
    """Crawl the bundled offline demo site into an archive and browse it.

    Serves the bundled demo site on 127.0.0.1, crawls it with the real crawler through its
    own registry, then starts Datasette on the archive (unless --no-serve). Needs no
    internet.

    Example:

        libya-archive demo --no-serve --db demo.db
    """
    from libya_archive.demo_site import DEMO_DIR, SiteServer

    registry = DEMO_DIR / "outlets.yml"
    try:
        site = SiteServer(DEMO_DIR / "site", port=site_port)
    except OSError:
        click.echo(f"Port {site_port} is taken; serving the demo site on a free port.", err=True)
        site = SiteServer(DEMO_DIR / "site")
    with site:
        outlets = load(str(registry), (), text=site.rewrite(registry.read_text("utf-8")))
        click.echo(f"Demo site on {site.origin}; crawling it into {db_path}", err=True)
        _crawl(outlets, db_path, verbose, None, summary=True)
        if no_serve:
            return
        click.echo(f"Datasette on http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
        with datasette_command(db_path, "127.0.0.1", port) as command:
            run_datasette(command)  # forwards Ctrl-C and SIGTERM, so Datasette stops too


cli.add_command(reextract)
cli.add_command(rebuild)
cli.add_command(import_warc)
cli.add_command(backfill)
