import os

import pytest

from invoice_assets.intake.storage import InvoiceStorage, is_invoice_candidate
from resources.s3_storage import S3InvoiceStorage
from resources.storage import LocalInvoiceStorage


@pytest.fixture
def storage(tmp_path):
    return LocalInvoiceStorage(
        inbox_dir=str(tmp_path / "inbox"),
        archive_dir=str(tmp_path / "archive"),
        quarantine_dir=str(tmp_path / "quarantine"),
    )


def test_listing_offers_invoice_files_only_sorted_by_time(storage, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    for name, stamp in [
        ("b.pdf", 20),
        ("a.PNG", 10),
        ("sub/c.tiff", 30),
        ("labels.csv", 5),
        (".hidden.png", 1),
    ]:
        path = inbox / name
        path.write_bytes(b"x")
        os.utime(path, (stamp, stamp))
    assert [f.key for f in storage.list_inbox()] == ["a.PNG", "b.pdf", "sub/c.tiff"]
    assert storage.list_inbox()[0].modified == 10


def test_listing_a_missing_inbox_is_empty(storage):
    assert storage.list_inbox() == []


def test_archive_is_keyed_by_hash_and_idempotent(storage, tmp_path):
    key = storage.store_archive("ab" + "0" * 62, ".PDF", b"%PDF-1.4")
    assert key == "ab/ab" + "0" * 62 + ".pdf"
    assert storage.store_archive("ab" + "0" * 62, ".pdf", b"%PDF-1.4") == key
    with storage.local_copy(key) as path:
        assert path.read_bytes() == b"%PDF-1.4"
    assert not [p for p in (tmp_path / "archive").rglob(".tmp-*")]


def test_a_missing_archive_copy_is_a_clear_error(storage):
    with pytest.raises(FileNotFoundError, match="missing"), storage.local_copy("zz/nothing.png"):
        pass


def test_quarantine_keeps_the_file_and_its_reason(storage, tmp_path):
    key = storage.store_quarantine("batch-1", "scans/bad.png", b"not a png", "not an invoice file")
    assert (tmp_path / "quarantine" / key).read_bytes() == b"not a png"
    assert (
        tmp_path / "quarantine" / "batch-1/scans/bad.png.reason.txt"
    ).read_text() == "not an invoice file\n"


def test_candidates():
    assert is_invoice_candidate("x/y/scan.JPG")
    assert not is_invoice_candidate("labels.csv")
    assert not is_invoice_candidate(".uploading/scan.png")


def test_every_storage_resource_satisfies_the_domains_storage_protocol(storage):
    """The domain sees storage only through `intake.storage.InvoiceStorage`; both backends provide it."""
    assert isinstance(storage, InvoiceStorage)
    assert isinstance(S3InvoiceStorage.from_uri("s3://bucket/incoming", region="eu-west-1"), InvoiceStorage)
