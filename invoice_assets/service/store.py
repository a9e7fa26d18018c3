"""The service's rows: the same tables, and the same upsert functions, as the batch path.

An upload becomes a `documents` row (batch `online`), its `ocr_pages`, its `invoices` and
`invoice_lines` and its `invoice_predictions` (and `review_queue` when uncertain), all written in one
transaction by `save_classified`, so a failure leaves no partial rows. `stored_result` rebuilds the
`invoices predict` JSON from those rows, which is how a second upload of the same content is answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from invoice_assets.extraction.json_line import invoice_json, prediction_fields
from invoice_assets.ml.predictions import Prediction
from invoice_assets.ocr.reader import DocumentText
from invoice_assets.store.arrivals import is_known_document, utcnow
from invoice_assets.store.invoices import invoice_row, replace_invoice
from invoice_assets.store.predictions import replace_predictions
from invoice_assets.store.tables import documents, invoice_lines, invoice_predictions, invoices
from invoice_assets.store.texts import replace_ocr_pages

SERVICE_BATCH = "online"
"""The `batch` value of rows the service writes (batch paths use their partition key)."""

LINE_COLUMNS = ("description", "quantity", "unit_price", "amount")


@dataclass(frozen=True)
class StoredResult:
    """What the tables hold for one document: the contract fields, and the prediction when there is one."""

    row: dict[str, Any]
    prediction: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {**self.row, **(self.prediction or {})}


def stored_result(conn: Connection, sha256: str) -> StoredResult | None:
    """The stored result for `sha256`, or None while its fields have not been extracted."""
    found = conn.execute(
        select(documents.c.file_name, invoices)
        .join(invoices, invoices.c.sha256 == documents.c.sha256)
        .where(documents.c.sha256 == sha256)
    ).first()
    if found is None:
        return None
    record = found._mapping
    lines = conn.execute(
        select(*(invoice_lines.c[name] for name in LINE_COLUMNS))
        .where(invoice_lines.c.sha256 == sha256)
        .order_by(invoice_lines.c.line_no)
    ).mappings()
    fields = {
        "invoice_number": record["invoice_number"],
        "date": record["issue_date"].isoformat() if record["issue_date"] else None,
        "supplier": record["supplier"],
        "customer": record["customer"],
        "subtotal": record["subtotal"],
        "tax": record["tax"],
        "total": record["total"],
        "currency": record["currency"],
        "lines": [dict(line) for line in lines],
    }
    row = invoice_json(record["file_name"], sha256, fields, record["ocr_confidence"])
    predictions = invoice_predictions.c
    predicted = conn.execute(
        select(predictions.label, predictions.probability, predictions.model_version).where(
            predictions.sha256 == sha256
        )
    ).first()
    prediction = prediction_fields(*predicted) if predicted else None
    return StoredResult(row, prediction)


@dataclass(frozen=True)
class Upload:
    """An accepted upload: its identity, its archived original and what was read from it."""

    sha256: str
    file_name: str
    size: int
    archive_key: str
    document: DocumentText
    fields: dict[str, Any]


def save_classified(
    conn: Connection, upload: Upload, prediction: Prediction, model_version: str, review_below: float
) -> None:
    """Every row of a classified upload, in the caller's transaction (`engine.begin()`).

    A document the batch path already received keeps its `documents` row; the rest are upserts by
    sha256, so storing the same upload twice (two service processes racing) leaves one set of rows.
    """
    if not is_known_document(conn, upload.sha256):
        conn.execute(
            insert(documents).values(
                sha256=upload.sha256,
                file_name=upload.file_name,
                media_type=upload.document.media_type,
                size_bytes=upload.size,
                pages=len(upload.document.pages),
                archive_key=upload.archive_key,
                batch=SERVICE_BATCH,
                received_at=utcnow(),
            )
        )
    replace_ocr_pages(
        conn,
        upload.sha256,
        [
            {"page": p.number, "text": p.text, "confidence": p.confidence, "source": p.source}
            for p in upload.document.pages
        ],
    )
    record = invoice_row(
        upload.sha256, SERVICE_BATCH, upload.file_name, upload.fields, upload.document.confidence
    )
    replace_invoice(conn, record, upload.fields["lines"] or [])
    save_prediction(conn, upload.sha256, prediction, model_version, review_below)


def save_prediction(
    conn: Connection, sha256: str, prediction: Prediction, model_version: str, review_below: float
) -> None:
    """The `invoice_predictions` row (and the review queue entry when it is uncertain)."""
    row = {
        "sha256": sha256,
        "label": prediction.label,
        "probability": prediction.probability,
        "model_version": model_version,
    }
    replace_predictions(conn, SERVICE_BATCH, [row], review_below)
