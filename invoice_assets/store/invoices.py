"""Extracted invoices and their lines (`invoices`, `invoice_lines`), upserted by sha256."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert

from invoice_assets.store.arrivals import utcnow
from invoice_assets.store.tables import (
    clip,
    invoice_lines,
    invoices,
)


def invoice_row(
    sha256: str, batch: str, file_name: str, fields: dict[str, Any], confidence: float | None
) -> dict[str, Any]:
    """The `invoices` row of one extraction record: what the batch asset and the online service store."""
    return {
        "sha256": sha256,
        "batch": batch,
        "file_name": file_name,
        "invoice_number": fields["invoice_number"],
        "issue_date": parse_iso_date(fields["date"]),
        "supplier": fields["supplier"],
        "customer": fields["customer"],
        "subtotal": fields["subtotal"],
        "tax": fields["tax"],
        "total": fields["total"],
        "currency": fields["currency"],
        "ocr_confidence": confidence,
        "lines_match_subtotal": fields["lines_match_subtotal"],
        "totals_match": fields["totals_match"],
        "flags": "; ".join(fields["flags"]),  # cut to the column by `clip` in replace_invoice
    }


def replace_invoice(conn: Connection, record: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
    """Upsert one invoice and its lines, keyed by sha256."""
    sha256 = record["sha256"]
    conn.execute(delete(invoice_lines).where(invoice_lines.c.sha256 == sha256))
    conn.execute(delete(invoices).where(invoices.c.sha256 == sha256))
    conn.execute(insert(invoices).values(clip(invoices, {**record, "extracted_at": utcnow()})))
    if lines:
        conn.execute(
            insert(invoice_lines),
            [clip(invoice_lines, {"sha256": sha256, "line_no": n, **row}) for n, row in enumerate(lines, 1)],
        )


def parse_iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
