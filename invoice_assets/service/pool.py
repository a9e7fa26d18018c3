"""A pool of OCR worker processes that the event loop awaits instead of blocking on.

Tesseract runs single-threaded (measured: docs/decisions.md), so parallelism comes from processes, one per
CPU the service process may use, each keeping one loaded Tesseract engine. A worker that ends (a page
past its deadline, or killed for memory) fails only the request it was serving; pebble's pool starts a
new worker in its place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from multiprocessing import get_context
from typing import TypeVar

from pebble import ProcessExpired, ProcessPool

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.ocr import watchdog
from invoice_assets.ocr.tesseract import OcrSettings
from invoice_assets.service import work

T = TypeVar("T")


class WorkerPoolBroken(RuntimeError):
    """A worker process died while handling a request (not by the page deadline); it has been replaced."""


class OcrPool:
    def __init__(self, workers: int, page_timeout: float):
        self.workers = workers
        self.page_timeout = page_timeout
        self._pool = ProcessPool(
            max_workers=workers, initializer=watchdog.enable, context=get_context("spawn")
        )

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` in a worker process; the event loop serves other requests meanwhile.

        Raises UnreadableDocument when a page ran past the deadline, WorkerPoolBroken when the worker
        ended for another reason.
        """
        try:
            return await asyncio.wrap_future(self._pool.schedule(function, args=args))
        except ProcessExpired as ended:
            reason = watchdog.worker_death_reason(ended.exitcode, self.page_timeout)
            if watchdog.ended_by_page_deadline(ended.exitcode):
                raise UnreadableDocument(reason) from None
            raise WorkerPoolBroken(f"{reason}; retry the request") from None

    async def start(self, settings: OcrSettings) -> None:
        """Spawn the workers now and load their engines, so the first request pays for neither; raises
        TesseractError at start-up when the language data is missing."""
        await asyncio.gather(*(self.run(work.load_engine, settings) for _ in range(self.workers)))

    def close(self) -> None:
        self._pool.close()
        self._pool.join()
