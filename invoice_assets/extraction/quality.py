"""Batch-level extraction quality: the figures the asset checks compare with their thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExtractionSummary:
    invoices: int
    number_share: float
    date_share: float
    total_share: float
    found_share: float  # number, date and total all found
    consistent_share: float  # totals add up and the lines do not contradict the subtotal

    def __str__(self) -> str:
        return (
            f"{self.invoices} invoices; found number {self.number_share:.0%}, date {self.date_share:.0%}, "
            f"total {self.total_share:.0%}; arithmetically consistent {self.consistent_share:.0%}"
        )

    def as_metadata(self) -> dict[str, float | int]:
        return {
            name: round(value, 4) if isinstance(value, float) else value for name, value in vars(self).items()
        }


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def summarize_extraction(records: Sequence[dict[str, Any]]) -> ExtractionSummary:
    """Shares over a batch of extracted records (the dicts stored in the `invoices` table)."""
    number = [r.get("invoice_number") is not None for r in records]
    issued = [r.get("issue_date") is not None for r in records]
    total = [r.get("total") is not None for r in records]
    consistent = [
        r.get("totals_match") is True and r.get("lines_match_subtotal") is not False for r in records
    ]
    return ExtractionSummary(
        invoices=len(records),
        number_share=_share(number),
        date_share=_share(issued),
        total_share=_share(total),
        found_share=_share([a and b and c for a, b, c in zip(number, issued, total, strict=True)]),
        consistent_share=_share(consistent),
    )


def mean_confidence(confidences: Sequence[float | None]) -> float:
    values = [c for c in confidences if c is not None]
    return sum(values) / len(values) if values else 0.0
