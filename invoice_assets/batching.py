"""Turning an inbox listing into batches, remembering what was already requested.

The cursor keeps a watermark (the newest modification time seen) and the keys seen within an overlap
window before it. A listing compares times strictly, files can share a timestamp, and an upload can
become visible after a newer one: keys inside the window are re-examined every tick and de-duplicated
by name and time instead of being trusted to the watermark alone. Files older than the window that
were never seen (copied in with their old times preserved) are left to the hourly sweep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from resources.storage import InboxFile

DEFAULT_OVERLAP_SECONDS = 300.0


@dataclass(frozen=True)
class InboxCursor:
    watermark: float = 0.0
    recent: dict[str, float] = field(default_factory=dict)  # key -> modified, within the overlap window

    def serialize(self) -> str:
        return json.dumps({"watermark": self.watermark, "recent": self.recent}, sort_keys=True)

    @classmethod
    def parse(cls, text: str | None) -> InboxCursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            watermark=float(data["watermark"]), recent={k: float(v) for k, v in data["recent"].items()}
        )


@dataclass(frozen=True)
class Batch:
    key: str
    files: tuple[str, ...]


def batch_key(files: Sequence[InboxFile]) -> str:
    """A partition key that names the batch by its newest file and a digest of its members.

    The same files always give the same key, so a tick re-evaluated after a crash asks for the same
    partition and the same run key instead of a second batch.
    """
    newest = max(f.modified for f in files)
    stamp = datetime.fromtimestamp(newest, UTC).strftime("%Y%m%dT%H%M%S")
    digest = hashlib.sha1("\n".join(sorted(f.key for f in files)).encode()).hexdigest()[:10]
    return f"{stamp}-{digest}"


def group_into_batches(files: Sequence[InboxFile], batch_size: int) -> list[Batch]:
    ordered = sorted(files, key=lambda f: (f.modified, f.key))
    chunks = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    return [Batch(batch_key(chunk), tuple(f.key for f in chunk)) for chunk in chunks]


def new_files(listing: Sequence[InboxFile], cursor: InboxCursor, overlap_seconds: float) -> list[InboxFile]:
    """Files of `listing` that the cursor has not seen yet."""
    horizon = cursor.watermark - overlap_seconds
    return [
        f
        for f in listing
        if f.modified > cursor.watermark or (f.modified >= horizon and cursor.recent.get(f.key) != f.modified)
    ]


def advance_cursor(cursor: InboxCursor, taken: Sequence[InboxFile], overlap_seconds: float) -> InboxCursor:
    """The cursor after `taken` were requested: a new watermark and the keys still inside its window."""
    watermark = max([cursor.watermark, *(f.modified for f in taken)])
    horizon = watermark - overlap_seconds
    recent = {k: t for k, t in cursor.recent.items() if t >= horizon}
    recent.update({f.key: f.modified for f in taken if f.modified >= horizon})
    return InboxCursor(watermark=watermark, recent=recent)


def plan_batches(
    listing: Sequence[InboxFile],
    cursor: InboxCursor,
    batch_size: int,
    overlap_seconds: float = DEFAULT_OVERLAP_SECONDS,
) -> tuple[list[Batch], InboxCursor]:
    """The batches to request for the new files of `listing`, and the cursor to store afterwards."""
    fresh = new_files(listing, cursor, overlap_seconds)
    if not fresh:
        return [], cursor
    return group_into_batches(fresh, batch_size), advance_cursor(cursor, fresh, overlap_seconds)
