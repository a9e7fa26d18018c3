"""Reading and writing the platform tables.

Every write that an asset may repeat is a replace: delete the rows of that key, insert the new ones,
in the caller's transaction. That is portable across SQLite and MySQL and makes re-materializing a
partition idempotent by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from invoice_assets.intake import ACCEPTED, QUARANTINED, Arrival
from invoice_assets.tables import documents, inbox_files, invoice_lines, invoices, ocr_pages


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


def record_arrivals(conn: Connection, batch: str, arrivals: Sequence[Arrival]) -> None:
    """Store the outcome of receiving a batch: one `inbox_files` row per file, a document per new one."""
    now = utcnow()
    for arrival in arrivals:
        conn.execute(
            delete(inbox_files).where(inbox_files.c.batch == batch, inbox_files.c.source_key == arrival.key)
        )
        conn.execute(
            insert(inbox_files).values(
                batch=batch,
                source_key=arrival.key,
                file_name=arrival.file_name,
                sha256=arrival.sha256,
                size_bytes=arrival.size,
                status=arrival.status,
                reason=arrival.reason,
                quarantine_key=arrival.quarantine_key,
                received_at=now,
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
        .values(status=QUARANTINED, reason=reason, quarantine_key=quarantine_key)
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


def replace_invoice(conn: Connection, record: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
    """Upsert one invoice and its lines, keyed by sha256."""
    sha256 = record["sha256"]
    conn.execute(delete(invoice_lines).where(invoice_lines.c.sha256 == sha256))
    conn.execute(delete(invoices).where(invoices.c.sha256 == sha256))
    conn.execute(insert(invoices).values(**record, extracted_at=utcnow()))
    if lines:
        conn.execute(
            insert(invoice_lines),
            [{"sha256": sha256, "line_no": n, **line} for n, line in enumerate(lines, 1)],
        )


def parse_iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
