"""A news site on 127.0.0.1 that serves, beside good articles, everything that goes wrong.

Each path is one kind of trouble a crawler meets in the wild; the test crawls the site and
checks that the good articles arrive intact and each trouble is recorded once with a
reason a person understands.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from http.server import BaseHTTPRequestHandler

from tests.local_server import LocalServer

ARTICLE = """<html lang="{lang}"><head>{meta}<title>{title}</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>{title}</h1><p>By Hana Fitouri</p>{body}
</article><footer>Copyright Hostile Herald</footer></body></html>"""
PARAGRAPHS_EN = [
    "The National Oil Corporation said on Monday that exports from the Es Sider terminal in "
    "eastern Libya had resumed after a three-day stoppage caused by a dispute over wages.",
    "Engineers in Benghazi said the pipeline from the Waha fields had been inspected and "
    "that loading of the first tanker was expected before the end of the week.",
    "Analysts in Tripoli warned that the underlying dispute over the distribution of oil "
    "revenue between the country's rival administrations had not been settled.",
]
ARABIC_TITLE = "استئناف تصدير النفط من ميناء السدرة بعد توقف دام ثلاثة أيام"
PARAGRAPHS_AR = [
    "أعلنت المؤسسة الوطنية للنفط في ليبيا يوم الاثنين استئناف الصادرات من ميناء السدرة بعد "
    "توقف دام ثلاثة أيام بسبب خلاف على الأجور بين العمال وإدارة الشركة المشغلة للميناء.",
    "وقال مهندسون في بنغازي إن خط الأنابيب القادم من حقول الواحة خضع للفحص، وإن تحميل أول "
    "ناقلة متوقع قبل نهاية الأسبوع الجاري وفق ما أكدته مصادر في قطاع النفط الليبي.",
    "وحذر محللون في طرابلس من أن الخلاف على توزيع إيرادات النفط بين الحكومتين المتنافستين "
    "في البلاد لم يحسم بعد، وأن التوقف قد يتكرر إذا لم يتم التوصل إلى اتفاق دائم.",
]


def article(title: str, paragraphs: list[str], lang: str = "en", meta: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ARTICLE.format(lang=lang, meta=meta, title=title, body=body)


def good_articles() -> dict[str, tuple[str, str]]:
    """path -> (title, a phrase of its body) for every article that must be archived."""
    return {
        "/news/good-1.html": ("Es Sider exports resume after stoppage", PARAGRAPHS_EN[0][:60]),
        "/news/good-2.html": ("Waha pipeline inspected in Benghazi", PARAGRAPHS_EN[1][:60]),
        "/news/cp1256.html": (ARABIC_TITLE, PARAGRAPHS_AR[0][:40]),
        "/news/mislabelled-utf8.html": (
            "Revenue dispute unresolved in Tripoli",
            PARAGRAPHS_EN[2][:60],
        ),
        "/news/flaky.html": ("Tanker loading expected this week", PARAGRAPHS_EN[1][:60]),
        "/news/huge-article.html": ("A very long report on Libya's oil", PARAGRAPHS_EN[0][:60]),
        # 10,000 nested divs: libxml2 builds 255 levels, so it is read flattened.
        "/news/nested.html": ("Deeply nested page about Libya", PARAGRAPHS_EN[0][:60]),
    }


# Paths that must each give one fetch_errors row, with the kind of failure expected.
FAILURES = {
    "/news/empty.html": "no-article",
    "/news/nul-bytes.html": "no-article",
    "/news/binary.html": "no-article",
    "/news/report.pdf": "not-html",
    "/news/loop-a.html": "redirect",
    "/news/to-closed-port.html": "connection",
    "/news/to-local-file.html": "http",  # the redirect to file:// is not followed
    "/news/trickle.html": "timeout",
    "/news/server-error.html": "http",
    "/news/missing.html": "http",
    "/news/sixty-mb.html": "too-large",
    "/news/gzip-bomb.html": "too-large",
    "/news/private/secret.html": "robots",
    "/truncated-sitemap.xml": "no-articles",
    "/not-a-feed.xml": "parse",
    "/big-sitemap.xml": "no-articles",
}


class HostileSite(LocalServer):
    """The site in a background thread; `requested` lists every path asked for."""

    def __init__(self, closed_port: int):
        self.closed_port = closed_port
        self.requested: list[str] = []
        self.flaky_calls = 0
        self.routes = self._routes()
        self.start_server(self._handler_class())

    def registry(self) -> str:
        o = self.origin
        return (
            "outlets:\n  - id: hostile\n    name: Hostile Herald\n"
            f"    homepage: {o}/\n    language: en\n    scope: libya\n"
            f"    feeds: [{o}/feed.xml, {o}/not-a-feed.xml]\n"
            f"    sitemaps: [{o}/sitemap.xml, {o}/truncated-sitemap.xml, {o}/big-sitemap.xml]\n"
            "    article_patterns: ['^/news/']\n"
        )

    # Responses -------------------------------------------------------------------------

    def _routes(self) -> dict:
        o = "http://127.0.0.1:{port}"
        cp1256 = article(
            ARABIC_TITLE,
            PARAGRAPHS_AR,
            "ar",
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
        ).encode("cp1256")
        nested = (
            "<div>" * 10_000 + "".join(f"<p>{p}</p>" for p in PARAGRAPHS_EN) + "</div>" * 10_000
        )
        huge = article("A very long report on Libya's oil", PARAGRAPHS_EN * 6000)
        links = sorted(good_articles()) + sorted(p for p in FAILURES if p.startswith("/news/"))
        items = "".join(f"<item><link>{{origin}}{p}</link></item>" for p in links)
        items += "<item><link>file:///etc/passwd</link></item>"  # never to be opened
        big_urls = "".join(f"<url><loc>{{origin}}/tag/topic-{n}</loc></url>" for n in range(50_000))
        return {
            "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /news/private/\n"),
            "/feed.xml": ("application/rss+xml", f"<rss><channel>{items}</channel></rss>"),
            "/not-a-feed.xml": ("application/rss+xml", "<html><body>Moved!</body></html>"),
            "/sitemap.xml": (
                "application/xml",
                "<urlset><url><loc>{origin}/news/good-1.html</loc></url></urlset>",
            ),
            "/truncated-sitemap.xml": ("application/xml", "<urlset><url><loc>{origin}/ne"),
            "/big-sitemap.xml": ("application/xml", f"<urlset>{big_urls}</urlset>"),
            "/news/good-1.html": (
                "text/html; charset=utf-8",
                article("Es Sider exports resume after stoppage", PARAGRAPHS_EN),
            ),
            "/news/good-2.html": (
                "text/html; charset=utf-8",
                article(
                    "Waha pipeline inspected in Benghazi", PARAGRAPHS_EN[1:] + PARAGRAPHS_EN[:1]
                ),
            ),
            # windows-1256 declared only in a meta tag; no charset in the header.
            "/news/cp1256.html": ("text/html", cp1256),
            # UTF-8 bytes that the header calls latin-1 (the page's meta says utf-8).
            "/news/mislabelled-utf8.html": (
                "text/html; charset=iso-8859-1",
                article(
                    "Revenue dispute unresolved in Tripoli",
                    PARAGRAPHS_EN[2:] + PARAGRAPHS_EN[:2],
                    meta='<meta charset="utf-8">',
                ).encode("utf-8"),
            ),
            "/news/huge-article.html": ("text/html; charset=utf-8", huge),
            "/news/nested.html": (
                "text/html; charset=utf-8",
                article("Deeply nested page about Libya", [], meta="").replace(
                    "</h1>", "</h1>" + nested
                ),
            ),
            "/news/empty.html": ("text/html", b""),
            "/news/nul-bytes.html": ("text/html", b"<html><bo\x00dy><p>\x00\x00<di\x00v>"),
            "/news/binary.html": ("text/html", bytes(range(256)) * 64),
            "/news/report.pdf": ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" * 50),
            "/news/loop-a.html": ("redirect", "/news/loop-b.html"),
            "/news/loop-b.html": ("redirect", "/news/loop-a.html"),
            "/news/to-closed-port.html": ("redirect", o + "/news/gone.html"),
            "/news/to-local-file.html": ("redirect", "file:///etc/passwd"),
            "/news/server-error.html": ("status", 500),
            "/news/sixty-mb.html": ("text/html", b"<html><body>" + b"x" * (60 * 1024 * 1024)),
        }

    def _handler_class(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the stdlib's name
                site.requested.append(self.path)
                special = getattr(
                    site,
                    "_"
                    + self.path.strip("/").replace("/", "_").replace("-", "_").replace(".", "_"),
                    None,
                )
                if special:
                    return special(self)
                route = site.routes.get(self.path)
                if route is None:
                    return self._send(404, "text/html", b"<h1>Not found</h1>")
                kind, body = route
                if kind == "redirect":
                    target = body.format(port=site.closed_port)
                    return self._send(301, "text/html", b"", {"Location": target})
                if kind == "status":
                    return self._send(body, "text/html", b"<h1>Error</h1>")
                if isinstance(body, str):
                    body = body.replace("{origin}", site.origin).encode("utf-8")
                return self._send(200, kind, body)

            def _send(self, status, kind, body, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                # The crawler may give up on a huge body, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
                pass

        return Handler

    # Behaviours that need more than a fixed response -------------------------------------

    def _news_flaky_html(self, handler) -> None:
        """A 503 first, then the article: a crawler that retries gets it."""
        self.flaky_calls += 1
        if self.flaky_calls == 1:
            return handler._send(503, "text/html", b"<h1>Busy</h1>", {"Retry-After": "1"})
        page = article("Tanker loading expected this week", PARAGRAPHS_EN[1:])
        return handler._send(200, "text/html; charset=utf-8", page.encode("utf-8"))

    def _news_trickle_html(self, handler) -> None:
        """One byte every two seconds, for ever (the crawler must give up)."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(120):
                handler.wfile.write(b"<")
                handler.wfile.flush()
                time.sleep(2)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _news_gzip_bomb_html(self, handler) -> None:
        """A few hundred kilobytes that inflate to 512 MB."""
        return handler._send(200, "text/html", gzip_bomb(), {"Content-Encoding": "gzip"})


def gzip_bomb(megabytes: int = 512) -> bytes:
    """gzip of `megabytes` of zeros, built in chunks so it never holds them in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(megabytes)]
    return b"".join(parts) + compressor.flush()
