"""Thresholds of the extraction quality checks, configurable per deployment."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field


class ExtractionQuality(ConfigurableResource):
    """Below these shares a batch's extraction is flagged in the UI (and blocks downstream assets)."""

    min_found_share: float = Field(
        default=0.9, description="Share of invoices whose number, date and total must each be found."
    )
    min_consistent_share: float = Field(
        default=0.8,
        description="Share of invoices whose lines add up to the subtotal and subtotal + tax to the total.",
    )
    min_ocr_confidence: float = Field(
        default=60.0, description="Mean Tesseract word confidence (0-100) of a batch."
    )
