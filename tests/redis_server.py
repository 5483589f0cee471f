"""A real redis-server for the distributed crawl's tests: started on 127.0.0.1 on a free
port, in memory only, stopped when the block ends.

Debian's redis-server (installed by .ci/run). Without it the tests skip, except under CI
(CI set), where a missing server fails them, as a missing browser does.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT = 10


def redis_server_path() -> str:
    """The redis-server to start; skips (or fails under CI) when there is none."""
    found = REDIS_SERVER if os.path.exists(REDIS_SERVER) else shutil.which("redis-server")
    if not found:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


class RedisServer:
    """`with RedisServer() as server:` serves at `server.url(db)` until the block ends."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="libya-redis-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def __enter__(self) -> RedisServer:
        import redis

        self.process = subprocess.Popen(
            [
                redis_server_path(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder.name,
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.05)
        client.close()
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.folder.cleanup()
