"""Invoice storage as Dagster resources: the base every backend extends, and the folder backend."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from invoice_assets.intake.storage import InboxFile, is_invoice_candidate


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary sibling, flush to disk, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class InvoiceStorageResource(ConfigurableResource):
    """The resource type assets and sensors ask for as `storage`; each subclass implements the domain's
    `invoice_assets.intake.storage.InvoiceStorage` protocol (a folder here, S3 in `resources.s3_storage`)."""


class LocalInvoiceStorage(InvoiceStorageResource):
    """A folder inbox with archive and quarantine folders beside it (the embedded default)."""

    inbox_dir: str = Field(description="Folder that workshops' invoices arrive in (scanned recursively).")
    archive_dir: str = Field(description="Folder keeping every original under its sha256.")
    quarantine_dir: str = Field(description="Folder for files that could not be processed.")
    reports_dir: str = Field(default="", description="Folder for report files; default: beside the archive.")

    def list_inbox(self) -> list[InboxFile]:
        root = Path(self.inbox_dir)
        if not root.is_dir():
            return []
        found = []
        for path in root.rglob("*"):
            key = path.relative_to(root).as_posix()
            if not is_invoice_candidate(key) or not path.is_file():
                continue
            stat = path.stat()
            found.append(InboxFile(key=key, size=stat.st_size, modified=stat.st_mtime))
        return sorted(found, key=lambda f: (f.modified, f.key))

    def read_inbox(self, key: str) -> bytes:
        return (Path(self.inbox_dir) / key).read_bytes()

    def list_label_files(self) -> list[str]:
        root = Path(self.inbox_dir)
        if not root.is_dir():
            return []
        return sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*.csv")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )

    def read_location(self, location: str) -> bytes:
        return Path(location).expanduser().read_bytes()

    def _archive_path(self, archive_key: str) -> Path:
        return Path(self.archive_dir) / archive_key

    def store_archive(self, sha256: str, suffix: str, data: bytes) -> str:
        archive_key = f"{sha256[:2]}/{sha256}{suffix.lower()}"
        target = self._archive_path(archive_key)
        if not (target.is_file() and target.stat().st_size == len(data)):
            _write_atomically(target, data)
        return archive_key

    @contextmanager
    def local_copy(self, archive_key: str) -> Iterator[Path]:
        path = self._archive_path(archive_key)
        if not path.is_file():
            raise FileNotFoundError(f"archived original {archive_key} is missing from {self.archive_dir}")
        yield path

    def store_quarantine(self, batch: str, key: str, data: bytes | None, reason: str) -> str:
        quarantine_key = f"{batch}/{key}"
        target = Path(self.quarantine_dir) / quarantine_key
        if data is not None:
            _write_atomically(target, data)
        _write_atomically(target.with_name(target.name + ".reason.txt"), (reason + "\n").encode())
        return quarantine_key

    def store_report(self, key: str, data: bytes) -> str:
        target = Path(self.reports_dir or Path(self.archive_dir).parent / "reports") / key
        _write_atomically(target, data)
        return str(target)

    def describe(self) -> str:
        return f"folder {self.inbox_dir}"
