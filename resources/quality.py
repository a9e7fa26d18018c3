"""Thresholds of the extraction quality checks and of the classifier's promotion gates, per deployment."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from invoice_assets.training.gates import GateThresholds


class ExtractionQuality(ConfigurableResource):
    """Below these shares a batch's extraction check fails (a warning in the UI)."""

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


class ModelGates(ConfigurableResource):
    """Thresholds a candidate classifier must meet before it may become champion."""

    min_macro_f1: float = Field(
        default=GateThresholds.min_macro_f1, description="Macro F1 on the held-out test split."
    )
    max_gap_to_baseline: float = Field(
        default=GateThresholds.max_gap_to_baseline,
        description="How far the CNN may trail the TF-IDF baseline.",
    )
    min_class_recall: float = Field(
        default=GateThresholds.min_class_recall, description="Recall every class must reach."
    )
    max_regression_to_champion: float = Field(
        default=GateThresholds.max_regression_to_champion,
        description="How far the candidate may trail the current champion on the same split.",
    )
    min_litert_agreement: float = Field(
        default=GateThresholds.min_litert_agreement,
        description="Share of test labels the LiteRT export (what serves) must predict like the Keras "
        "network.",
    )

    def thresholds(self) -> GateThresholds:
        return GateThresholds(
            min_macro_f1=self.min_macro_f1,
            max_gap_to_baseline=self.max_gap_to_baseline,
            min_class_recall=self.min_class_recall,
            max_regression_to_champion=self.max_regression_to_champion,
            min_litert_agreement=self.min_litert_agreement,
        )
