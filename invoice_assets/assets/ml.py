"""The ML half of the asset graph: labels → labelled invoices → candidate classifier (gated) → champion
→ predictions per batch.

The gates are blocking checks on the candidate. A checked asset is materialized even when its check
fails, so promotion is its own downstream asset (`champion_model`): a failing gate skips promotion
and predictions in the same run, and `all_deps_blocking_checks_passed` keeps automation from
promoting it in a later run.
"""

import tempfile
from functools import partial
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AutomationCondition,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from invoice_assets.assets.etl import OWNERS, invoice_fields, markdown_table
from invoice_assets.gates import evaluate_gates, litert_gate
from invoice_assets.labels import parse_labels_csv
from invoice_assets.partitions import batch_partitions
from invoice_assets.records import (
    batch_texts,
    documents_by_name,
    load_labeled_invoices,
    refresh_labeled_view,
    replace_labels,
    replace_predictions,
    reviewed_labels,
)
from invoice_assets.run_log import PROGRESS
from resources.database import DatabaseResource
from resources.mlflow_tracking import CHALLENGER, CHAMPION, MlflowTracking
from resources.quality import ModelGates
from resources.storage import InvoiceStorage

# TensorFlow, Keras, scikit-learn and MLflow are imported inside the assets that use them: every ETL step
# process loads this module, and the user-code image does not even install the training libraries
# (invoice_predictions runs the champion's LiteRT file; tests/test_usercode_imports.py guards this).

ML_GROUP = "ml"
REFERENCE_ARTIFACT = "reference_sha256.json"
GATES = ("macro_f1", "not_worse_than_baseline", "class_recall", "not_worse_than_champion", "litert_agreement")
LITERT_VERIFIED_TAG = "litert_verified"
"""Model-version tag: "true" once the version's LiteRT file passed the agreement gate."""


class LabelsConfig(Config):
    labels_paths: list[str] = Field(
        default_factory=list,
        description="Labels CSVs to load besides those in the inbox (paths, or s3:// URIs with an S3 inbox).",
    )


@asset(
    group_name=ML_GROUP,
    kinds={"python", "sql"},
    owners=OWNERS,
    deps=[invoice_fields],
    description="Labels from the labels CSVs (inbox and given paths) and from the review queue, matched to "
    "documents by file name (`invoice_labels` table). Unknown labels and unknown files are listed.",
)
def invoice_labels(
    context: AssetExecutionContext, config: LabelsConfig, storage: InvoiceStorage, database: DatabaseResource
) -> MaterializeResult:
    sources = [(key, storage.read_inbox(key)) for key in storage.list_label_files()]
    sources += [(path, storage.read_location(path)) for path in config.labels_paths]
    unknown_labels: list[dict[str, str]] = []
    unknown_files: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    labels: dict[str, dict[str, str]] = {}
    with database.engine.begin() as conn:
        names = documents_by_name(conn)
        for source, data in sources:
            parsed = parse_labels_csv(data.decode("utf-8", errors="replace"), source)
            if parsed.problem:
                skipped.append({"source": source, "reason": parsed.problem})
                continue
            unknown_labels += parsed.unknown_labels
            for row in parsed.rows:
                matches = names.get(row.file, set())
                if len(matches) != 1:
                    why = "no such file was received" if not matches else "several documents have this name"
                    unknown_files.append(
                        {"source": source, "line": str(row.line), "file": row.file, "reason": why}
                    )
                    continue
                (sha256,) = matches
                labels[sha256] = {"sha256": sha256, "file": row.file, "label": row.label, "source": source}
        for review in reviewed_labels(conn):
            labels[review["sha256"]] = review
        stored = replace_labels(conn, labels.values())
    if unknown_labels or unknown_files:
        context.log.warning(f"{len(unknown_labels)} unknown label values, {len(unknown_files)} unknown files")
    return MaterializeResult(
        metadata={
            "labels": stored,
            "sources": len(sources),
            "unknown_label_values": len(unknown_labels),
            "unknown_files": len(unknown_files),
            "skipped_csvs": MetadataValue.md(
                markdown_table(skipped, ("source", "reason")) if skipped else "none"
            ),
            "unknown_label_rows": MetadataValue.md(
                markdown_table(unknown_labels[:200], ("source", "line", "file", "label"))
                if unknown_labels
                else "none"
            ),
            "unknown_file_rows": MetadataValue.md(
                markdown_table(unknown_files[:200], ("source", "line", "file", "reason"))
                if unknown_files
                else "none"
            ),
        }
    )


