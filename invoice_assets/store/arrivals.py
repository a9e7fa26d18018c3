"""Which inbox files each batch received, and with what outcome (`inbox_files`, `documents`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from invoice_assets.intake.receive import ACCEPTED, QUARANTINED, Arrival
from invoice_assets.intake.storage import InboxFile
from invoice_assets.store.tables import (
    clip,
    documents,
    inbox_files,
)


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
