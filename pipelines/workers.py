"""Extraction in worker processes: most of a crawl's CPU time, spread over every core.

Used by the crawl's extract stage while the crawler's own process keeps fetching and
storing, and by every command that extracts many stored pages. Free of Scrapy: it only
runs `pipelines.extract.extract_and_fingerprint` in a process pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pipelines.extract import extract_and_fingerprint, skip_licence_search
from pipelines.outcomes import ExtractionFailed


class ExtractionPool:
    """`workers` processes that extract pages; with 0 workers, extraction runs in the
    caller's process. The workers run `niceness` steps below the caller's priority (the
    crawl's: its one process fetches, captures and stores every page, so the workers take
    the cores whenever it does not need them, rather than making it wait for one)."""

    def __init__(self, workers: int, niceness: int = 0, fingerprints: bool = True):
        self.workers = workers
        self.niceness = niceness
        # What the fork server imports before it forks a worker (pipelines/preload.py);
        # datasketch too when the work fingerprints every page, as a crawl does: it imports
        # scipy, half a second that a re-extraction, which fingerprints only a changed text,
        # would spend before its first page (a worker then imports it when it needs it).
        self.preload = ["pipelines.preload", *(["datasketch"] if fingerprints else [])]
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        if self.workers <= 0:
            return
        # forkserver, not fork: forking a process that runs a Twisted reactor and threads
        # can deadlock the child. The server imports the extractor and builds the relevance
        # model once (pipelines/preload.py), and each worker forks from it ready to work.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(self.preload)
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_prepare_worker,
            initargs=(self.niceness,),
        )
        # Start the server and workers now rather than when the first page arrives; from a
        # thread, since starting the server waits for its imports (a second), and the
        # caller (a crawl's event loop) must not.
        threading.Thread(target=_start_workers, args=(self.pool, self.workers)).start()

    async def extract(
        self,
        html: str | bytes,
        url: str,
        selectors: Mapping[str, str] | None = None,
        work: Callable = extract_and_fingerprint,
    ) -> tuple:
        """`work(html, url, selectors)` in a worker: by default (Extracted, fingerprint) of
        one page; ExtractionFailed says why there is none.

        A worker that died (out of memory on a monstrous page?) breaks the whole pool: new
        workers are started once, so that one page cannot stop the work, and the pages in
        flight fail.
        """
        pool = self.pool
        try:
            if pool is None:
                return work(html, url, selectors)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(pool, work, html, url, selectors)
        except BrokenProcessPool as exc:
            if self.pool is pool:
                self.restart()
            raise ExtractionFailed(f"an extraction worker died ({exc})") from exc
        except Exception as exc:  # noqa: BLE001 - any page may break the extractor
            raise ExtractionFailed(f"extraction failed: {type(exc).__name__}: {exc}") from exc

    def imap(
        self,
        jobs: Iterable[tuple[tuple, Any]],
        work: Callable = extract_and_fingerprint,
        ahead: int | None = None,
    ) -> Iterator[tuple]:
        """(carried, result or ExtractionFailed) for each job (arguments, carried), in the
        order of `jobs`: `work(*arguments)` runs in a worker, and what the caller carries
        comes back beside its result. By default the work is extraction, on (html, url,
        selectors).

        At most `ahead` pages (default four per worker) are in flight, so memory stays flat
        over any number of pages.
        """
        ahead = ahead or max(4, 4 * self.workers)
        pending: deque = deque()
        for arguments, carried in jobs:
            pending.append((carried, self._submit(work, arguments)))
            if len(pending) >= ahead:
                yield self._collect(*pending.popleft())
        while pending:
            yield self._collect(*pending.popleft())

    def _submit(self, work: Callable, arguments: tuple) -> Future:
        if self.pool is None:
            future: Future = Future()
            try:
                future.set_result(work(*arguments))
            except Exception as exc:  # noqa: BLE001 - reported as a worker's would be
                future.set_exception(exc)
            return future
        try:
            return self.pool.submit(work, *arguments)
        except BrokenProcessPool:
            self.restart()
            return self.pool.submit(work, *arguments)

    def _collect(self, job: tuple, future: Future) -> tuple:
        pool = self.pool
        try:
            return job, future.result()
        except BrokenProcessPool as exc:
            if self.pool is pool:
                self.restart()
            return job, ExtractionFailed(f"an extraction worker died ({exc})")
        except Exception as exc:  # noqa: BLE001 - any page may break the extractor
            return job, ExtractionFailed(f"extraction failed: {type(exc).__name__}: {exc}")

    def restart(self) -> None:
        """New workers in place of a broken pool (once per breakage)."""
        broken = self.pool
        if broken is None:
            return
        broken.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        self.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _start_workers(pool: ProcessPoolExecutor, workers: int) -> None:
    with contextlib.suppress(RuntimeError):  # closed first: nothing to start
        for _ in range(workers):
            pool.submit(int)


def _prepare_worker(niceness: int) -> None:
    if niceness:
        with contextlib.suppress(OSError):  # a system that refuses: the same work, unranked
            os.nice(niceness)
    skip_licence_search()
