"""Shared fixtures: a platform rooted in a temporary folder, and small generated inboxes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from invoice_assets.settings import PlatformSettings, load_settings
from resources.storage import LocalInvoiceStorage

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def platform(tmp_path: Path) -> PlatformSettings:
    """Settings whose every default lives under a fresh temporary home."""
    return load_settings({"INVOICES_HOME": str(tmp_path / "home")})


@pytest.fixture
def storage(platform: PlatformSettings) -> LocalInvoiceStorage:
    return LocalInvoiceStorage(
        inbox_dir=platform.inbox, archive_dir=str(platform.archive), quarantine_dir=str(platform.quarantine)
    )


@pytest.fixture(scope="session")
def generated_invoices(tmp_path_factory: pytest.TempPathFactory):
    """Six synthetic invoices (all four formats), generated once per test session."""
    from invoice_assets.synth import generate_inbox

    return generate_inbox(tmp_path_factory.mktemp("generated"), 6, seed=101, dpi_range=(200, 240))


def copy_into(folder: Path, files: list[Path]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, folder / path.name)
    return sorted(path.name for path in files)
