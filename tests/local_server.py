"""What every test site shares: an HTTP server on 127.0.0.1 in a background thread.

A site subclasses `LocalServer`, builds its handler, and calls `start_server(handler)` in
its constructor; `with site:` serves, leaving the block stops it at once.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a benchmark's concurrent clients are not refused


class LocalServer:
    origin: str  # http://127.0.0.1:PORT

    def start_server(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # Polled often, so that leaving the `with` takes milliseconds, not half a second.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
