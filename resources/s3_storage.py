"""The S3 implementation of `InvoiceStorage`: an `s3://bucket/prefix` inbox with archive, quarantine
and report prefixes beside it in the same bucket.

boto3 finds endpoint, region and credentials in the environment (`AWS_ENDPOINT_URL`: a moto server in the
tests), so nothing here knows which S3 it talks to. AWS errors become messages naming bucket, key and what
to do; a missing object is a `FileNotFoundError`, so intake quarantines that one file, not the batch.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from botocore.utils import parse_timestamp as botocore_parse_timestamp
from pydantic import Field, PrivateAttr

from invoice_assets.intake.storage import InboxFile, is_invoice_candidate
from resources.storage import InvoiceStorageResource

S3_SCHEME = "s3://"


class S3StorageError(RuntimeError):
    """S3 refused or failed a request for a reason a person has to fix (bucket, permissions, network)."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/key` → (`bucket`, `some/key`); a clear error for anything else."""
    if not uri.startswith(S3_SCHEME) or not uri[len(S3_SCHEME) :].split("/", 1)[0]:
        raise ValueError(f"{uri!r} is not an S3 URI: write it as s3://bucket/prefix")
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    return bucket, key


def as_prefix(path: str) -> str:
    """A key prefix that ends in `/` (or the empty prefix: the whole bucket)."""
    path = path.strip("/")
    return f"{path}/" if path else ""


def sibling_prefix(prefix: str, name: str) -> str:
    """`incoming/` → `archive/`; `eu/incoming/` → `eu/archive/`; the bucket root → `archive/`."""
    parent = PurePosixPath(prefix.strip("/") or ".").parent.as_posix()
    return as_prefix(name if parent == "." else f"{parent}/{name}")


