"""drift_report on real tables and a real champion, the retraining sensor, and `invoices drift`."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

from dagster import (
    AssetMaterialization,
    AssetSelection,
    SkipReason,
    build_sensor_context,
    instance_for_test,
    materialize,
)
from sqlalchemy import select, update

from invoice_assets.cli import main
from invoice_assets.store.tables import documents, drift_features, drift_reports
from resources.environment import build_resources
from sensors.drift import drift_retraining_sensor
from tests.support.ml_helpers import ALL_ASSETS, LENIENT, train

WEEK = "2026-11-16"  # a Monday: the week runs to 2026-11-23


def test_a_drifted_report_starts_exactly_one_retraining_and_a_clean_one_none():
    with instance_for_test() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization("drift_report", partition="2026-11-09", metadata={"drift": False})
        )
        clean = drift_retraining_sensor(build_sensor_context(instance=instance))
        assert clean.run_requests == []

        instance.report_runless_asset_event(
            AssetMaterialization("drift_report", partition=WEEK, metadata={"drift": True})
        )
        drifted = drift_retraining_sensor(build_sensor_context(instance=instance, cursor=clean.cursor))
        (request,) = drifted.run_requests
        assert request.run_key.startswith("drift-report-")
        assert request.tags["invoices/drift_week"] == WEEK

        again = drift_retraining_sensor(build_sensor_context(instance=instance, cursor=drifted.cursor))
        assert isinstance(again, SkipReason), "the same report never starts a second retraining"


def test_weekly_drift_report_is_stored_and_shown(ml_home):
    settings, instance, batch = ml_home
    assert train(settings, instance, batch, LENIENT).success
    resources = build_resources(settings)
    engine = resources["database"].engine
    with engine.begin() as conn:  # the corpus arrived in the week under test
        conn.execute(update(documents).values(received_at=datetime(2026, 11, 18, 9, 30)))
    result = materialize(
        ALL_ASSETS,
        selection=AssetSelection.assets("drift_report"),
        partition_key=WEEK,
        instance=instance,
        resources=resources,
    )
    assert result.success
    metadata = result.asset_materializations_for_node("drift_report")[0].metadata
    assert metadata["current_size"].value == 60
    assert metadata["reference_size"].value > 0
    assert "| " in metadata["features"].value
    with engine.connect() as conn:
        stored = conn.execute(select(drift_reports)).one()
        names = set(conn.execute(select(drift_features.c.name)).scalars())
    assert stored.period == WEEK and stored.drift == metadata["drift"].value
    assert {"total", "supplier", "probability", "oov_share", "token_distribution"} <= names
    again = materialize(
        ALL_ASSETS,
        selection=AssetSelection.assets("drift_report"),
        partition_key=WEEK,
        instance=instance,
        resources=resources,
    )
    assert again.success
    with engine.connect() as conn:
        assert len(conn.execute(select(drift_reports)).all()) == 1, "a week's report is replaced, not added"


def test_drift_command_prints_the_contract_json(ml_home, capsys, monkeypatch, tmp_path, generated_invoices):
    settings, instance, batch = ml_home
    assert train(settings, instance, batch, LENIENT).success
    monkeypatch.setenv("INVOICES_HOME", str(settings.home))
    for name in ("INVOICES_INBOX", "INVOICES_DATABASE_URL", "DAGSTER_HOME", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "this-week"
    folder.mkdir()
    for path in generated_invoices.files[:3]:
        shutil.copy2(path, folder / path.name)
    assert main(["drift", "--inbox", str(folder)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(report) >= {"drift", "share", "features"}
    assert isinstance(report["drift"], bool) and 0.0 <= report["share"] <= 1.0
    for feature in report["features"]:
        assert {"name", "method", "statistic", "p_value", "threshold", "drift"} <= set(feature)