@asset(
    group_name=ML_GROUP,
    kinds={"sql"},
    owners=OWNERS,
    deps=[invoice_labels],
    description="The `labeled_invoices` SQL view: extracted fields and label of every labelled invoice "
    "(the training code adds the OCR text), with class counts.",
)
def labeled_invoices(database: DatabaseResource) -> MaterializeResult:
    with database.engine.begin() as conn:
        refresh_labeled_view(conn)
        dataset = load_labeled_invoices(conn)
    counts: dict[str, int] = {}
    for item in dataset:
        counts[item.label] = counts.get(item.label, 0) + 1
    return MaterializeResult(
        metadata={"invoices": len(dataset), **{f"label_{k}": v for k, v in sorted(counts.items())}}
    )


class TrainingConfig(Config):
    seed: int = Field(default=20261127, description="Seed of the vectorizer, the network and the baseline.")
    max_epochs: int = Field(default=30, description="Upper bound; early stopping ends sooner.")


@asset(
    group_name=ML_GROUP,
    kinds={"tensorflow", "keras", "mlflow"},
    owners=OWNERS,
    deps=[labeled_invoices],
    check_specs=[AssetCheckSpec(name, asset="invoice_classifier", blocking=True) for name in GATES],
    description="A candidate Keras CNN trained on the labelled invoices (split by sha256), exported to "
    "LiteRT (what serves: inference needs no TensorFlow), logged to MLflow with the TF-IDF baseline beside "
    "it and registered as a new `invoice-classifier` version (alias `challenger`). The blocking checks are "
    "the promotion gates, LiteRT/Keras agreement on the test split among them.",
)
def invoice_classifier(
    context: AssetExecutionContext,
    config: TrainingConfig,
    database: DatabaseResource,
    mlflow_tracking: MlflowTracking,
    model_gates: ModelGates,
):
    import mlflow

    from invoice_assets.ml.metrics import confusion_matrix_png, evaluate
    from invoice_assets.ml.model import CnnParams
    from invoice_assets.model_package import log_classifier, to_predictions
    from invoice_assets.training import NotEnoughData, train_round

    with database.engine.connect() as conn:
        dataset = load_labeled_invoices(conn)
    params = CnnParams(max_epochs=config.max_epochs)
    with (
        tempfile.TemporaryDirectory(prefix="invoice-classifier-") as scratch,
        mlflow_tracking.start_run(
            run_name=f"dagster-{context.run_id[:8]}", tags={"dagster_run_id": context.run_id}
        ),
    ):
        mlflow.log_params({**params.as_dict(), "seed": config.seed, "labelled_invoices": len(dataset)})
        context.log.info(f"training on {len(dataset)} labelled invoices")
        try:
            trained_round = train_round(
                dataset,
                params,
                config.seed,
                Path(scratch) / "network.tflite",
                on_epoch_end=partial(_report_epoch, context, params.max_epochs),
            )
        except NotEnoughData as error:
            raise Failure(str(error)) from error
        cnn, baseline, splits = trained_round.cnn, trained_round.baseline, trained_round.splits
        test, litert = splits["test"], trained_round.litert
        champion_version = mlflow_tracking.version_for_alias(CHAMPION)
        champion_f1 = None
        if champion_version is not None:
            champion = load_champion_for_comparison(mlflow_tracking, champion_version)
            champion_labels = [p.label for p in to_predictions(champion.predict_proba(test.texts))]
            champion_f1 = evaluate(test.labels, champion_labels).macro_f1
            mlflow.log_metric("champion_test_macro_f1", champion_f1)
        mlflow.log_params({f"{name}_size": len(part.labels) for name, part in splits.items()})
        # Drift reports compare new weeks with data the model did not fit on: remember which it was.
        held_out = sorted(splits["validation"].sha256s + test.sha256s)
        mlflow.log_dict({"sha256": held_out}, REFERENCE_ARTIFACT)
        mlflow.log_metrics({f"test_{k}": v for k, v in cnn.as_flat_dict().items()})
        mlflow.log_metrics({f"baseline_test_{k}": v for k, v in baseline.as_flat_dict().items()})
        mlflow.log_metrics(
            {"epochs_run": trained_round.trained.epochs_run, "best_epoch": trained_round.trained.best_epoch}
        )
        mlflow.log_metrics(
            {"litert_agreement": litert.share, "litert_max_abs_difference": litert.max_abs_difference}
        )
        png = Path(scratch) / "confusion_matrix.png"
        png.write_bytes(confusion_matrix_png(cnn.confusion, cnn.labels, title="CNN, test split"))
        mlflow.log_artifact(str(png))
        info = log_classifier(
            trained_round.trained.model,
            trained_round.trained.vectorizer,
            trained_round.litert_path,
            mlflow_tracking.registered_model,
        )
        version = str(info.registered_model_version)
        mlflow_tracking.set_alias(CHALLENGER, version)
        thresholds = model_gates.thresholds()
        gates = evaluate_gates(cnn.macro_f1, cnn.recall, baseline.macro_f1, champion_f1, thresholds)
        gates.append(litert_gate(litert.share, litert.texts, litert.max_abs_difference, thresholds))
        mlflow.set_tags({f"gate_{g.name}": "passed" if g.passed else "failed" for g in gates})
        mlflow_tracking.set_version_tags(
            version,
            {
                "litert_agreement": f"{litert.share:.6f}",
                LITERT_VERIFIED_TAG: "true" if gates[-1].passed else "false",
            },
        )
        run_id = mlflow.active_run().info.run_id
        litert_bytes = trained_round.litert_path.stat().st_size

    passed = sum(g.passed for g in gates)
    context.log.info(
        f"version {version}: test macro F1 {cnn.macro_f1:.3f} (baseline {baseline.macro_f1:.3f}) after "
        f"{trained_round.trained.epochs_run} epochs; gates passed {passed}/{len(gates)}"
    )
    gate_rows = [{"gate": g.name, "passed": "yes" if g.passed else "NO", "detail": g.detail} for g in gates]
    yield MaterializeResult(
        metadata={
            "model_version": version,
            "mlflow_run_id": run_id,
            "test_macro_f1": round(cnn.macro_f1, 4),
            "baseline_test_macro_f1": round(baseline.macro_f1, 4),
            "champion_test_macro_f1": None if champion_f1 is None else round(champion_f1, 4),
            "champion_version_before": champion_version,
            "train_size": len(splits["train"].labels),
            "test_size": len(test.labels),
            "epochs_run": trained_round.trained.epochs_run,
            "litert_agreement": round(litert.share, 6),
            "litert_max_abs_difference": litert.max_abs_difference,
            "litert_size_bytes": litert_bytes,
            "gates": MetadataValue.md(markdown_table(gate_rows, ("gate", "passed", "detail"))),
        }
    )
    for gate in gates:
        yield AssetCheckResult(
            check_name=gate.name,
            passed=gate.passed,
            severity=AssetCheckSeverity.ERROR,
            description=gate.detail,
            metadata={"value": gate.value, "threshold": gate.threshold, "model_version": version},
        )


