"""The `ocr` resource turns its config into OcrSettings and a worker count."""

from __future__ import annotations

from invoice_assets.ocr.cpus import available_cpus
from invoice_assets.ocr.tesseract import DEFAULT_DPI, MAX_SCAN_DPI, OcrSettings
from resources.ocr import OcrResource


def test_defaults_are_the_measured_settings():
    assert OcrResource().settings() == OcrSettings()
    assert OcrResource().settings().dpi == DEFAULT_DPI
    assert OcrResource().settings().max_scan_dpi == MAX_SCAN_DPI


def test_config_reaches_the_settings():
    settings = OcrResource(dpi=300, max_scan_dpi=0, psm=4, preprocess=["grayscale"]).settings()
    assert (settings.dpi, settings.max_scan_dpi, settings.psm, settings.preprocess) == (
        300,
        None,
        4,
        ("grayscale",),
    )


def test_worker_count_from_config_else_the_variable_else_the_cpus(monkeypatch):
    monkeypatch.delenv("INVOICES_OCR_WORKERS", raising=False)
    assert OcrResource().worker_count() == available_cpus()
    monkeypatch.setenv("INVOICES_OCR_WORKERS", "7")
    assert OcrResource().worker_count() == 7
    assert OcrResource(workers=3).worker_count() == 3
