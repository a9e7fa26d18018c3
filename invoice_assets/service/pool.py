"""A pool of OCR worker processes that the event loop awaits instead of blocking on.

Tesseract runs single-threaded (measured: docs/decisions.md), so parallelism comes from processes, one per
core the service process may use. A worker that dies (killed for memory, say) breaks a
`ProcessPoolExecutor` for good; the pool is then replaced so the next request gets a working one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TypeVar

from invoice_assets.service import work

T = TypeVar("T")


class WorkerPoolBroken(RuntimeError):
    """A worker process died while handling a request; the pool has been replaced."""


class OcrPool:
    def __init__(self, workers: int):
        self.workers = workers
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=get_context("spawn"), initializer=work.ignore_interrupts
        )

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` in a worker process; the event loop serves other requests meanwhile."""
        executor = self._executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = self._new_executor()
            executor.shutdown(wait=False, cancel_futures=True)
            raise WorkerPoolBroken("an OCR worker process died (out of memory?); retry the request") from None

    async def start(self) -> None:
        """Spawn the workers now (each imports OpenCV, pdfium and the extraction code once)."""
        await asyncio.gather(*(self.run(work.ready) for _ in range(self.workers)))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
