"""Documents of a batch and the text of their pages (`documents`, `ocr_pages`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from invoice_assets.intake.receive import QUARANTINED
from invoice_assets.store.tables import (
    clip,
    documents,
    inbox_files,
    ocr_pages,
)


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
