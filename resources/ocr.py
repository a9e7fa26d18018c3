"""OCR settings as a Dagster resource, so a deployment can tune them in one place."""

from __future__ import annotations

import os
from dataclasses import replace

from dagster import ConfigurableResource
from pydantic import Field

from invoice_assets.ocr.tesseract import OcrSettings

_DEFAULTS = OcrSettings()


class OcrResource(ConfigurableResource):
    """How pages are turned into text."""

    languages: str = Field(default=_DEFAULTS.languages, description="Tesseract languages, e.g. spa+eng.")
    dpi: int = Field(
        default=_DEFAULTS.dpi, description="Resolution at which PDF pages without text are rendered."
    )
    psm: int = Field(
        default=_DEFAULTS.psm,
        description="Tesseract page segmentation mode (6 keeps label and amount on one line).",
    )
    preprocess: list[str] | None = Field(
        default=None, description="OpenCV steps before OCR; unset means the measured default."
    )
    workers: int = Field(default=0, description="OCR worker processes; 0 means one per core.")

    def settings(self) -> OcrSettings:
        chosen = replace(_DEFAULTS, languages=self.languages, dpi=self.dpi, psm=self.psm)
        if self.preprocess is not None:
            chosen = replace(chosen, preprocess=tuple(self.preprocess))
        return chosen

    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1
