"""inbox_sensor and hourly_etl_schedule evaluated against a real (temporary) Dagster instance."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster import SkipReason, build_schedule_context, build_sensor_context, instance_for_test

from invoice_assets.definitions import build_defs
from invoice_assets.defs.drift import weekly_partitions
from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.intake.batching import BATCH_SIZE
from resources.database import DatabaseResource
from sensors.inbox import inbox_sensor
from sensors.schedules import hourly_etl_schedule
from tests.support.paths import ROOT


def fill_inbox(folder: Path, count: int, start: float = 1_800_000_000.0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        path = folder / f"scan-{i:04}.png"
        path.write_bytes(b"stand-in: the sensor only lists")
        os.utime(path, (start + i // 3, start + i // 3))  # three files share each timestamp
        names.append(path.name)
    return names


def test_new_files_give_one_run_request_per_batch_and_none_after_the_cursor_moved(platform, storage):
    names = fill_inbox(Path(platform.inbox), BATCH_SIZE + 50)
    with instance_for_test() as instance:
        context = build_sensor_context(instance=instance, resources={"storage": storage})
        result = inbox_sensor(context)
        requests = result.run_requests
        assert [len(r.run_config["ops"]["raw_invoices"]["config"]["files"]) for r in requests] == [
            BATCH_SIZE,
            50,
        ]
        assert (
            sorted(f for r in requests for f in r.run_config["ops"]["raw_invoices"]["config"]["files"])
            == names
        )
        assert all(r.run_key == r.partition_key for r in requests)
        (added,) = result.dynamic_partitions_requests
        assert added.partitions_def_name == batch_partitions.name
        assert list(added.partition_keys) == [r.partition_key for r in requests]

        again = inbox_sensor(
            build_sensor_context(instance=instance, resources={"storage": storage}, cursor=result.cursor)
        )
        assert isinstance(again, SkipReason)

        fill_inbox(Path(platform.inbox) / "later", 2, start=1_900_000_000.0)
        later = inbox_sensor(
            build_sensor_context(instance=instance, resources={"storage": storage}, cursor=result.cursor)
        )
        assert [r.run_config["ops"]["raw_invoices"]["config"]["files"] for r in later.run_requests] == [
            ["later/scan-0000.png", "later/scan-0001.png"]
        ]


def test_hourly_sweep_requests_unreceived_old_files_and_adds_their_partitions(platform, storage):
    names = fill_inbox(Path(platform.inbox), 3)
    database = DatabaseResource(url=platform.database_url)
    with instance_for_test() as instance:
        context = build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2030, 1, 1, tzinfo=UTC),
            resources={"storage": storage, "database": database},
        )
        requests = hourly_etl_schedule(context)
        assert len(requests) == 1
        assert requests[0].run_config["ops"]["raw_invoices"]["config"]["files"] == names
        assert instance.get_dynamic_partitions(batch_partitions.name) == [requests[0].partition_key]

        early = build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2027, 1, 1, tzinfo=UTC),
            resources={"storage": storage, "database": database},
        )
        assert isinstance(hourly_etl_schedule(early), SkipReason), (
            "files newer than the wait belong to the sensor"
        )


@contextmanager
def no_defs_state():
    """Resolving Definitions reads Dagster's current defs-state storage, a context variable. An instance
    that an earlier test entered and never exited resets that variable, to a storage whose instance is
    gone, when the garbage collector finalizes it: at a random moment, such as in the middle of a
    resolution (seen once in a full CI run). Collect first, then resolve with no storage: the project
    keeps no defs state."""
    import gc

    from dagster._core.storage.defs_state.base import set_defs_state_storage

    gc.collect()
    with set_defs_state_storage(None):
        yield


def test_definitions_load_and_every_job_resolves(platform):
    defs = build_defs(platform)
    with no_defs_state():
        defs.resolve_asset_graph()
    assert defs.resolve_job_def("etl_job").partitions_def == batch_partitions
    assert defs.resolve_job_def("prediction_job").partitions_def == batch_partitions
    assert defs.resolve_job_def("training_job").partitions_def is None
    assert defs.resolve_job_def("drift_job").partitions_def == weekly_partitions
    assert defs.resolve_sensor_def("drift_retraining_sensor")
    assert defs.resolve_schedule_def("weekly_drift_schedule").cron_schedule == "0 6 * * 1"
    assert defs.resolve_sensor_def("inbox_sensor")
    assert defs.resolve_schedule_def("hourly_etl_schedule").cron_schedule == "0 * * * *"


def test_asset_graph_snapshot(platform):
    """Accidental changes to asset keys or dependencies show up here first."""
    with no_defs_state():
        graph = build_defs(platform).resolve_asset_graph()
    edges = {
        key.to_user_string(): sorted(parent.to_user_string() for parent in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert edges == {
        "raw_invoices": [],
        "ocr_pages": ["raw_invoices"],
        "invoice_fields": ["ocr_pages"],
        "invoice_labels": ["invoice_fields"],
        "labeled_invoices": ["invoice_labels"],
        "invoice_classifier": ["labeled_invoices"],
        "champion_model": ["invoice_classifier"],
        "invoice_predictions": ["champion_model", "invoice_fields"],
        "drift_report": ["invoice_predictions"],
    }
    checks = sorted(f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys)
    assert checks == [
        "invoice_classifier:class_recall",
        "invoice_classifier:litert_agreement",
        "invoice_classifier:macro_f1",
        "invoice_classifier:not_worse_than_baseline",
        "invoice_classifier:not_worse_than_champion",
        "invoice_fields:arithmetic_consistent",
        "invoice_fields:key_fields_found",
        "ocr_pages:mean_ocr_confidence",
    ]


def test_dagster_cli_validates_the_workspace(platform, tmp_path):
    env = {**os.environ, "INVOICES_HOME": str(platform.home), "DAGSTER_HOME": str(tmp_path / "dagster")}
    (tmp_path / "dagster").mkdir()
    root = ROOT
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout
