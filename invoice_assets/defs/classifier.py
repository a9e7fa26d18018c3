"""The gated classifier candidate (MLflow run and registry) and its promotion to champion."""

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

from invoice_assets.defs.etl import OWNERS, markdown_table
from invoice_assets.defs.labels import ML_GROUP, labeled_invoices
from invoice_assets.defs.run_log import PROGRESS
from invoice_assets.ml.metrics import confusion_matrix_png, evaluate
from invoice_assets.ml.predictions import to_predictions
from invoice_assets.registry.artifacts import LITERT_VERIFIED_TAG, REFERENCE_ARTIFACT, MissingLiteRtModel
from invoice_assets.registry.champion import CHALLENGER, CHAMPION
from invoice_assets.registry.loading import log_classifier
from invoice_assets.registry.mlflow_registry import MlflowRegistry
from invoice_assets.store.labels import (
    load_labeled_invoices,
)
from invoice_assets.training.gates import GATE_NAMES, evaluate_gates, litert_gate
from resources.database import DatabaseResource
from resources.mlflow_tracking import MlflowTracking
from resources.quality import ModelGates


class TrainingConfig(Config):
    seed: int = Field(default=20261127, description="Seed of the vectorizer, the network and the baseline.")
    max_epochs: int = Field(default=30, description="Upper bound; early stopping ends sooner.")


@asset(
    group_name=ML_GROUP,
    kinds={"tensorflow", "keras", "mlflow"},
    owners=OWNERS,
    deps=[labeled_invoices],
    check_specs=[AssetCheckSpec(name, asset="invoice_classifier", blocking=True) for name in GATE_NAMES],
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
    # TensorFlow, Keras and full MLflow are in the training extra only, not in the user-code image
    import mlflow

    from invoice_assets.ml.model import CnnParams
    from invoice_assets.training.rounds import NotEnoughData, train_round

    registry = mlflow_tracking.registry()
    with database.engine.connect() as conn:
        dataset = load_labeled_invoices(conn)
    params = CnnParams(max_epochs=config.max_epochs)
    with (
        tempfile.TemporaryDirectory(prefix="invoice-classifier-") as scratch,
        registry.start_run(run_name=f"dagster-{context.run_id[:8]}", tags={"dagster_run_id": context.run_id}),
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
        champion_version = registry.version_for_alias(CHAMPION)
        champion_f1 = None
        if champion_version is not None:
            champion = load_champion_for_comparison(registry, champion_version)
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
            registry.registered_model,
        )
        version = str(info.registered_model_version)
        registry.set_alias(CHALLENGER, version)
        thresholds = model_gates.thresholds()
        gates = evaluate_gates(cnn.macro_f1, cnn.recall, baseline.macro_f1, champion_f1, thresholds)
        gates.append(litert_gate(litert.share, litert.texts, litert.max_abs_difference, thresholds))
        mlflow.set_tags({f"gate_{g.name}": "passed" if g.passed else "failed" for g in gates})
        registry.set_version_tags(
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
    registry = mlflow_tracking.registry()
    if registry.version_tags(version).get(LITERT_VERIFIED_TAG) != "true":
        raise Failure(
            f"version {version} has no LiteRT file that passed the litert_agreement gate, and the champion "
            "is served from LiteRT: train a new candidate (invoices train, or the training job)"
        )
    previous = registry.version_for_alias(CHAMPION)
    registry.set_alias(CHAMPION, version)
    context.log.info(f"champion: version {previous} → {version}")
    return MaterializeResult(metadata={"model_version": version, "previous_version": previous})


def _report_epoch(
    context: AssetExecutionContext, max_epochs: int, epoch: int, metrics: dict[str, float]
) -> None:
    """One training epoch: its metrics to the MLflow run, a progress line to the run log."""
    import mlflow  # MLflow takes seconds to import: only training runs pay for it

    mlflow.log_metrics(metrics, step=epoch)
    shown = ", ".join(f"{name} {value:.3f}" for name, value in sorted(metrics.items()))
    context.log.info(f"epoch {epoch + 1}/{max_epochs}: {shown}", extra={PROGRESS: True})


def load_champion_for_comparison(registry: MlflowRegistry, version: str):
    """The champion as it serves (LiteRT); a champion logged before LiteRT export existed through its
    Keras network instead (training runs where TensorFlow is installed), so retraining is never blocked."""
    try:
        return registry.load_classifier(version)
    except MissingLiteRtModel:
        return registry.load_keras_classifier(version)
