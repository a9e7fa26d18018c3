"""Dagster's event log for command-line runs: everything in a log file under the home folder, and on the
terminal only short progress lines (files received, OCR done, training epochs, failed checks).

Why the whole stderr and not only Dagster's logger: TensorFlow's C++ runtime, MLflow's store migrations and
the OCR worker processes write to file descriptor 2 directly, so only redirecting the descriptor keeps the
terminal readable. Lines meant for the person at the terminal go through `say` and `terminal_progress`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from dagster import DagsterEventType, Field, InitLoggerContext, logger

PROGRESS = "progress"
"""Key of `extra` that marks a transient progress message: `context.log.info(msg, extra={PROGRESS: True})`.
It is redrawn in place on a terminal and left out of piped output (the log file keeps it)."""

TERMINAL_LOGGER = "terminal_progress"
"""The name of the logger below in the Definitions and in run configs."""

_terminal: TextIO | None = None
"""The real stderr while `captured_stderr` is open; None otherwise (then stderr is the terminal)."""
_log_file: Path | None = None
"""The log file while `captured_stderr` is open."""


def terminal() -> TextIO:
    return _terminal or sys.stderr


def say(message: str) -> None:
    """A line for the person at the terminal, also while stderr goes to the log file."""
    stream = terminal()
    stream.write(_clear_line(stream) + message + "\n")
    stream.flush()


def _clear_line(stream: TextIO) -> str:
    """Erase a progress line left on a terminal (nothing when output is piped)."""
    return "\r\033[K" if stream.isatty() else ""


@contextmanager
def captured_stderr(log_file: Path) -> Iterator[None]:
    """While open, everything written to file descriptor 2 (by this process and the processes it starts)
    is appended to `log_file`; `say` and the terminal logger still reach the real stderr."""
    global _terminal, _log_file
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log_file, "ab") as log:
        os.dup2(log.fileno(), 2)
    _terminal = os.fdopen(os.dup(saved), "w", encoding="utf-8", errors="replace")
    _log_file = log_file
    # Python writers look up sys.stderr when they write: they follow it to the file even where it is not
    # descriptor 2 (under pytest's capture, say).
    python_stderr = sys.stderr
    sys.stderr = log_file.open("a", encoding="utf-8", buffering=1)
    try:
        yield
    finally:
        sys.stderr.close()
        sys.stderr = python_stderr
        _terminal.write(_clear_line(_terminal))  # a progress line left on the terminal
        _terminal.close()
        _terminal = _log_file = None
        os.dup2(saved, 2)
        os.close(saved)


def loggers_run_config() -> dict[str, Any]:
    """The `loggers` section of a command's run config: the terminal logger while stderr is captured,
    else nothing (Dagster's default console logger, as `--verbose` wants)."""
    if _log_file is None:
        return {}
    return {TERMINAL_LOGGER: {"config": {"log_file": str(_log_file)}}}


class _AppendToFile(logging.Handler):
    """Every record, one line each, appended to a file that is open only while a record is written (a
    run's logger is never closed by Dagster, so it must not hold a descriptor)."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        self.path = path
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with self.path.open("a", encoding="utf-8") as log:
            log.write(self.format(record) + "\n")


class _TerminalHandler(logging.Handler):
    """Short lines for the terminal from Dagster's log records."""

    def emit(self, record: logging.LogRecord) -> None:
        line = short_line(record)
        if line is None:
            return
        stream = terminal()
        if getattr(record, PROGRESS, False):
            if stream.isatty():
                stream.write(_clear_line(stream) + line[:150])
                stream.flush()
            return
        say(line)


def short_line(record: logging.LogRecord) -> str | None:
    """What the terminal shows of a Dagster log record, or None: messages the assets log at INFO and
    above, step failures, and failed checks; the other framework events stay in the log file."""
    meta = getattr(record, "dagster_meta", None) or {}
    step = meta.get("step_key") or ""
    message = meta.get("orig_message") or record.getMessage()
    event = meta.get("dagster_event")
    if event is None:
        if record.levelno < logging.INFO:
            return None
        warning = "warning: " if record.levelno >= logging.WARNING else ""
        return f"  {step}: {warning}{message}"
    if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.event_specific_data
        if evaluation.passed:
            return None
        severity = evaluation.severity.value.lower()
        return f"  {step}: check {evaluation.check_name} failed ({severity})"
    if event.event_type == DagsterEventType.STEP_FAILURE:
        error = getattr(event.event_specific_data, "error", None)
        reason = error.message.strip().splitlines()[0] if error and error.message.strip() else "failed"
        return f"  {step}: FAILED: {reason}"
    return None


@logger(
    config_schema={"log_file": Field(str, description="File that receives every event of the run.")},
    description="Every event of the run into a log file, and short progress lines on the terminal (the "
    "logger of the `invoices` command's runs).",
)
def terminal_progress(init_context: InitLoggerContext) -> logging.Logger:
    log_file = Path(init_context.logger_config["log_file"])
    log_file.parent.mkdir(parents=True, exist_ok=True)
    progress = logging.Logger(f"invoices.run.{init_context.run_id}", logging.DEBUG)
    progress.addHandler(_AppendToFile(log_file))
    progress.addHandler(_TerminalHandler())
    return progress
