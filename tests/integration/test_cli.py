"""The `invoices` command as a user calls it (in-process, so coverage sees it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from invoice_assets.cli import main
from invoice_assets.synth import read_ground_truth
from tests.support.contract import CONTRACT


def run(capsys, *argv: str) -> tuple[int, list[dict]]:
    status = main(list(argv))
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines()]


def test_extract_prints_one_contract_line_per_file_and_errors_for_bad_ones(
    capsys, tmp_path, generated_invoices
):
    bad = tmp_path / "not-an-invoice.png"
    bad.write_text("plain text wearing a .png name")
    files = [str(p) for p in generated_invoices.files[:2]]
    status, rows = run(
        capsys, "extract", files[0], str(bad), files[1], str(tmp_path / "missing.pdf"), "--workers", "2"
    )
    assert status == 1
    assert [Path(r["file"]).name for r in rows] == [
        generated_invoices.files[0].name,
        "not-an-invoice.png",
        generated_invoices.files[1].name,
        "missing.pdf",
    ]
    good = [rows[0], rows[2]]
    truth = {row["file"]: row for row in read_ground_truth(generated_invoices.ground_truth_csv)}
    for row in good:
        assert list(row) == CONTRACT
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"])
        assert 0 <= row["ocr_confidence"] <= 100
        assert row["total"] == pytest.approx(truth[Path(row["file"]).name]["total"])
    assert "text" in rows[1]["error"]
    assert "no such file" in rows[3]["error"]


def test_extract_exits_zero_when_every_file_is_read(capsys, generated_invoices):
    status, rows = run(capsys, "extract", str(generated_invoices.files[0]), "--workers", "1")
    assert status == 0
    assert len(rows) == 1 and "error" not in rows[0]


def test_a_bad_worker_count_is_named_with_what_to_do(capsys, monkeypatch, generated_invoices):
    monkeypatch.setenv("INVOICES_OCR_WORKERS", "many")
    assert main(["extract", str(generated_invoices.files[0])]) == 2
    assert "INVOICES_OCR_WORKERS='many' is not a positive whole number; unset it" in capsys.readouterr().err


def test_demo_runs_the_whole_graph_and_prints_a_summary(capfd, monkeypatch, tmp_path):
    # Seed 9's 60 invoices put at least two of each class in every split (seed 5's test split has one
    # corrective invoice, too few to measure recall), so this small demo trains and reaches the gates.
    monkeypatch.setenv("INVOICES_HOME", str(tmp_path / "home"))
    for name in ("INVOICES_INBOX", "INVOICES_DATABASE_URL", "DAGSTER_HOME", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--count", "60", "--seed", "9"]) == 0
    out, err = capfd.readouterr()
    assert "runs: 1/1 ETL batches succeeded" in out
    assert "files: 80 received, 80 documents" in out, "60 for training and a new week of 20"
    assert "drift: " in out
    assert re.search(r"classifier: version 1, test macro F1 [0-9.]+ \(TF-IDF baseline [0-9.]+\)", out)
    assert "dagster dev -w workspace.yaml" in out
    assert (tmp_path / "home" / "dagster").is_dir()
    assert (tmp_path / "home" / "mlflow.db").is_file()

    # The terminal gets short progress lines (one screen); Dagster's event log goes to the log file.
    progress = err.splitlines()
    assert len(progress) <= 30, err
    assert re.search(r"ocr_pages: batch \S+: read 60 documents", err), err
    assert re.search(r"invoice_classifier: version 1: test macro F1 [0-9.]+ .* gates passed", err), err
    assert "STEP_START" not in err and "DEBUG" not in err
    log_file = tmp_path / "home" / "logs" / "invoices.log"
    assert f"Dagster's event log: {log_file}" in err
    logged = log_file.read_text()
    assert "STEP_START" in logged and "ASSET_MATERIALIZATION" in logged
    assert "epoch 1/" in logged, "training epochs are logged"

    assert main(["demo", "--count", "60", "--seed", "9", "--verbose"]) == 0, (
        "a second demo finds nothing new and still succeeds"
    )
    out, err = capfd.readouterr()
    assert "no new files" in out
    assert "STEP_START" in err, "--verbose prints Dagster's full event log"
