"""Reading and writing the platform tables.

Every write that an asset may repeat is a replace: delete the rows of that key, insert the new ones,
in the caller's transaction. That is portable across SQLite and MySQL and makes re-materializing a
partition idempotent by construction. Two batch runs may write at once: SQLite serializes writers
(WAL, busy timeout), and on MySQL the engine runs at READ COMMITTED (`resources.database`), where a
delete that matches nothing takes no gap lock, so concurrent replaces of different keys never
deadlock. Replaces of the same key wait for each other (the last one wins), except two that both
create a key no row had yet: the second then fails with a duplicate-key error instead of adding a
row. Keys are per document and a document belongs to the one batch that first received it, so
only runs of the same batch, or one file arriving in two batches at the same moment, can meet there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy import text as sql_text

from invoice_assets.intake import ACCEPTED, QUARANTINED, Arrival
from invoice_assets.tables import (
    clip,
    documents,
    inbox_files,
    invoice_labels,
    invoice_lines,
    invoice_predictions,
    invoices,
    ocr_pages,
    review_queue,
)
from resources.storage import InboxFile


def utcnow() -> datetime:
    """Naive UTC, the form both SQLite and MySQL DATETIME columns store."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_known_document(conn: Connection, sha256: str) -> bool:
    return conn.execute(select(documents.c.sha256).where(documents.c.sha256 == sha256)).first() is not None


def received_by_other_batch(conn: Connection, batch: str, sha256: str) -> bool:
    """Whether another batch already stored this content (receiving the same batch again is no duplicate)."""
    query = select(documents.c.sha256).where(documents.c.sha256 == sha256, documents.c.batch != batch)
    return conn.execute(query).first() is not None


def received_keys(conn: Connection) -> set[str]:
    """Inbox keys that some batch has already received (whatever became of them)."""
    return set(conn.execute(select(inbox_files.c.source_key).distinct()).scalars())


def unreceived_files(conn: Connection, listing: Iterable[InboxFile]) -> list[InboxFile]:
    """The files of an inbox listing that no batch has received yet, in listing order."""
    taken = received_keys(conn)
    return [f for f in listing if f.key not in taken]


def record_arrivals(conn: Connection, batch: str, arrivals: Sequence[Arrival]) -> None:
    """Store the outcome of receiving a batch: one `inbox_files` row per file, a document per new one."""
    now = utcnow()
    for arrival in arrivals:
        conn.execute(
            delete(inbox_files).where(inbox_files.c.batch == batch, inbox_files.c.source_key == arrival.key)
        )
        conn.execute(
            insert(inbox_files).values(
                clip(
                    inbox_files,
                    {
                        "batch": batch,
                        "source_key": arrival.key,
                        "file_name": arrival.file_name,
                        "sha256": arrival.sha256,
                        "size_bytes": arrival.size,
                        "status": arrival.status,
                        "reason": arrival.reason,
                        "quarantine_key": arrival.quarantine_key,
                        "received_at": now,
                    },
                )
            )
        )
        if arrival.status == ACCEPTED and not is_known_document(conn, arrival.sha256 or ""):
            conn.execute(
                insert(documents).values(
                    sha256=arrival.sha256,
                    file_name=arrival.file_name,
                    media_type=arrival.media_type,
                    size_bytes=arrival.size,
                    pages=arrival.pages,
                    archive_key=arrival.archive_key,
                    batch=batch,
                    received_at=now,
                )
            )


def batch_status_counts(conn: Connection, batch: str) -> dict[str, int]:
    rows = conn.execute(
        select(inbox_files.c.status, func.count())
        .where(inbox_files.c.batch == batch)
        .group_by(inbox_files.c.status)
    )
    return {status: count for status, count in rows}


def batch_quarantine(conn: Connection, batch: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(inbox_files.c.source_key, inbox_files.c.reason)
        .where(inbox_files.c.batch == batch, inbox_files.c.status == QUARANTINED)
        .order_by(inbox_files.c.source_key)
    )
    return [{"file": key, "reason": reason} for key, reason in rows]


@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    file_name: str
    archive_key: str
    pages: int


