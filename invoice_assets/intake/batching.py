"""Turning an inbox listing into batches, remembering what was already requested.

The cursor keeps a watermark (the newest modification time seen) and the keys seen in an overlap window
before it, bounded in characters as well as in time because Dagster stores it with every tick (a 64 KB
column in MySQL); a tick may also get a budget for the keys it requests. Files that become visible only
below the cursor's `horizon` are left to the hourly sweep. Why each of these: docs/decisions.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from invoice_assets.intake.storage import InboxFile

DEFAULT_OVERLAP_SECONDS = 300.0
MAX_REMEMBERED_CHARS = 20_000
"""Budget for the serialized keys a cursor remembers: about 700 keys of 25 characters. With a tick's
run requests (`sensors.inbox.MAX_REQUESTED_CHARS`) it keeps a tick far below MySQL's 64 KB TEXT."""

BATCH_SIZE = 200
"""Files one batch partition takes: a few hundred keep runs few and each run short."""


@dataclass(frozen=True)
class InboxCursor:
    watermark: float = 0.0
    recent: dict[str, float] = field(default_factory=dict)  # key -> modified, within the overlap window
    horizon: float = 0.0  # files older than this are never the sensor's again (the sweep's)

    def serialize(self) -> str:
        """Compact JSON: keys grouped under their timestamp (S3 stamps many files with the same second)."""
        seen: dict[str, list[str]] = {}
        for key, modified in sorted(self.recent.items(), key=lambda item: (item[1], item[0])):
            seen.setdefault(repr(modified), []).append(key)
        body = {"watermark": self.watermark, "horizon": self.horizon, "seen": seen}
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str | None) -> InboxCursor:
        if not text:
            return cls()
        data = json.loads(text)
        if "seen" not in data:  # the first format: {"watermark", "recent": {key: modified}}
            return cls(
                watermark=float(data["watermark"]), recent={k: float(v) for k, v in data["recent"].items()}
            )
        recent = {key: float(stamp) for stamp, keys in data["seen"].items() for key in keys}
        return cls(watermark=float(data["watermark"]), recent=recent, horizon=float(data["horizon"]))


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
    horizon = max(cursor.horizon, cursor.watermark - overlap_seconds)
    return [
        f
        for f in listing
        if f.modified > cursor.watermark or (f.modified >= horizon and cursor.recent.get(f.key) != f.modified)
    ]


STAMP_COST = 22  # `"1800000000.123456":[],` heading each timestamp's keys in the serialized cursor


def _cost(key: str) -> int:
    return len(key) + 3  # the key, its quotes and a comma in the serialized cursor


def advance_cursor(
    cursor: InboxCursor,
    taken: Sequence[InboxFile],
    overlap_seconds: float,
    max_chars: int = MAX_REMEMBERED_CHARS,
) -> InboxCursor:
    """The cursor after `taken` were requested: a new watermark and the keys still inside its window.

    The horizon never moves down (keys below it were forgotten, so taking a file there again could
    request it twice). Over the budget, the oldest whole timestamps are forgotten first; the newest one
    is always kept whole, since more files can still arrive with the watermark's timestamp.
    """
    watermark = max([cursor.watermark, *(f.modified for f in taken)])
    horizon = max(cursor.horizon, watermark - overlap_seconds)
    recent = {k: t for k, t in cursor.recent.items() if t >= horizon}
    recent.update({f.key: f.modified for f in taken if f.modified >= horizon})
    cost_at: dict[float, int] = {}
    for key, stamp in recent.items():
        cost_at[stamp] = cost_at.get(stamp, STAMP_COST) + _cost(key)
    if sum(cost_at.values()) > max_chars:
        kept = 0
        for stamp in sorted(cost_at, reverse=True):
            if kept and kept + cost_at[stamp] > max_chars:
                break
            kept += cost_at[stamp]
            horizon = stamp
        recent = {k: t for k, t in recent.items() if t >= horizon}
    return InboxCursor(watermark=watermark, recent=recent, horizon=horizon)


def plan_batches(
    listing: Sequence[InboxFile],
    cursor: InboxCursor,
    batch_size: int,
    overlap_seconds: float = DEFAULT_OVERLAP_SECONDS,
    max_chars: int = MAX_REMEMBERED_CHARS,
    max_request_chars: int | None = None,
) -> tuple[list[Batch], InboxCursor]:
    """The batches to request for the new files of `listing`, and the cursor to store afterwards.

    With `max_request_chars`, only the oldest whole batches whose keys fit in it are requested (always
    at least one); the cursor then covers exactly those, so the others stay new for the next tick.
    """
    fresh = sorted(new_files(listing, cursor, overlap_seconds), key=lambda f: (f.modified, f.key))
    if not fresh:
        return [], cursor
    batches = group_into_batches(fresh, batch_size)
    if max_request_chars is not None:
        batches = _within_budget(batches, max_request_chars)
        fresh = fresh[: sum(len(b.files) for b in batches)]
    return batches, advance_cursor(cursor, fresh, overlap_seconds, max_chars)


def _within_budget(batches: list[Batch], max_chars: int) -> list[Batch]:
    """The leading batches whose keys add up to at most `max_chars` (at least the first one)."""
    taken, used = [], 0
    for batch in batches:
        cost = sum(_cost(key) for key in batch.files)
        if taken and used + cost > max_chars:
            break
        taken.append(batch)
        used += cost
    return taken
