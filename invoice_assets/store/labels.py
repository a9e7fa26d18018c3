"""Labels from CSVs and reviews, and the labelled invoices a classifier trains on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select
from sqlalchemy import text as sql_text

from invoice_assets.intake.receive import QUARANTINED
from invoice_assets.store.arrivals import utcnow
from invoice_assets.store.tables import (
    clip,
    documents,
    inbox_files,
    invoice_labels,
    invoices,
    review_queue,
)
from invoice_assets.store.texts import document_texts


def documents_by_name(conn: Connection) -> dict[str, set[str]]:
    """Inbox key and bare file name → sha256s of readable documents received under that name."""
    rows = conn.execute(
        select(inbox_files.c.source_key, inbox_files.c.file_name, inbox_files.c.sha256).where(
            inbox_files.c.sha256.is_not(None), inbox_files.c.status != QUARANTINED
        )
    )
    found: dict[str, set[str]] = {}
    for key, name, sha256 in rows:
        found.setdefault(key, set()).add(sha256)
        if name != key:
            found.setdefault(name, set()).add(sha256)
    return found


def replace_labels(conn: Connection, labels: Iterable[dict[str, Any]]) -> int:
    """Upsert labels by sha256 (a later source for the same document wins); returns the count."""
    now = utcnow()
    count = 0
    for label in labels:
        conn.execute(delete(invoice_labels).where(invoice_labels.c.sha256 == label["sha256"]))
        conn.execute(insert(invoice_labels).values(clip(invoice_labels, {**label, "loaded_at": now})))
        count += 1
    return count


def reviewed_labels(conn: Connection) -> list[dict[str, Any]]:
    """Labels people gave in the review queue, as label rows with source `review`."""
    rows = conn.execute(
        select(review_queue.c.sha256, documents.c.file_name, review_queue.c.reviewed_label)
        .join(documents, documents.c.sha256 == review_queue.c.sha256)
        .where(review_queue.c.reviewed_label.is_not(None))
    )
    return [{"sha256": sha, "file": name, "label": label, "source": "review"} for sha, name, label in rows]


LABELED_VIEW = "labeled_invoices"


def labeled_invoices_query() -> Select:
    """Extracted fields of every labelled invoice with its label: the body of the `labeled_invoices` view."""
    return select(
        invoices.c.sha256,
        invoices.c.file_name,
        invoices.c.batch,
        invoices.c.invoice_number,
        invoices.c.issue_date,
        invoices.c.supplier,
        invoices.c.customer,
        invoices.c.subtotal,
        invoices.c.tax,
        invoices.c.total,
        invoices.c.currency,
        invoices.c.ocr_confidence,
        invoice_labels.c.label,
        invoice_labels.c.source.label("label_source"),
    ).join(invoice_labels, invoice_labels.c.sha256 == invoices.c.sha256)


def refresh_labeled_view(conn: Connection) -> None:
    """(Re)create the view, so SQL users see labelled invoices without a second copy of the data.

    MySQL replaces it in one statement (DDL commits implicitly there, so a drop and a create would
    leave a moment without the view); SQLite has no `CREATE OR REPLACE VIEW` but keeps DDL in the
    caller's transaction.
    """
    body = labeled_invoices_query().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    if conn.dialect.name in ("mysql", "mariadb"):
        conn.execute(sql_text(f"CREATE OR REPLACE VIEW {LABELED_VIEW} AS {body}"))
        return
    conn.execute(sql_text(f"DROP VIEW IF EXISTS {LABELED_VIEW}"))
    conn.execute(sql_text(f"CREATE VIEW {LABELED_VIEW} AS {body}"))


@dataclass(frozen=True)
class LabeledInvoice:
    sha256: str
    file_name: str
    label: str
    text: str
    fields: dict[str, Any]


def load_labeled_invoices(conn: Connection) -> list[LabeledInvoice]:
    """Every labelled invoice with its OCR text, in a stable order (by sha256)."""
    rows = [dict(row._mapping) for row in conn.execute(labeled_invoices_query().order_by(invoices.c.sha256))]
    texts = document_texts(conn, [row["sha256"] for row in rows])
    return [
        LabeledInvoice(row["sha256"], row["file_name"], row["label"], texts.get(row["sha256"], ""), row)
        for row in rows
    ]
