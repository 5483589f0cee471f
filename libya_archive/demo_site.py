"""Serve the offline demo site on 127.0.0.1 so the real crawler can crawl it.

The demo's pages, feeds, sitemaps and registry are written for the origin
`http://demo.test`; the server rewrites that origin to the address it really listens on,
so the same files work on any free port (tests run several servers side by side).
"""

from __future__ import annotations

import io
import mimetypes
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

DEMO_DIR = Path(str(files("libya_archive"))) / "demo"
DEMO_ORIGIN = "http://demo.test"
REWRITTEN_TYPES = ("text/", "application/xml", "application/rss+xml", "application/atom+xml")


class DemoHandler(SimpleHTTPRequestHandler):
    """Static files, with the demo origin replaced in text bodies.

    HTTP/1.1 with keep-alive, as real news servers speak: the stdlib's HTTP/1.0 default
    would make every request a new connection and the server, not the crawler, the bottleneck.
    """

    protocol_version = "HTTP/1.1"

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml",
        ".html": "text/html; charset=utf-8",
    }

    def __init__(
        self,
        *args,
        origin: str,
        requested: list[str],
        delay: float,
        overlay: Path | None = None,
        **kwargs,
    ):
        self.origin = origin.encode("ascii")
        self.requested = requested
        self.delay = delay
        self.overlay = overlay
        super().__init__(*args, **kwargs)

    def send_head(self):
        self.requested.append(self.path)
        if self.delay:
            time.sleep(self.delay)  # a slow site, for tests that must catch a crawl mid-run
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # redirects to the slash-terminated URL
            path = path / "index.html"
        if self.overlay is not None:
            # A file of the overlay (the site's second version) replaces the site's own.
            replacement = self.overlay / path.relative_to(Path(self.directory).resolve())
            if replacement.is_file():
                path = replacement
        if not path.is_file():
            self.send_error(404, "Not found")
            return None
        body = path.read_bytes()
        kind = self.guess_type(str(path)) or mimetypes.types_map.get(path.suffix, "")
        if kind.startswith(REWRITTEN_TYPES):
            body = body.replace(DEMO_ORIGIN.encode("ascii"), self.origin)
        self.send_response(200)
        self.send_header("Content-Type", kind or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass  # the crawler logs what it fetched; the server's log would only repeat it


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the stdlib's 5 refuses connections under a crawler's burst
    daemon_threads = True


class SiteServer:
    """A static site on 127.0.0.1 in a background thread; `origin` is its address.

    `overlay`, a folder laid over `root`, serves its files in place of the site's: set it
    (or change it between crawls) to serve a second version of some pages.
    """

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0,
        overlay: Path | None = None,
    ):
        self.root = Path(root)
        self.delay = delay
        self.overlay = None if overlay is None else Path(overlay).resolve()
        self.requested: list[str] = []  # every path asked for, so tests can see what was fetched
        self.httpd = _Server((host, port), self._handler)
        self.origin = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self, *args, **kwargs):
        return DemoHandler(
            *args,
            directory=str(self.root),
            origin=self.origin,
            requested=self.requested,
            delay=self.delay,
            overlay=self.overlay,
            **kwargs,
        )

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def rewrite(self, text: str) -> str:
        """Text written for the demo origin, pointed at this server."""
        return text.replace(DEMO_ORIGIN, self.origin)


def main() -> None:
    """Serve a folder on 127.0.0.1 until interrupted: python -m libya_archive.demo_site DIR PORT."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    with SiteServer(args.root, port=args.port) as server:
        print(f"serving {args.root} on {server.origin}", flush=True)
        server.thread.join()


if __name__ == "__main__":
    main()
