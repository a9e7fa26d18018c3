"""Where the tests find the repository and its fixture files."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root folder."""
FIXTURES = ROOT / "tests" / "fixtures"
"""Committed input files: real invoices and receipts the tests read."""


def copy_into(folder: Path, files: list[Path]) -> list[str]:
    """Copy `files` into `folder` (created); their names, sorted."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, folder / path.name)
    return sorted(path.name for path in files)
