"""Shared fixtures: a platform rooted in a temporary folder, and small generated inboxes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from invoice_assets.ocr.engine import TesseractError, tessdata_path
from invoice_assets.settings import PlatformSettings, load_settings
from resources.storage import LocalInvoiceStorage
from tests.support.machine import skip_or_fail

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

pytest_plugins = ["tests.support.aws_fixtures", "tests.support.db_backends"]


@pytest.fixture(scope="session")
def tesseract() -> str:
    """Tesseract's language data (the engine itself is the tesserocr wheel) and the `tesseract` command
    the floor comparisons run, both of which scripts/setup.sh installs from Debian."""
    try:
        folder = tessdata_path()
    except TesseractError as error:
        skip_or_fail(str(error))
    if shutil.which("tesseract") is None:
        skip_or_fail("tesseract is not installed: run `bash scripts/setup.sh`")
    return folder


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


@pytest.fixture(scope="session")
def etl_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose inbox of 60 generated invoices (with labels.csv) went through the ETL graph once."""
    from dagster import instance_for_test

    from invoice_assets.definitions import build_defs
    from invoice_assets.defs.runner import materialize_new_batches
    from invoice_assets.synth import generate_inbox

    home = tmp_path_factory.mktemp("corpus") / "home"
    settings = load_settings({"INVOICES_HOME": str(home)})
    generate_inbox(Path(settings.inbox) / "generated", 60, seed=2024, dpi_range=(150, 200))
    with instance_for_test() as instance:
        runs = materialize_new_batches(build_defs(settings), instance)
    assert runs and all(run.success for run in runs)
    return home


@pytest.fixture
def ml_home(etl_corpus: Path, tmp_path: Path):
    """A private copy of the corpus home, a Dagster instance, and the corpus's batch partition."""
    from dagster import instance_for_test

    from invoice_assets.defs.partitions import batch_partitions
    from tests.support.ml_helpers import batches

    home = tmp_path / "home"
    shutil.copytree(etl_corpus, home)
    settings = load_settings({"INVOICES_HOME": str(home)})
    with instance_for_test() as instance:
        (batch,) = batches(settings)
        instance.add_dynamic_partitions(batch_partitions.name, [batch])
        yield settings, instance, batch
