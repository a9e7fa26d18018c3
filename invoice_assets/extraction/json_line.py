"""The JSON line of docs/contract.md, built the same way for the CLI and for stored invoices."""

from __future__ import annotations

from typing import Any

from invoice_assets.extraction.fields import RECORD_KEYS

CONTRACT_FIELDS = RECORD_KEYS
"""The extracted fields of docs/contract.md, in its order (one list, owned by the extraction)."""


def invoice_json(
    file: str, sha256: str, fields: dict[str, Any], ocr_confidence: float | None
) -> dict[str, Any]:
    """One invoice as the contract names it: file, sha256, the fields, then the OCR confidence."""
    row: dict[str, Any] = {"file": file, "sha256": sha256}
    row.update({name: fields.get(name) for name in CONTRACT_FIELDS})
    row["lines"] = row["lines"] or []
    row["ocr_confidence"] = None if ocr_confidence is None else round(float(ocr_confidence), 1)
    return row


def prediction_fields(label: str, probability: float, model_version: str) -> dict[str, Any]:
    """The `predict` additions to an invoice's object (`invoices predict` and the online service)."""
    return {"label": label, "probability": round(float(probability), 4), "model_version": model_version}


def error_json(file: str, reason: str) -> dict[str, str]:
    return {"file": file, "error": reason}
