"""What the platform needs of a file store (inbox, archive, quarantine), as a Protocol."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

INVOICE_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
"""Names the inbox offers for processing. Everything else (labels CSVs, notes, temporary upload
files) is ignored by the listing rather than quarantined: it is not an invoice sent by a workshop."""


@dataclass(frozen=True)
class InboxFile:
    """One file waiting in the inbox, as the listing sees it."""

    key: str
    size: int
    modified: float  # POSIX timestamp (S3: LastModified)

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


def is_invoice_candidate(key: str) -> bool:
    """Whether a listed key is offered for processing (hidden and temporary files are not)."""
    path = PurePosixPath(key)
    if any(part.startswith(".") for part in path.parts):
        return False
    return path.suffix.lower() in INVOICE_SUFFIXES


@runtime_checkable
class InvoiceStorage(Protocol):
    """What every storage backend provides: the folder and S3 resources in `resources` satisfy it.
    Keys are POSIX-style paths relative to the inbox, whatever the backend."""

    def list_inbox(self) -> list[InboxFile]:
        """Invoice candidates in the inbox, sorted by (modified, key)."""
        ...

    def read_inbox(self, key: str) -> bytes: ...

    def list_label_files(self) -> list[str]:
        """Keys of the CSV files in the inbox (labels CSVs, docs/contract.md)."""
        ...

    def read_location(self, location: str) -> bytes:
        """Read a file named by a path or URI given on the command line (e.g. `--labels`)."""
        ...

    def store_archive(self, sha256: str, suffix: str, data: bytes) -> str:
        """Keep an original under its content hash; return its archive key. Idempotent."""
        ...

    def local_copy(self, archive_key: str) -> AbstractContextManager[Path]:
        """A local file path for an archived original, valid inside the `with` block (S3 downloads
        to a temporary file; a folder archive hands out the file itself)."""
        ...

    def store_quarantine(self, batch: str, key: str, data: bytes | None, reason: str) -> str:
        """Put a file a person must look at where they will find it, with the reason beside it."""
        ...

    def store_report(self, key: str, data: bytes) -> str:
        """Keep a report file (a drift plot, say) where people can open it; returns its location."""
        ...

    def describe(self) -> str:
        """A short human description for logs and metadata."""
        ...