@asset(
    group_name=ML_GROUP,
    kinds={"mlflow"},
    owners=OWNERS,
    deps=[invoice_classifier],
    automation_condition=AutomationCondition.eager() & AutomationCondition.all_deps_blocking_checks_passed(),
    description="Promotion: moves the `champion` alias to the candidate, whose LiteRT file then serves. Runs "
    "only after every gate passed (and refuses a version without a verified LiteRT file).",
)
def champion_model(context: AssetExecutionContext, mlflow_tracking: MlflowTracking) -> MaterializeResult:
    event = context.instance.get_latest_materialization_event(AssetKey("invoice_classifier"))
    if event is None or event.asset_materialization is None:
        raise Failure("no candidate: materialize invoice_classifier first")
    version = str(event.asset_materialization.metadata["model_version"].value)
    if mlflow_tracking.version_tags(version).get(LITERT_VERIFIED_TAG) != "true":
        raise Failure(
            f"version {version} has no LiteRT file that passed the litert_agreement gate, and the champion "
            "is served from LiteRT: train a new candidate (invoices train, or the training job)"
        )
    previous = mlflow_tracking.version_for_alias(CHAMPION)
    mlflow_tracking.set_alias(CHAMPION, version)
    context.log.info(f"champion: version {previous} → {version}")
    return MaterializeResult(metadata={"model_version": version, "previous_version": previous})