def parse_timestamp(value: Any) -> datetime:
    """An AWS timestamp as an aware datetime: ISO 8601 (listings) the fast way, anything else
    (HTTP dates in headers, epoch numbers) by botocore's own parser."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return botocore_parse_timestamp(value)


class S3InvoiceStorage(InvoiceStorageResource):
    """An S3 inbox. Archive, quarantine and reports default to prefixes beside the inbox prefix."""

    bucket: str = Field(description="Bucket holding the inbox, the archive and the quarantine.")
    prefix: str = Field(default="", description="Inbox prefix, e.g. `incoming/` (empty: the whole bucket).")
    archive_prefix: str = Field(
        default="",
        description="Prefix keeping every original under its sha256; default: `archive/` beside the inbox.",
    )
    quarantine_prefix: str = Field(
        default="",
        description="Prefix for files a person must look at; default: `quarantine/` beside the inbox.",
    )
    reports_prefix: str = Field(
        default="", description="Prefix for report files (drift plots); default: `reports/` beside the inbox."
    )
    region: str | None = Field(default=None, description="AWS region; default: boto3's (AWS_REGION).")

    _client: Any = PrivateAttr(default=None)

    @classmethod
    def from_uri(cls, uri: str, region: str | None = None) -> S3InvoiceStorage:
        """The storage for `INVOICES_INBOX=s3://bucket/prefix`, with the default sibling prefixes."""
        bucket, prefix = split_s3_uri(uri)
        return cls(bucket=bucket, prefix=as_prefix(prefix), region=region)

    # -- locations -----------------------------------------------------------------------------------

    @property
    def inbox_prefix(self) -> str:
        return as_prefix(self.prefix)

    @property
    def archive_root(self) -> str:
        return as_prefix(self.archive_prefix) or sibling_prefix(self.inbox_prefix, "archive")

    @property
    def quarantine_root(self) -> str:
        return as_prefix(self.quarantine_prefix) or sibling_prefix(self.inbox_prefix, "quarantine")

    @property
    def reports_root(self) -> str:
        return as_prefix(self.reports_prefix) or sibling_prefix(self.inbox_prefix, "reports")

    def uri(self, key: str = "") -> str:
        return f"{S3_SCHEME}{self.bucket}/{key}"

    def _excluded_from_inbox(self) -> tuple[str, ...]:
        """Archive, quarantine and reports prefixes that lie inside the inbox (an inbox at the bucket
        root, say) must not be offered back as new invoices."""
        inbox = self.inbox_prefix
        own = (self.archive_root, self.quarantine_root, self.reports_root)
        return tuple(p for p in own if p.startswith(inbox) and p != inbox)

    # -- the client and its errors -------------------------------------------------------------------

    def client(self) -> Any:
        """One boto3 client per resource instance, created on first use (thread-safe once created)."""
        if self._client is None:
            core = botocore.session.Session()
            # The extension point the AWS CLI uses for its timestamp formats: a faster parser for the
            # one ISO 8601 LastModified per listed key (measured: docs/decisions.md).
            core.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=parse_timestamp
            )
            session = boto3.session.Session(botocore_session=core)
            self._client = session.client(
                "s3",
                region_name=self.region,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=16),
            )
        return self._client

    @contextmanager
    def _explained(self, action: str, bucket: str, key: str = "") -> Iterator[None]:
        """Turn boto3's errors into ones that name the object and what to do about them."""
        where = f"{S3_SCHEME}{bucket}/{key}"
        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchBucket":
                raise S3StorageError(
                    f"S3 bucket {bucket!r} does not exist ({action} {where}): create it, "
                    "or fix INVOICES_INBOX / the path you gave"
                ) from error
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise FileNotFoundError(
                    errno.ENOENT, f"no S3 object {where} ({action}); check the key or upload it again"
                ) from error
            if code in {"AccessDenied", "403", "Forbidden", "AllAccessDisabled"}:
                raise S3StorageError(
                    f"access denied {action} {where}: grant the task role s3:ListBucket, s3:GetObject and "
                    f"s3:PutObject on bucket {bucket!r}, or check the AWS credentials in the environment"
                ) from error
            raise S3StorageError(f"S3 error {code or 'unknown'} {action} {where}: {error}") from error
        except NoCredentialsError as error:
            raise S3StorageError(
                f"no AWS credentials {action} {where}: run with a task role, or set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment"
            ) from error
        except BotoCoreError as error:
            endpoint = os.environ.get("AWS_ENDPOINT_URL", "the default AWS endpoint")
            raise S3StorageError(
                f"cannot reach S3 {action} {where} via {endpoint}: {error}; check the network, "
                "AWS_REGION and AWS_ENDPOINT_URL"
            ) from error

    def _get(self, bucket: str, key: str, action: str) -> bytes:
        with self._explained(action, bucket, key):
            return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def _put(self, key: str, data: bytes, action: str) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with self._explained(action, self.bucket, key):
            self.client().put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Every object under `prefix`, page by page (1,000 keys a page is S3's limit)."""
        paginator = self.client().get_paginator("list_objects_v2")
        with self._explained("listing", self.bucket, prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                yield from page.get("Contents", ())

    def _inbox_objects(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(key relative to the inbox, listing entry) for everything in the inbox but our own prefixes."""
        inbox = self.inbox_prefix
        excluded = self._excluded_from_inbox()
        for entry in self._list(inbox):
            full = entry["Key"]
            if excluded and full.startswith(excluded):
                continue
            yield full[len(inbox) :], entry

    # -- InvoiceStorage ------------------------------------------------------------------------------

    def list_inbox(self) -> list[InboxFile]:
        found = [
            InboxFile(key=key, size=int(entry["Size"]), modified=entry["LastModified"].timestamp())
            for key, entry in self._inbox_objects()
            if is_invoice_candidate(key)
        ]
        return sorted(found, key=lambda f: (f.modified, f.key))

    def read_inbox(self, key: str) -> bytes:
        return self._get(self.bucket, self.inbox_prefix + key, "reading the inbox file")

    def list_label_files(self) -> list[str]:
        return sorted(
            key
            for key, _ in self._inbox_objects()
            if key.lower().endswith(".csv") and not any(p.startswith(".") for p in PurePosixPath(key).parts)
        )

    def read_location(self, location: str) -> bytes:
        if location.startswith(S3_SCHEME):
            bucket, key = split_s3_uri(location)
            return self._get(bucket, key, "reading")
        return Path(location).expanduser().read_bytes()

    def store_archive(self, sha256: str, suffix: str, data: bytes) -> str:
        archive_key = f"{sha256[:2]}/{sha256}{suffix.lower()}"
        key = self.archive_root + archive_key
        try:
            with self._explained("checking the archive for", self.bucket, key):
                head = self.client().head_object(Bucket=self.bucket, Key=key)
            present = int(head["ContentLength"]) == len(data)
        except FileNotFoundError:
            present = False
        if not present:
            self._put(key, data, "archiving the original to")
        return archive_key

    @contextmanager
    def local_copy(self, archive_key: str) -> Iterator[Path]:
        key = self.archive_root + archive_key
        fd, name = tempfile.mkstemp(prefix="invoice-", suffix=PurePosixPath(archive_key).suffix)
        path = Path(name)
        try:
            with (
                os.fdopen(fd, "wb") as handle,
                self._explained("downloading the archived original", self.bucket, key),
            ):
                body = self.client().get_object(Bucket=self.bucket, Key=key)["Body"]
                shutil.copyfileobj(body, handle, 1024 * 1024)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def store_quarantine(self, batch: str, key: str, data: bytes | None, reason: str) -> str:
        quarantine_key = f"{batch}/{key}"
        target = self.quarantine_root + quarantine_key
        if data is not None:
            self._put(target, data, "quarantining")
        self._put(f"{target}.reason.txt", (reason + "\n").encode(), "writing the quarantine reason to")
        return quarantine_key

    def store_report(self, key: str, data: bytes) -> str:
        target = self.reports_root + key
        self._put(target, data, "storing the report")
        return self.uri(target)

    def describe(self) -> str:
        return f"S3 {self.uri(self.inbox_prefix)}"
