"""The ETL graph materialized for real: Tesseract, SQLite and a Dagster instance in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, instance_for_test, materialize
from sqlalchemy import func, select

from invoice_assets.defs.etl import etl_assets
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.ocr.engine import libtesseract_version
from invoice_assets.store.tables import documents, inbox_files, invoice_lines, invoices, ocr_pages
from invoice_assets.synth import read_ground_truth
from resources.database import DatabaseResource
from resources.ocr import OcrResource
from resources.quality import ExtractionQuality
from tests.support.bad_inputs import write_bad_corpus
from tests.support.paths import copy_into


@pytest.fixture
def instance():
    with instance_for_test() as test_instance:
        yield test_instance


def run_batch(instance: DagsterInstance, platform, storage, batch: str, files: list[str] | None = None):
    instance.add_dynamic_partitions(batch_partitions.name, [batch])
    return materialize(
        etl_assets,
        partition_key=batch,
        instance=instance,
        resources={
            "storage": storage,
            "database": DatabaseResource(url=platform.database_url),
            "ocr": OcrResource(workers=2),
            "quality": ExtractionQuality(),
        },
        run_config={"ops": {"raw_invoices": {"config": {"files": files or []}}}},
    )


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (documents, inbox_files, ocr_pages, invoices, invoice_lines)
        }


def test_etl_graph_extracts_generated_invoices_and_is_idempotent(
    instance, platform, storage, generated_invoices
):
    names = copy_into(Path(platform.inbox), generated_invoices.files)
    copy_into(Path(platform.inbox), [generated_invoices.suppliers_csv])
    result = run_batch(instance, platform, storage, "b1")
    assert result.success
    engine = DatabaseResource(url=platform.database_url).engine
    counts = table_counts(engine)
    assert counts["documents"] == counts["invoices"] == len(names)
    assert counts["ocr_pages"] >= len(names)

    truth = {row["file"]: row for row in read_ground_truth(generated_invoices.ground_truth_csv)}
    with engine.connect() as conn:
        stored = {row.file_name: row for row in conn.execute(select(invoices))}
    totals_right = sum(abs((stored[n].total or 0) - truth[n]["total"]) < 0.005 for n in names)
    numbers_right = sum(stored[n].invoice_number == truth[n]["invoice_number"] for n in names)
    assert totals_right >= len(names) - 1
    assert numbers_right >= len(names) - 1
    assert all(stored[n].supplier == truth[n]["supplier"] for n in names), "named by the supplier register"
    fields_metadata = next(m.metadata for m in result.asset_materializations_for_node("invoice_fields"))
    assert fields_metadata["supplier_register"].value == "suppliers.csv"
    ocr_metadata = next(m.metadata for m in result.asset_materializations_for_node("ocr_pages"))
    assert ocr_metadata["libtesseract"].value == libtesseract_version()
    assert ocr_metadata["ocr_workers"].value >= 1

    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert set(checks) == {"mean_ocr_confidence", "key_fields_found", "arithmetic_consistent"}
    assert checks["key_fields_found"]

    again = run_batch(instance, platform, storage, "b1")
    assert again.success
    assert table_counts(engine) == counts, "re-materializing a batch must not add rows"


def test_a_second_batch_records_duplicates_instead_of_processing_them(
    instance, platform, storage, generated_invoices
):
    inbox = Path(platform.inbox)
    copy_into(inbox, generated_invoices.files[:1])
    assert run_batch(instance, platform, storage, "first").success
    copy_into(inbox / "again", generated_invoices.files[:1])
    assert run_batch(instance, platform, storage, "second").success
    engine = DatabaseResource(url=platform.database_url).engine
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(inbox_files.c.batch, inbox_files.c.status)).all())
        assert conn.execute(select(func.count()).select_from(invoices)).scalar_one() == 1
    assert statuses == {"first": "accepted", "second": "duplicate"}


def test_bad_files_are_quarantined_with_reasons_and_the_rest_of_the_batch_goes_on(
    instance, platform, storage, generated_invoices
):
    inbox = Path(platform.inbox)
    expected = write_bad_corpus(inbox)
    good = copy_into(inbox, generated_invoices.files[:2])
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}

    assert run_batch(instance, platform, storage, "mixed").success

    engine = DatabaseResource(url=platform.database_url).engine
    with engine.connect() as conn:
        rows = {row.source_key: row for row in conn.execute(select(inbox_files))}
        extracted = set(conn.execute(select(invoices.c.file_name)).scalars())
    for name, word in expected.items():
        assert rows[name].status == "quarantined", name
        assert word in rows[name].reason.lower(), (name, rows[name].reason)
        reason_file = Path(storage.quarantine_dir) / "mixed" / f"{name}.reason.txt"
        assert reason_file.read_text().strip() == rows[name].reason
        assert (Path(storage.quarantine_dir) / "mixed" / name).read_bytes() == before[name]
    assert extracted == set(good)
    # Nothing deleted: the inbox is as it was, and every readable original is archived by its hash.
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before
    archived = {p.read_bytes() for p in Path(storage.archive_dir).rglob("*") if p.is_file()}
    assert all(data in archived for data in before.values())


def test_a_new_batch_without_a_file_list_takes_unreceived_inbox_files(
    instance, platform, storage, generated_invoices
):
    inbox = Path(platform.inbox)
    copy_into(inbox, generated_invoices.files[:1])
    assert run_batch(instance, platform, storage, "sweep-1").success
    copy_into(inbox, generated_invoices.files[1:2])
    assert run_batch(instance, platform, storage, "sweep-2").success
    engine = DatabaseResource(url=platform.database_url).engine
    with engine.connect() as conn:
        by_batch = dict(conn.execute(select(inbox_files.c.source_key, inbox_files.c.batch)).all())
    assert by_batch == {
        generated_invoices.files[0].name: "sweep-1",
        generated_invoices.files[1].name: "sweep-2",
    }
