"""The `invoices` command (DESIGN.md section 2). Results on stdout, progress and logs on stderr."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from invoice_assets.settings import PlatformSettings, load_settings

DEMO_SEED = 7


def _expand(paths: Sequence[str]) -> list[Path]:
    """Files as given; a folder stands for the invoice files inside it."""
    from resources.storage import is_invoice_candidate

    expanded: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            expanded.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and is_invoice_candidate(p.name)
            )
        else:
            expanded.append(path)
    return expanded


def extract_rows(paths: Sequence[Path], workers: int | None = None) -> Iterator[tuple[dict, str | None]]:
    """The contract's JSON object for each path, in the order given, with the document's text (None for
    a file that could not be read, whose object is an error row)."""
    from invoice_assets.documents import UnreadableDocument
    from invoice_assets.extraction import extract_fields
    from invoice_assets.ocr import OcrSettings, read_documents
    from invoice_assets.results import error_json, invoice_json

    readable = list(dict.fromkeys(p for p in paths if p.is_file()))
    done: dict[Path, tuple[dict, str | None]] = {}
    results = read_documents(readable, OcrSettings(), workers=workers)
    for path in paths:
        while path.is_file() and path not in done:
            finished, outcome = next(results)
            if isinstance(outcome, UnreadableDocument):
                done[finished] = (error_json(str(finished), outcome.reason), None)
            else:
                sha256 = hashlib.sha256(finished.read_bytes()).hexdigest()
                fields = extract_fields(outcome.text).to_record()
                done[finished] = (
                    invoice_json(str(finished), sha256, fields, outcome.confidence),
                    outcome.text,
                )
        if path.is_file():
            row, text = done[path]
            yield dict(row), text
        elif path.exists():
            yield error_json(str(path), "not a regular file"), None
        else:
            yield error_json(str(path), "no such file; check the path"), None


def cmd_extract(args: argparse.Namespace) -> int:
    failed = 0
    for row, _ in extract_rows(_expand(args.paths), workers=args.workers):
        failed += "error" in row
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failed else 0


@contextmanager
def _platform(settings: PlatformSettings, verbose: bool) -> Iterator[tuple]:
    """Definitions and the Dagster instance for `settings` (imported late: they load Dagster).

    The instance is entered as a context manager: that is what makes it the current one for everything
    Dagster resolves meanwhile (its definitions state storage included), and disposes of it afterwards.
    Unless `verbose`, Dagster's event log and every library's output go to the run log file meanwhile.
    """
    from invoice_assets.definitions import build_defs
    from invoice_assets.run_log import captured_stderr, say
    from invoice_assets.runner import open_instance

    log_file = settings.home / "logs" / "invoices.log"
    with ExitStack() as stack:
        if not verbose:
            say(f"Dagster's event log: {log_file} (--verbose shows it here)")
            stack.enter_context(captured_stderr(log_file))
        instance = stack.enter_context(open_instance(settings))
        yield build_defs(settings), instance


def cmd_train(args: argparse.Namespace) -> int:
    from invoice_assets.run_log import say
    from invoice_assets.runner import materialize_new_batches, run_training

    settings = replace(load_settings(), inbox=args.inbox)
    with _platform(settings, args.verbose) as (defs, instance):
        failed_batches = [r.batch for r in materialize_new_batches(defs, instance) if not r.success]
        outcome = run_training(defs, instance, args.labels or [])
        report = {
            "promoted": outcome.promoted,
            "gates": outcome.gates,
            **{key: outcome.metadata.get(key) for key in TRAINING_FIGURES},
            "failed_batches": failed_batches,
            "dagster_run_id": outcome.run_id,
        }
        print(json.dumps(report, ensure_ascii=False))
        if not outcome.success and not outcome.gates:
            say("training failed before any gate was evaluated; see the Dagster run's logs")
        elif not outcome.promoted:
            failing = [name for name, passed in outcome.gates.items() if not passed]
            say(f"gate failed: {', '.join(failing)}; the champion was not changed")
        return 0 if outcome.promoted and not failed_batches else 1


TRAINING_FIGURES = (
    "model_version",
    "test_macro_f1",
    "baseline_test_macro_f1",
    "champion_test_macro_f1",
    "champion_version_before",
    "train_size",
    "test_size",
    "epochs_run",
    "litert_agreement",
    "mlflow_run_id",
)


def cmd_predict(args: argparse.Namespace) -> int:
    from invoice_assets.model_package import MissingLiteRtModel, to_predictions
    from invoice_assets.results import prediction_fields
    from resources.environment import build_resources

    tracking = build_resources(load_settings())["mlflow_tracking"]
    version = tracking.version_for_alias("champion")
    if version is None:
        hint = "run `invoices train --inbox DIR --labels CSV` (or `invoices demo`) first"
        print(f"no champion model yet: {hint}", file=sys.stderr)
        return 2
    try:
        classifier = tracking.load_classifier(version)
    except MissingLiteRtModel as error:
        print(f"the champion model cannot be used: {error}", file=sys.stderr)
        return 2
    failed = 0
    for row, text in extract_rows(_expand(args.paths), workers=args.workers):
        if text is None:
            failed += 1
        else:
            (prediction,) = to_predictions(classifier.predict_proba([text]))
            row.update(prediction_fields(prediction.label, prediction.probability, version))
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_drift(args: argparse.Namespace) -> int:
    from invoice_assets.drift_data import NoChampion, compare_with_champion
    from invoice_assets.run_log import say
    from invoice_assets.runner import materialize_new_batches, run_predictions

    settings = replace(load_settings(), inbox=args.inbox)
    with _platform(settings, args.verbose) as (defs, instance):
        runs = materialize_new_batches(defs, instance)
        run_predictions(defs, instance, [r.batch for r in runs if r.success])
        current = [hashlib.sha256(path.read_bytes()).hexdigest() for path in _expand([args.inbox])]
        try:
            with defs.resources["database"].engine.connect() as conn:
                comparison = compare_with_champion(conn, defs.resources["mlflow_tracking"], current)
        except NoChampion as error:
            say(str(error))
            return 2
        print(json.dumps(comparison.report.as_dict(), ensure_ascii=False))
        report = comparison.report
        say(
            f"drift: {report.drift} ({', '.join(report.reasons) or 'no rule fired'}); "
            f"{len(comparison.current)} current vs {len(comparison.reference)} reference invoices"
        )
        return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from invoice_assets.service.server import run_server
    from invoice_assets.service.settings import ServiceConfigError, load_service_settings

    try:
        load_service_settings()
    except ServiceConfigError as error:
        print(f"invoices serve: {error}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("invoices serve: --workers must be at least 1", file=sys.stderr)
        return 2
    run_server(args.host, args.port, args.workers)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from invoice_assets.run_log import say
    from invoice_assets.runner import materialize_new_batches, run_predictions, run_training
    from invoice_assets.summary import etl_summary
    from invoice_assets.synth import generate_inbox

    settings = load_settings()
    if settings.inbox_is_s3:
        print("invoices demo runs on a local inbox: unset INVOICES_INBOX or use a folder", file=sys.stderr)
        return 2
    demo_folder = Path(settings.inbox) / f"demo-{args.seed}"
    say(f"generating {args.count} synthetic invoices into {demo_folder}")
    generate_inbox(demo_folder, args.count, args.seed)
    week_size = max(args.count // 5, 20)
    with _platform(settings, args.verbose) as (defs, instance):
        runs = materialize_new_batches(defs, instance)
        training = run_training(defs, instance, [])
        predictions = run_predictions(defs, instance, [r.batch for r in runs]) if training.promoted else []
        has_champion = defs.resources["mlflow_tracking"].version_for_alias("champion") is not None
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
    from invoice_assets.drift_data import NoChampion, compare_with_champion

    current = [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]
    try:
        with defs.resources["database"].engine.connect() as conn:
            report = compare_with_champion(conn, defs.resources["mlflow_tracking"], current).report
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invoices", description="Textile maintenance invoice platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    runs_dagster = argparse.ArgumentParser(add_help=False)
    runs_dagster.add_argument(
        "--verbose",
        action="store_true",
        help="print Dagster's full event log here, not in $INVOICES_HOME/logs/invoices.log",
    )

    demo = commands.add_parser(
        "demo", parents=[runs_dagster], help="generate a demo inbox and materialize the asset graph locally"
    )
    demo.add_argument("--count", type=int, default=300, help="synthetic invoices to generate (default 300)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="generator seed (same seed, same files)")
    demo.set_defaults(handler=cmd_demo)

    extract = commands.add_parser("extract", help="OCR and field extraction; one JSON object per line")
    extract.add_argument("paths", nargs="+", help="invoice files (PDF, PNG, JPEG, TIFF) or folders of them")
    extract.add_argument("--workers", type=int, default=None, help="OCR processes (default: one per core)")
    extract.set_defaults(handler=cmd_extract)

    train = commands.add_parser(
        "train", parents=[runs_dagster], help="ETL an inbox, load labels, train and gate a classifier"
    )
    train.add_argument(
        "--inbox", required=True, help="folder or s3://bucket/prefix of invoices (the inbox of this run)"
    )
    train.add_argument(
        "--labels", action="append", help="labels CSV (file,label), a path or an s3:// URI; may repeat"
    )
    train.set_defaults(handler=cmd_train)

    predict = commands.add_parser("predict", help="like extract, plus label, probability, model_version")
    predict.add_argument("paths", nargs="+", help="invoice files or folders of them")
    predict.add_argument("--workers", type=int, default=None, help="OCR processes (default: one per core)")
    predict.set_defaults(handler=cmd_predict)

    drift = commands.add_parser(
        "drift", parents=[runs_dagster], help="drift of a folder of invoices against the champion's data"
    )
    drift.add_argument("--inbox", required=True, help="folder of invoices: the current window")
    drift.set_defaults(handler=cmd_drift)

    serve = commands.add_parser("serve", help="the online classification service (HTTP, key in X-API-Key)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="service processes (default 1)")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
