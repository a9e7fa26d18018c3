"""`invoices demo`: a synthetic labelled inbox through the whole asset graph, then a short summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from invoice_assets.cli.graph import drift_of_files, platform
from invoice_assets.defs.run_log import say
from invoice_assets.defs.runner import materialize_new_batches, run_predictions, run_training
from invoice_assets.registry.champion import CHAMPION, NoChampion
from invoice_assets.settings import load_settings
from invoice_assets.store.summary import etl_summary
from invoice_assets.synth import generate_inbox

DEMO_SEED = 7


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.inbox_is_s3:
        print("invoices demo runs on a local inbox: unset INVOICES_INBOX or use a folder", file=sys.stderr)
        return 2
    demo_folder = Path(settings.inbox) / f"demo-{args.seed}"
    say(f"generating {args.count} synthetic invoices into {demo_folder}")
    generate_inbox(demo_folder, args.count, args.seed)
    week_size = max(args.count // 5, 20)
    with platform(settings, args.verbose) as (defs, instance):
        runs = materialize_new_batches(defs, instance)
        training = run_training(defs, instance, [])
        predictions = run_predictions(defs, instance, [r.batch for r in runs]) if training.promoted else []
        has_champion = defs.resources["mlflow_tracking"].registry().version_for_alias(CHAMPION) is not None
        week_folder = Path(settings.inbox) / f"demo-{args.seed}-next-week"
        say(f"generating a week of {week_size} new invoices into {week_folder}")
        week = generate_inbox(week_folder, week_size, args.seed + 1)
        week_runs = materialize_new_batches(defs, instance)
        if has_champion:
            predictions += run_predictions(defs, instance, [r.batch for r in week_runs])
        drift = _demo_drift(defs, week.files)
    summary = etl_summary(settings.database_url)
    nothing_new = " (no new files: the inbox was already received)" if not runs else ""
    print(f"runs: {sum(r.success for r in runs)}/{len(runs)} ETL batches succeeded{nothing_new}")
    print(
        f"files: {summary['files']} received, {summary['documents']} documents, "
        f"{summary['duplicates']} duplicates, {summary['quarantined']} quarantined"
    )
    print(
        f"fields found: invoice number {summary['number_share']:.0%}, date {summary['date_share']:.0%}, "
        f"total {summary['total_share']:.0%}; arithmetically consistent {summary['consistent_share']:.0%}; "
        f"mean OCR confidence {summary['mean_confidence']:.1f}"
    )
    _print_training(training)
    print(f"predictions: {summary['predictions']} labelled, {summary['review_queue']} to review")
    print(drift)
    print(f"tables: {settings.database_url}; MLflow: {settings.mlflow_tracking_uri}")
    print(
        f"open the UI: DAGSTER_HOME={settings.dagster_home} INVOICES_HOME={settings.home} "
        ".venv/bin/dagster dev -w workspace.yaml   (then http://127.0.0.1:3000)"
    )
    # A gate that fails is a verdict the demo reports, not a broken demo; a run that crashed is.
    runs_ok = all(r.success for r in [*runs, *week_runs, *predictions])
    return 0 if runs_ok and training.gates else 1


def _demo_drift(defs, files: list[Path]) -> str:
    """The drift verdict of the demo's new week against the champion's held-out data, as one line."""
    try:
        report = drift_of_files(defs, files).report
    except NoChampion:
        return "drift: no champion model, so no drift report"
    drifted = ", ".join(report.drifted) or "none"
    return (
        f"drift: {report.drift} (share {report.share:.2f} of features; drifted: {drifted}) for the new week"
    )


def _print_training(training) -> None:
    meta = training.metadata
    if not meta:
        print("classifier: training failed; see the training_job run in the UI")
        return
    verdict = "promoted to champion" if training.promoted else "NOT promoted (a gate failed)"
    failing = [name for name, passed in training.gates.items() if not passed]
    print(
        f"classifier: version {meta.get('model_version')}, test macro F1 {meta.get('test_macro_f1')} "
        f"(TF-IDF baseline {meta.get('baseline_test_macro_f1')}), {verdict}"
        + (f": {', '.join(failing)}" if failing else "")
    )
