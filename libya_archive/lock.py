"""One crawl at a time per archive, with a lock the kernel frees when its holder dies.

An advisory `flock` on `<archive>.lock`: a second crawl fails to take it at once and says
who holds it; a crawl killed with SIGKILL, or a machine that rebooted, leaves a file but no
lock, so the next crawl goes ahead without anybody deleting anything by hand.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from pipelines.timestamps import now_iso


class AlreadyRunning(Exception):
    """Another crawl holds the archive's lock; the message says which process and since when."""


@contextmanager
def archive_lock(db_path: str | Path):
    """Hold the crawl lock of the archive at `db_path` for the duration of the block."""
    path = Path(f"{db_path}.lock")
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise AlreadyRunning(
                f"another crawl is writing {db_path} ({holder}); this one stops here"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {now_iso()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock
