"""The asset graph on an S3 inbox, end to end: moto over HTTP for S3, SQLite, a real Dagster instance,
real OCR; and `invoices train` with `--inbox s3://…` and `--labels s3://…` like the folder case."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import boto3
import pytest
from dagster import SkipReason, build_sensor_context, instance_for_test
from sqlalchemy import select

from invoice_assets.cli import main
from invoice_assets.definitions import build_defs
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.intake.storage import is_invoice_candidate
from invoice_assets.settings import load_settings
from invoice_assets.store.tables import inbox_files, invoice_labels, invoices
from resources.environment import build_resources
from sensors.inbox import inbox_sensor

BUCKET = "invoices-e2e"
CORRUPT = b"\x89PNG\r\n\x1a\n" + b"\x00 truncated scan " * 20


@pytest.fixture
def s3(aws):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region})
    return client


def keys_under(client, prefix: str) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {entry["Key"] for page in pages for entry in page.get("Contents", ())}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_s3_inbox_goes_through_the_etl_graph_via_the_sensors_run_request(s3, tmp_path):
    from invoice_assets.synth import generate_inbox

    generated = generate_inbox(tmp_path / "scans", 3, seed=515, dpi_range=(130, 150))
    uploads = {f"incoming/2026-11/{path.name}": path.read_bytes() for path in generated.files}
    uploads["incoming/2026-11/broken.png"] = CORRUPT
    uploads["incoming/labels.csv"] = generated.labels_csv.read_bytes()
    for key, data in uploads.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    settings = load_settings(
        {"INVOICES_HOME": str(tmp_path / "home"), "INVOICES_INBOX": f"s3://{BUCKET}/incoming"}
    )
    defs = build_defs(settings)
    storage = defs.resources["storage"]
    with instance_for_test() as instance:
        result = inbox_sensor(build_sensor_context(instance=instance, resources={"storage": storage}))
        (request,) = result.run_requests
        assert sorted(request.run_config["ops"]["raw_invoices"]["config"]["files"]) == sorted(
            key.removeprefix("incoming/") for key in uploads if is_invoice_candidate(key)
        )
        instance.add_dynamic_partitions(batch_partitions.name, [request.partition_key])
        run = defs.resolve_job_def("etl_job").execute_in_process(
            instance=instance, partition_key=request.partition_key, run_config=request.run_config
        )
        assert run.success
        again = inbox_sensor(
            build_sensor_context(instance=instance, resources={"storage": storage}, cursor=result.cursor)
        )
        assert isinstance(again, SkipReason)

    batch = request.partition_key
    engine = build_resources(settings)["database"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(invoices.c.sha256, invoices.c.file_name, invoices.c.batch)).all()
        statuses = {
            row.source_key: (row.status, row.reason)
            for row in conn.execute(
                select(inbox_files.c.source_key, inbox_files.c.status, inbox_files.c.reason)
            )
        }
    good = {sha256(path.read_bytes()): path.name for path in generated.files}
    assert {row.sha256: row.file_name for row in rows} == good
    assert {row.batch for row in rows} == {batch}
    status, why = statuses["2026-11/broken.png"]
    assert status == "quarantined" and why

    archived = keys_under(s3, "archive/")
    expected = {
        f"archive/{digest[:2]}/{digest}{Path(key).suffix}"
        for key, data in uploads.items()
        if not key.endswith(".csv")
        for digest in [sha256(data)]
    }
    assert archived == expected, "every original, the corrupt one too, is archived under its sha256"

    quarantined = f"quarantine/{batch}/2026-11/broken.png"
    assert s3.get_object(Bucket=BUCKET, Key=quarantined)["Body"].read() == CORRUPT
    reason = s3.get_object(Bucket=BUCKET, Key=quarantined + ".reason.txt")["Body"].read().decode()
    assert reason == why + "\n", "the person opening the quarantine reads the recorded reason"
    assert keys_under(s3, "incoming/") == set(uploads), "nothing is deleted from the inbox"


def test_train_command_with_an_s3_inbox_and_s3_labels(s3, ml_home, capsys, monkeypatch, generated_invoices):
    """The corpus home already received its 60 invoices (same keys), so only two new S3 files go through
    OCR; the labels come only from the S3 CSV given with --labels (none is in the inbox)."""
    settings, _, _ = ml_home
    monkeypatch.setenv("INVOICES_HOME", str(settings.home))
    for name in ("INVOICES_INBOX", "INVOICES_DATABASE_URL", "DAGSTER_HOME", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    corpus = Path(settings.inbox) / "generated"
    for path in sorted(corpus.iterdir()):
        if path.suffix != ".csv":
            s3.put_object(Bucket=BUCKET, Key=f"incoming/generated/{path.name}", Body=path.read_bytes())
    new = {f"incoming/new/extra-{path.name}": path.read_bytes() for path in generated_invoices.files[:2]}
    for key, data in new.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    labels_uri = f"s3://{BUCKET}/labels/labels.csv"
    s3.put_object(Bucket=BUCKET, Key="labels/labels.csv", Body=(corpus / "labels.csv").read_bytes())

    status = main(["train", "--inbox", f"s3://{BUCKET}/incoming", "--labels", labels_uri])
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert report["gates"], f"training failed before the gates: {captured.err[-3000:]}"
    assert {"macro_f1", "not_worse_than_baseline", "class_recall", "not_worse_than_champion"} <= set(
        report["gates"]
    )
    assert report["model_version"] == "1" and report["failed_batches"] == []
    assert status == (0 if all(report["gates"].values()) else 1), "exit status follows the gates"

    engine = build_resources(settings)["database"].engine
    with engine.connect() as conn:
        sources = conn.execute(select(invoice_labels.c.source)).scalars().all()
        received = set(conn.execute(select(inbox_files.c.source_key)).scalars())
    assert len(sources) == 60 and set(sources) == {labels_uri}
    assert {key.removeprefix("incoming/") for key in new} <= received
    assert {
        f"archive/{sha256(data)[:2]}/{sha256(data)}.{key.rsplit('.', 1)[1]}" for key, data in new.items()
    } <= (keys_under(s3, "archive/"))
