"""A page that reads for too long ends its OCR worker process, so the pool replaces the worker.

Tesseract's C code cannot be interrupted from Python, so the deadline is the kernel's: a SIGALRM left at
its default action ends the process wherever it is. Only worker processes arm it (`enable`, their pool
initializer); in any other process `page_deadline` does nothing, because it would end the caller itself.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

_enabled = False


def enable() -> None:
    """Worker initializer: let `page_deadline` end this process; Ctrl-C is left to the parent, which
    stops the pool in order (a worker interrupted mid-page would only print a trace)."""
    global _enabled
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _enabled = True


@contextmanager
def page_deadline(seconds: float) -> Iterator[None]:
    """End this worker process if the block runs longer than `seconds` (no-op outside workers)."""
    if not _enabled or seconds <= 0:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def ended_by_page_deadline(exitcode: int | None) -> bool:
    """Whether a worker's exit code is the one `page_deadline` ends it with."""
    return exitcode == -signal.SIGALRM


def worker_death_reason(exitcode: int | None, page_timeout: float) -> str:
    """Why a file is unreadable when the worker reading it ended, from the worker's exit code."""
    if ended_by_page_deadline(exitcode):
        return f"a page took longer than {page_timeout:g} s to read; the OCR worker reading it was stopped"
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (out of memory?)" if exitcode == -signal.SIGKILL else ""
        return f"the OCR worker reading this file was ended by {name}{hint}"
    return f"the OCR worker reading this file exited unexpectedly (exit code {exitcode})"
