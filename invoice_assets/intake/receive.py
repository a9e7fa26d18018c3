"""Receiving files from the inbox: archive first, then validate, then decide what each file is.

The order is the point (as in Paperless-ngx's consumer): an original is copied into the archive,
keyed by its sha256, before anything can fail on it; a file that cannot be processed goes to the
quarantine with its reason; a file whose content was already received is recorded as a duplicate
instead of being processed twice. Nothing is ever deleted from the inbox here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from invoice_assets.documents.media import UnreadableDocument, inspect_document
from invoice_assets.intake.storage import InvoiceStorage

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"


@dataclass(frozen=True)
class IntakeLimits:
    """What a single file may be before it is refused."""

    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 50
    max_pixels: int = 80_000_000


@dataclass(frozen=True)
class Arrival:
    """The outcome for one inbox file."""

    key: str
    size: int
    status: str
    sha256: str | None = None
    media_type: str | None = None
    pages: int = 0
    archive_key: str | None = None
    reason: str | None = None
    quarantine_key: str | None = None

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.key).name


def receive_file(
    storage: InvoiceStorage,
    key: str,
    batch: str,
    limits: IntakeLimits,
    already_received: Callable[[str], bool],
) -> Arrival:
    """Archive, validate and classify one inbox file. Never raises for a bad file."""
    try:
        data = storage.read_inbox(key)
    except OSError as error:
        reason = f"cannot read the file: {error.strerror or error}"
        return Arrival(
            key, 0, QUARANTINED, reason=reason, quarantine_key=_quarantine(storage, batch, key, None, reason)
        )
    digest = hashlib.sha256(data).hexdigest()
    archive_key = storage.store_archive(digest, PurePosixPath(key).suffix or ".bin", data)
    received = Arrival(key, len(data), ACCEPTED, sha256=digest, archive_key=archive_key)
    try:
        if len(data) > limits.max_bytes:
            raise UnreadableDocument(
                f"file too large: {len(data):,} bytes (limit {limits.max_bytes:,}); "
                "split it or raise the limit"
            )
        info = inspect_document(data, max_pages=limits.max_pages, max_pixels=limits.max_pixels)
    except UnreadableDocument as error:
        return replace(
            received,
            status=QUARANTINED,
            reason=error.reason,
            quarantine_key=_quarantine(storage, batch, key, data, error.reason),
        )
    received = replace(received, media_type=info.media_type, pages=info.pages)
    if already_received(digest):
        return replace(
            received, status=DUPLICATE, reason=f"same content (sha256 {digest[:12]}…) already received"
        )
    return received


def receive_batch(
    storage: InvoiceStorage,
    keys: Iterable[str],
    batch: str,
    limits: IntakeLimits,
    known_sha256: Callable[[str], bool],
) -> Iterator[Arrival]:
    """Receive files one by one; a duplicate within the batch counts as a duplicate too."""
    seen: set[str] = set()

    def already_received(digest: str) -> bool:
        return digest in seen or known_sha256(digest)

    for key in keys:
        arrival = receive_file(storage, key, batch, limits, already_received)
        if arrival.status == ACCEPTED and arrival.sha256:
            seen.add(arrival.sha256)
        yield arrival


def _quarantine(storage: InvoiceStorage, batch: str, key: str, data: bytes | None, reason: str) -> str:
    return storage.store_quarantine(batch, key, data, reason)
