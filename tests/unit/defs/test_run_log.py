"""The command line's run log: the full log in a file, short progress lines on the terminal."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from invoice_assets.defs import run_log


def test_captured_stderr_sends_every_writer_to_the_file_and_say_to_the_terminal(tmp_path: Path):
    """Python's stderr, raw writes to descriptor 2 (as TensorFlow's C++ logging does) and child processes
    all land in the log file; `say` still reaches the real stderr, and stderr is restored afterwards."""
    log_file = tmp_path / "logs" / "invoices.log"
    script = textwrap.dedent(
        f"""
        import os, subprocess, sys
        from pathlib import Path
        from invoice_assets.defs.run_log import captured_stderr, say

        with captured_stderr(Path({str(log_file)!r})):
            print("python stderr", file=sys.stderr)
            os.write(2, b"raw descriptor two\\n")
            subprocess.run([sys.executable, "-c", "import sys; print('child', file=sys.stderr)"], check=True)
            say("for the person")
        print("after", file=sys.stderr)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    logged = log_file.read_text()
    assert "python stderr" in logged and "raw descriptor two" in logged and "child" in logged
    assert "for the person" in done.stderr and "after" in done.stderr
    assert "python stderr" not in done.stderr and "child" not in done.stderr
    assert "for the person" not in logged


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _record(message: str, level: int = logging.INFO, progress: bool = False) -> logging.LogRecord:
    record = logging.makeLogRecord({"levelno": level, "msg": f"etl_job - run - ocr_pages - {message}"})
    record.dagster_meta = {"step_key": "ocr_pages", "orig_message": message, "dagster_event": None}
    if progress:
        setattr(record, run_log.PROGRESS, True)
    return record


def test_progress_lines_are_redrawn_on_a_terminal_and_left_out_of_piped_output(monkeypatch):
    for tty in (True, False):
        terminal = _Terminal(tty)
        monkeypatch.setattr(run_log, "_terminal", terminal)
        handler = run_log._TerminalHandler()
        handler.emit(_record("OCR 20/40 documents", progress=True))
        handler.emit(_record("OCR 40/40 documents", progress=True))
        handler.emit(_record("read 40 documents"))
        handler.emit(_record("debug detail", level=logging.DEBUG))
        handler.emit(_record("a.pdf: unreadable; quarantined", level=logging.WARNING))
        shown = terminal.getvalue()
        assert "ocr_pages: read 40 documents\n" in shown
        assert "ocr_pages: warning: a.pdf: unreadable; quarantined\n" in shown
        assert "debug detail" not in shown
        if tty:
            assert "\r\033[K  ocr_pages: OCR 40/40 documents" in shown
        else:
            assert "OCR 20/40" not in shown and "\r" not in shown
            assert shown.count("\n") == 2


def test_without_a_capture_commands_keep_dagsters_default_console_logger():
    assert run_log.loggers_run_config() == {}
