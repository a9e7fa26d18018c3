"""S3InvoiceStorage against a real moto server over HTTP (the `aws` fixture: one empty account per test)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from invoice_assets.intake.receive import QUARANTINED, IntakeLimits, receive_file
from invoice_assets.settings import load_settings
from resources.environment import build_storage
from resources.s3_storage import (
    S3InvoiceStorage,
    S3StorageError,
    parse_timestamp,
    sibling_prefix,
    split_s3_uri,
)

BUCKET = "invoices-test"


@pytest.fixture
def s3(aws):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region})
    return client


@pytest.fixture
def s3_storage(s3) -> S3InvoiceStorage:
    return S3InvoiceStorage.from_uri(f"s3://{BUCKET}/incoming")


def put_many(client, keys: list[str], body: bytes = b"scan") -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=body), keys))


def keys_under(client, prefix: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))


def test_uri_parsing_and_default_prefixes():
    assert split_s3_uri("s3://bucket/a/b/") == ("bucket", "a/b/")
    assert split_s3_uri("s3://bucket") == ("bucket", "")
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        split_s3_uri("s3:///incoming")
    assert sibling_prefix("incoming/", "archive") == "archive/"
    assert sibling_prefix("eu/incoming/", "quarantine") == "eu/quarantine/"
    assert sibling_prefix("", "reports") == "reports/"
    nested = S3InvoiceStorage.from_uri("s3://b-1/eu/incoming")
    assert (nested.prefix, nested.archive_root, nested.quarantine_root, nested.reports_root) == (
        "eu/incoming/",
        "eu/archive/",
        "eu/quarantine/",
        "eu/reports/",
    )
    configured = S3InvoiceStorage(bucket="b-1", prefix="in", archive_prefix="keep", quarantine_prefix="q/")
    assert (configured.archive_root, configured.quarantine_root) == ("keep/", "q/")


def test_listing_timestamps_parse_to_the_same_instant_as_botocore_would():
    from botocore.utils import parse_timestamp as botocore_parse

    for text in ("2026-11-27T21:26:25.000Z", "Fri, 27 Nov 2026 21:26:25 GMT", "2026-11-27T21:26:25+01:00"):
        assert parse_timestamp(text).timestamp() == botocore_parse(text).timestamp()
    assert parse_timestamp("2026-11-27T21:26:25.000Z").tzinfo is not None


def test_an_s3_inbox_setting_selects_the_s3_backend(tmp_path):
    settings = load_settings(
        {"INVOICES_HOME": str(tmp_path), "INVOICES_INBOX": "s3://invoices-prod/incoming/"}
    )
    storage = build_storage(settings)
    assert isinstance(storage, S3InvoiceStorage)
    assert (storage.bucket, storage.prefix, storage.archive_root) == (
        "invoices-prod",
        "incoming/",
        "archive/",
    )
    assert storage.describe() == "S3 s3://invoices-prod/incoming/"


def test_listing_pages_past_1000_keys_and_offers_invoice_files_only(s3, s3_storage):
    invoices = [f"incoming/day-{i % 3}/scan-{i:04}.png" for i in range(1203)]
    others = [
        "incoming/labels.csv",
        "incoming/.uploading/scan.png",
        "incoming/notes.txt",
        "incoming/folder/",
        "archive/ab/ab00.png",
        "elsewhere/scan.png",
    ]
    put_many(s3, invoices + others)
    listing = s3_storage.list_inbox()
    assert len(listing) == 1203, "more than one page of list_objects_v2 (1,000 keys) was read"
    assert sorted(f.key for f in listing) == sorted(key.removeprefix("incoming/") for key in invoices)
    assert listing == sorted(listing, key=lambda f: (f.modified, f.key))
    head = s3.head_object(Bucket=BUCKET, Key=invoices[0])
    first = next(f for f in listing if f.key == invoices[0].removeprefix("incoming/"))
    assert (first.size, first.modified) == (4, head["LastModified"].timestamp())
    assert first.name == "scan-0000.png"


def test_an_inbox_at_the_bucket_root_never_lists_its_own_archive_or_quarantine(s3):
    storage = S3InvoiceStorage.from_uri(f"s3://{BUCKET}")
    s3.put_object(Bucket=BUCKET, Key="scan.pdf", Body=b"%PDF-1.4")
    storage.store_archive("cd" * 32, ".pdf", b"%PDF-1.4")
    storage.store_quarantine("batch-1", "bad.png", b"junk", "not an image")
    assert [f.key for f in storage.list_inbox()] == ["scan.pdf"]


def test_read_inbox_and_a_missing_key_is_a_file_not_found_naming_it(s3, s3_storage):
    s3.put_object(Bucket=BUCKET, Key="incoming/sub/a.png", Body=b"\x89PNG data")
    assert s3_storage.read_inbox("sub/a.png") == b"\x89PNG data"
    with pytest.raises(FileNotFoundError, match=re.escape(f"s3://{BUCKET}/incoming/sub/gone.png")):
        s3_storage.read_inbox("sub/gone.png")


def test_a_key_that_vanished_before_intake_is_quarantined_with_its_reason(s3, s3_storage):
    arrival = receive_file(s3_storage, "gone.png", "batch-7", IntakeLimits(), lambda digest: False)
    assert arrival.status == QUARANTINED
    assert "no S3 object" in arrival.reason
    reason = s3.get_object(Bucket=BUCKET, Key="quarantine/batch-7/gone.png.reason.txt")["Body"].read()
    assert b"gone.png" in reason


def test_labels_csvs_are_listed_and_read_from_s3_or_a_local_path(s3, s3_storage, tmp_path):
    s3.put_object(Bucket=BUCKET, Key="incoming/labels.csv", Body=b"file,label\na.png,corrective\n")
    s3.put_object(Bucket=BUCKET, Key="incoming/june/LABELS.CSV", Body=b"file,label\n")
    s3.put_object(Bucket=BUCKET, Key="incoming/.tmp/labels.csv", Body=b"partial")
    s3.put_object(Bucket=BUCKET, Key="shared/labels.csv", Body=b"file,label\nb.png,preventive\n")
    assert s3_storage.list_label_files() == ["june/LABELS.CSV", "labels.csv"]
    assert s3_storage.read_inbox("labels.csv").startswith(b"file,label")
    assert s3_storage.read_location(f"s3://{BUCKET}/shared/labels.csv") == b"file,label\nb.png,preventive\n"
    local = tmp_path / "labels.csv"
    local.write_bytes(b"file,label\n")
    assert s3_storage.read_location(str(local)) == b"file,label\n"
    with pytest.raises(FileNotFoundError, match=re.escape(f"s3://{BUCKET}/shared/missing.csv")):
        s3_storage.read_location(f"s3://{BUCKET}/shared/missing.csv")


def test_archive_is_keyed_by_sha256_written_once_and_copied_out_locally(s3, s3_storage):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    sha = "ab" + "1" * 62
    key = s3_storage.store_archive(sha, ".PDF", b"%PDF-1.4 original")
    assert key == f"ab/{sha}.pdf"
    assert s3_storage.store_archive(sha, ".pdf", b"%PDF-1.4 original") == key
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix="archive/")["Versions"]
    assert [v["Key"] for v in versions] == [f"archive/ab/{sha}.pdf"], "the second store wrote nothing"
    with s3_storage.local_copy(key) as path:
        assert path.suffix == ".pdf"
        assert path.read_bytes() == b"%PDF-1.4 original"
    assert not path.exists(), "the downloaded copy is removed after use"


def test_a_missing_archived_original_is_a_clear_error(s3_storage):
    with (
        pytest.raises(FileNotFoundError, match=re.escape("archive/zz/nothing.png")),
        s3_storage.local_copy("zz/nothing.png"),
    ):
        pass


def test_quarantine_keeps_the_object_and_a_readable_reason(s3, s3_storage):
    key = s3_storage.store_quarantine("batch-1", "scans/bad.png", b"not a png", "not an invoice file")
    assert key == "batch-1/scans/bad.png"
    assert s3.get_object(Bucket=BUCKET, Key="quarantine/batch-1/scans/bad.png")["Body"].read() == b"not a png"
    note = s3.get_object(Bucket=BUCKET, Key="quarantine/batch-1/scans/bad.png.reason.txt")
    assert note["Body"].read() == b"not an invoice file\n"
    assert note["ContentType"].startswith("text/plain")
    s3_storage.store_quarantine("batch-1", "unread.png", None, "cannot read the file")
    assert keys_under(s3, "quarantine/batch-1/unread") == ["quarantine/batch-1/unread.png.reason.txt"]


def test_reports_go_under_the_reports_prefix(s3, s3_storage):
    location = s3_storage.store_report("drift/2026-11-23/total.png", b"\x89PNG plot")
    assert location == f"s3://{BUCKET}/reports/drift/2026-11-23/total.png"
    assert (
        s3.get_object(Bucket=BUCKET, Key="reports/drift/2026-11-23/total.png")["Body"].read()
        == b"\x89PNG plot"
    )


def test_a_missing_bucket_says_what_to_do(aws):
    storage = S3InvoiceStorage.from_uri("s3://no-such-invoices/incoming")
    with pytest.raises(S3StorageError, match=r"'no-such-invoices' does not exist.*create it.*INVOICES_INBOX"):
        storage.list_inbox()
    with pytest.raises(S3StorageError, match="does not exist"):
        storage.store_archive("ef" * 32, ".png", b"x")