def batch_documents(conn: Connection, batch: str) -> list[StoredDocument]:
    """Documents first received by `batch` and not quarantined later, in a stable order."""
    quarantined = select(inbox_files.c.sha256).where(
        inbox_files.c.batch == batch, inbox_files.c.status == QUARANTINED, inbox_files.c.sha256.is_not(None)
    )
    rows = conn.execute(
        select(documents.c.sha256, documents.c.file_name, documents.c.archive_key, documents.c.pages)
        .where(documents.c.batch == batch, documents.c.sha256.not_in(quarantined))
        .order_by(documents.c.file_name, documents.c.sha256)
    )
    return [StoredDocument(*row) for row in rows]


def quarantine_document(conn: Connection, batch: str, sha256: str, reason: str, quarantine_key: str) -> None:
    """Mark a document that failed after intake (for example OCR could not read a page)."""
    conn.execute(
        update(inbox_files)
        .where(inbox_files.c.batch == batch, inbox_files.c.sha256 == sha256)
        .values(**clip(inbox_files, {"status": QUARANTINED, "reason": reason}), quarantine_key=quarantine_key)
    )


def replace_ocr_pages(conn: Connection, sha256: str, pages: Iterable[dict[str, Any]]) -> None:
    conn.execute(delete(ocr_pages).where(ocr_pages.c.sha256 == sha256))
    rows = [{"sha256": sha256, **page} for page in pages]
    if rows:
        conn.execute(insert(ocr_pages), rows)


@dataclass(frozen=True)
class StoredText:
    sha256: str
    file_name: str
    text: str
    confidence: float | None


def batch_texts(conn: Connection, batch: str) -> list[StoredText]:
    """The OCR text of each document of `batch`, pages joined in order."""
    rows = conn.execute(
        select(documents.c.sha256, documents.c.file_name, ocr_pages.c.text, ocr_pages.c.confidence)
        .join(ocr_pages, ocr_pages.c.sha256 == documents.c.sha256)
        .where(documents.c.sha256.in_([d.sha256 for d in batch_documents(conn, batch)]))
        .order_by(documents.c.file_name, documents.c.sha256, ocr_pages.c.page)
    )
    grouped: dict[str, tuple[str, list[str], list[float]]] = {}
    for sha256, file_name, text, confidence in rows:
        entry = grouped.setdefault(sha256, (file_name, [], []))
        entry[1].append(text)
        entry[2].append(confidence)
    return [
        StoredText(sha, name, "\n\n".join(texts), sum(confs) / len(confs) if confs else None)
        for sha, (name, texts, confs) in grouped.items()
    ]


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


def document_texts(conn: Connection, sha256s: Sequence[str]) -> dict[str, str]:
    """Whole-document OCR text (pages in order) for each of `sha256s` that has any."""
    texts: dict[str, list[str]] = {}
    for start in range(0, len(sha256s), 500):
        chunk = list(sha256s[start : start + 500])
        rows = conn.execute(
            select(ocr_pages.c.sha256, ocr_pages.c.text)
            .where(ocr_pages.c.sha256.in_(chunk))
            .order_by(ocr_pages.c.sha256, ocr_pages.c.page)
        )
        for sha256, text in rows:
            texts.setdefault(sha256, []).append(text)
    return {sha256: "\n\n".join(pages) for sha256, pages in texts.items()}


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


def replace_predictions(
    conn: Connection, batch: str, predictions: Sequence[dict[str, Any]], review_below: float
) -> int:
    """Upsert predictions by sha256 and keep the review queue in step; returns how many need review.

    A prediction less confident than `review_below` joins the queue (a person's earlier verdict on the
    same invoice is kept); a confident one leaves it unless a person already reviewed it.
    """
    now = utcnow()
    queued = 0
    for prediction in predictions:
        sha256 = prediction["sha256"]
        conn.execute(delete(invoice_predictions).where(invoice_predictions.c.sha256 == sha256))
        conn.execute(insert(invoice_predictions).values(**prediction, batch=batch, predicted_at=now))
        queued_row = select(review_queue.c.reviewed_label).where(review_queue.c.sha256 == sha256)
        pending = conn.execute(queued_row).first()
        values = {
            "batch": batch,
            "predicted_label": prediction["label"],
            "probability": prediction["probability"],
            "model_version": prediction["model_version"],
        }
        if prediction["probability"] < review_below:
            queued += 1
            if pending is None:
                conn.execute(insert(review_queue).values(sha256=sha256, queued_at=now, **values))
            else:
                conn.execute(update(review_queue).where(review_queue.c.sha256 == sha256).values(**values))
        elif pending is not None and pending.reviewed_label is None:
            conn.execute(delete(review_queue).where(review_queue.c.sha256 == sha256))
    return queued
