"""Datasette plugin: search the archive the way its index is folded (Arabic variants).

Loaded by `libya-archive serve` with --plugins-dir. It registers on every connection:
- fts_query(text): what a person typed -> an FTS5 expression (libya_archive/search.py), for
  canned queries and dashboards: `articles_fts MATCH fts_query(:q)`;
- escape_fts(text): Datasette's own function behind every search box (`?_search=`), replaced
  by fts_query, so the table's search box folds harakat, alef forms and attached articles;
- entity_id(text): a place or actor as a person names it, in any language or spelling, ->
  its id in the entities table (pipelines/entities.py `resolve`), for the canned queries
  and the dashboard: `WHERE entity_id = entity_id(:entity)`. The articles table's filter
  "entities array contains" takes a name too: `Derna` becomes `derna` before Datasette
  reads the filter.
It also drops a blank search (`?_search=`, sent by the table's form whenever its box is
empty), which would otherwise match nothing; starts a CSV with a UTF-8 byte order mark when
asked (`?_bom=1`, for Excel); tells robots not to index any page (X-Robots-Tag, beside
robots.txt); marks the matches in the `snippet` column of the search query; lists an
article's copies and its captures on its page; and shows a capture's page as it was
archived (`/-/capture/<id>`), read from the WARC store and sandboxed.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from libya_archive.search import fts_query
from pipelines import entities
from pipelines.warcs import UNKNOWN_TYPES, is_html, read_record

_MARKED = re.compile(r"\*\*(.+?)\*\*")


@hookimpl(trylast=True)
def prepare_connection(conn):
    # trylast: Datasette's built-in escape_fts is registered by an earlier plugin call;
    # registering ours after it replaces it on this connection.
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("entity_id", 1, entities.resolve, deterministic=True)


BOM = "\ufeff".encode()
ROBOTS = (b"x-robots-tag", b"noindex, nofollow")


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def archive_requests(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            query = scope.get("query_string", b"")
            csv = scope["path"].endswith(".csv")
            pairs = parse_qsl(query.decode("ascii", "replace"), keep_blank_values=True)
            bom = csv and any(k == "_bom" and v not in ("", "0", "off") for k, v in pairs)
            kept = [
                (k, _entity_filter(k, v))
                for k, v in pairs
                if k != "_bom" and not _blank_search(k, v)
            ]
            # Every CSV link is the whole view, not its first 1,000 rows: streamed, page by
            # page on a unique sort key, unless the link asks for one page (_next=).
            # Pages of 1,000 rows (Datasette's streams otherwise page by the table's 50).
            keys = {k for k, _ in kept}
            if csv and not keys & {"_stream", "_next"}:
                kept.append(("_stream", "on"))
                if "_size" not in keys:
                    kept.append(("_size", "max"))
            if kept != pairs:
                scope = {**scope, "query_string": urlencode(kept).encode("ascii")}
            first_body = True

            async def archive_send(message):
                nonlocal first_body
                if message["type"] == "http.response.start":
                    headers = [h for h in message.get("headers", []) if h[0].lower() != ROBOTS[0]]
                    if bom:  # three bytes more than Datasette counted
                        headers = [h for h in headers if h[0].lower() != b"content-length"]
                    message = {**message, "headers": [*headers, ROBOTS]}
                elif message["type"] == "http.response.body" and bom and first_body:
                    first_body = False
                    message = {**message, "body": BOM + message.get("body", b"")}
                await send(message)

            await app(scope, receive, archive_send)

        return archive_requests

    return wrap


def _entity_filter(key: str, value: str) -> str:
    """A filter on the articles' entities names a place or actor by any of its names."""
    if key == "entities__arraycontains":
        return entities.resolve(value) or value
    return value


def _blank_search(key: str, value: str) -> bool:
    return key.startswith("_search") and key != "_searchmode" and not value.strip()


@hookimpl
def render_cell(value, column):
    """The search snippet, its **matches** marked (escaped first: it is the page's text)."""
    if column == "snippet" and isinstance(value, str):
        return Markup(_MARKED.sub(r"<mark>\1</mark>", str(escape(value))))
    return None


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    """On an article's page: the other articles with the same text (syndicated copies), and
    its captures (each links to the page as it was archived)."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def copies():
        pk = request.url_vars.get("pks", "")
        if not pk.isdigit():
            return {"article_copies": [], "article_captures": []}
        db = datasette.get_database(database)
        captures = await db.execute(
            "SELECT id, fetched, status, record_type, payload_digest, source, url, replay_url "
            "FROM captures WHERE article_id = :id ORDER BY fetched, id",
            {"id": int(pk)},
        )
        rows = await db.execute(
            # outlet IN (...) lets SQLite use the (outlet, content_hash) index.
            "SELECT id, title, outlet, published_date FROM articles "
            "WHERE outlet IN (SELECT id FROM outlets) AND id != :id "
            "AND content_hash = (SELECT content_hash FROM articles WHERE id = :id) "
            "ORDER BY published_order LIMIT 50",
            {"id": int(pk)},
        )
        return {
            "article_copies": [dict(row) for row in rows],
            "article_captures": [dict(row) for row in captures],
        }

    return copies


@hookimpl
def register_routes():
    return [(r"^/-/capture/(?P<capture_id>\d+)$", captured_page)]


# A captured page is the outlet's HTML: shown in a sandbox, it runs no script, submits no
# form and gets an origin of its own, never the archive's (whose pages run SQL).
CAPTURED_PAGE_HEADERS = {
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def captured_page(datasette, request):
    """A capture's page as it was archived, read from the WARC store."""
    capture_id = int(request.url_vars["capture_id"])
    db = datasette.get_database()
    rows = await db.execute(
        "SELECT c.warc_file, c.warc_offset, c.warc_length, o.warc_file, o.warc_offset, "
        "o.warc_length FROM captures c LEFT JOIN captures o ON c.record_type = 'revisit' "
        "AND o.record_id = c.refers_to WHERE c.id = :id",
        {"id": capture_id},
    )
    row = rows.first()
    if row is None:
        return Response.text(f"No capture {capture_id} in this archive.", status=404)
    location = row[3:] if row[3] else row[:3]
    folder = (datasette.plugin_config("libya-archive") or {}).get("warcs") or f"{db.path}.warcs"
    try:
        record = await asyncio.to_thread(read_record, folder, *location)
    except OSError as exc:
        return Response.text(f"The WARC record of capture {capture_id} cannot be read: {exc}", 404)
    content_type = record.content_type or "application/octet-stream"
    if content_type.split(";")[0].strip().lower() in UNKNOWN_TYPES and is_html(
        content_type, record.payload
    ):
        # A page its server labelled with no real type was archived as a page, and is
        # shown as one (under nosniff, the browser would save it instead).
        content_type = "text/html"
    return Response(record.payload, content_type=content_type, headers=dict(CAPTURED_PAGE_HEADERS))
