"""OCR settings as a Dagster resource, so a deployment can tune them in one place."""

from __future__ import annotations

from dataclasses import replace

from dagster import ConfigurableResource
from pydantic import Field

from invoice_assets.ocr.cpus import ocr_worker_count
from invoice_assets.ocr.tesseract import OcrSettings

_DEFAULTS = OcrSettings()


class OcrResource(ConfigurableResource):
    """How pages are turned into text."""

    languages: str = Field(default=_DEFAULTS.languages, description="Tesseract languages, e.g. spa+eng.")
    dpi: int = Field(
        default=_DEFAULTS.dpi, description="Resolution at which PDF pages without text are rendered."
    )
    max_scan_dpi: int = Field(
        default=_DEFAULTS.max_scan_dpi or 0,
        description="Scans above this resolution are shrunk to it before OCR; 0 reads every scan as it is.",
    )
    psm: int = Field(
        default=_DEFAULTS.psm,
        description="Tesseract page segmentation mode (6 keeps label and amount on one line).",
    )
    preprocess: list[str] | None = Field(
        default=None, description="OpenCV steps before OCR; unset means the measured default."
    )
    workers: int = Field(
        default=0,
        description="OCR worker processes; 0 means INVOICES_OCR_WORKERS when set, else one per CPU this "
        "process may use (affinity mask and cgroup quota).",
    )

    def settings(self) -> OcrSettings:
        chosen = replace(
            _DEFAULTS,
            languages=self.languages,
            dpi=self.dpi,
            max_scan_dpi=self.max_scan_dpi or None,
            psm=self.psm,
        )
        if self.preprocess is not None:
            chosen = replace(chosen, preprocess=tuple(self.preprocess))
        return chosen

    def worker_count(self) -> int:
        return ocr_worker_count(self.workers)
