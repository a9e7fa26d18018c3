"""A window of invoices against the champion's held-out data: the drift report with its plots."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection

from invoice_assets.drift.data import invoice_frame
from invoice_assets.drift.plots import plot_report
from invoice_assets.drift.report import build_report
from invoice_assets.drift.result import DriftReport
from invoice_assets.ml.labels import LABELS
from invoice_assets.registry.artifacts import REFERENCE_ARTIFACT
from invoice_assets.registry.champion import Champion, load_champion
from invoice_assets.registry.mlflow_registry import MlflowRegistry


@dataclass(frozen=True)
class DriftComparison:
    report: DriftReport
    reference: pd.DataFrame
    current: pd.DataFrame
    model_version: str
    plots: dict[str, bytes]


def champion_reference(registry: MlflowRegistry) -> tuple[Champion, list[str]]:
    """The champion and the sha256s of its held-out split (validation and test); raises NoChampion."""
    champion = load_champion(registry)
    client = registry.client()
    run_id = client.get_model_version(registry.registered_model, champion.version).run_id
    with tempfile.TemporaryDirectory() as folder:
        path = client.download_artifacts(run_id, REFERENCE_ARTIFACT, folder)
        reference = json.loads(Path(path).read_text())["sha256"]
    return champion, reference


def compare_with_champion(
    conn: Connection, registry: MlflowRegistry, current_sha256s: Sequence[str]
) -> DriftComparison:
    """The drift report of `current_sha256s` against the champion's held-out data, with a plot per drift."""
    champion, reference_sha256s = champion_reference(registry)
    version, classifier = champion.version, champion.classifier
    reference = invoice_frame(conn, reference_sha256s, classifier.predict_proba, LABELS)
    current = invoice_frame(conn, current_sha256s, classifier.predict_proba, LABELS)
    vectorizer = classifier.vectorizer
    report = build_report(reference, current, oov_share=vectorizer.oov_share, tokens=vectorizer.tokens)
    plots = plot_report(
        reference,
        current,
        report,
        oov_share=vectorizer.oov_share,
        tokens=vectorizer.tokens,
        names=report.drifted,
    )
    return DriftComparison(report, reference, current, version, plots)