def _report_epoch(
    context: AssetExecutionContext, max_epochs: int, epoch: int, metrics: dict[str, float]
) -> None:
    """One training epoch: its metrics to the MLflow run, a progress line to the run log."""
    import mlflow

    mlflow.log_metrics(metrics, step=epoch)
    shown = ", ".join(f"{name} {value:.3f}" for name, value in sorted(metrics.items()))
    context.log.info(f"epoch {epoch + 1}/{max_epochs}: {shown}", extra={PROGRESS: True})


def load_champion_for_comparison(mlflow_tracking: MlflowTracking, version: str):
    """The champion as it serves (LiteRT); a champion logged before LiteRT export existed through its
    Keras network instead (training runs where TensorFlow is installed), so retraining is never blocked."""
    from invoice_assets.model_package import MissingLiteRtModel

    try:
        return mlflow_tracking.load_classifier(version)
    except MissingLiteRtModel:
        return mlflow_tracking.load_keras_classifier(version)


class PredictionConfig(Config):
    review_below_probability: float = Field(
        default=0.75, description="Predictions less confident than this go to the `review_queue` table."
    )


@asset(
    partitions_def=batch_partitions,
    group_name=ML_GROUP,
    kinds={"litert", "sql"},
    owners=OWNERS,
    deps=[invoice_fields, champion_model],
    automation_condition=AutomationCondition.eager(),
    description="The champion's label and probability for every invoice of the batch "
    "(`invoice_predictions`, replaced on re-materialization); uncertain ones join `review_queue`.",
)
def invoice_predictions(
    context: AssetExecutionContext,
    config: PredictionConfig,
    database: DatabaseResource,
    mlflow_tracking: MlflowTracking,
) -> MaterializeResult:
    from invoice_assets.model_package import to_predictions

    batch = context.partition_key
    version = mlflow_tracking.version_for_alias(CHAMPION)
    if version is None:
        raise Failure("no champion model yet: train one (invoices train, or materialize the training job)")
    classifier = mlflow_tracking.load_classifier(version)
    with database.engine.connect() as conn:
        texts = batch_texts(conn, batch)
    predictions = to_predictions(classifier.predict_proba([t.text for t in texts])) if texts else []
    rows = [
        {"sha256": t.sha256, "label": p.label, "probability": p.probability, "model_version": version}
        for t, p in zip(texts, predictions, strict=True)
    ]
    with database.engine.begin() as conn:
        queued = replace_predictions(conn, batch, rows, config.review_below_probability)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    shown = ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))
    context.log.info(f"batch {batch}: {shown or 'no invoices'} by version {version}; {queued} to review")
    return MaterializeResult(
        metadata={
            "predictions": len(rows),
            "model_version": version,
            "queued_for_review": queued,
            **{f"label_{k}": v for k, v in sorted(counts.items())},
        }
    )


ml_assets = [invoice_labels, labeled_invoices, invoice_classifier, champion_model, invoice_predictions]
