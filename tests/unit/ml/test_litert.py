"""LiteRT export and inference: the file that serves predicts what the evaluated Keras network predicts, the
loader hands out the LiteRT predictor, and a version whose export disagrees never becomes champion.

Real components throughout: Keras 3 export, the ai-edge-litert interpreter, MLflow's SQLite store, and
for the gate a real training run over OCR'd invoices in a Dagster instance.
"""

from __future__ import annotations

import numpy as np
import pytest
from dagster import AssetSelection, materialize
from sqlalchemy import select

from invoice_assets.ml.litert import BATCH_SIZE, LiteRtClassifier, agreement, export_litert
from invoice_assets.ml.train import predict_proba
from invoice_assets.registry.champion import CHALLENGER, CHAMPION
from invoice_assets.store.labels import load_labeled_invoices
from invoice_assets.store.tables import invoice_predictions
from invoice_assets.training.gates import GateThresholds, litert_gate
from invoice_assets.training.rounds import split_dataset
from resources.environment import build_resources
from resources.quality import ModelGates
from tests.support.litert_helpers import TEXTS, log_champion, small_network, tracking_in
from tests.support.ml_helpers import ALL_ASSETS, LENIENT, train

TARGET = 0.995


def test_agreement_counts_labels_and_the_largest_probability_difference():
    keras = np.array([[0.9, 0.1], [0.4, 0.6], [0.51, 0.49], [0.2, 0.8]])
    litert = np.array([[0.9, 0.1], [0.4, 0.6], [0.49, 0.51], [0.25, 0.75]])
    result = agreement(keras, litert)
    assert result.share == 0.75 and result.texts == 4
    assert result.max_abs_difference == pytest.approx(0.05)
    assert agreement(np.zeros((0, 2)), np.zeros((0, 2))).share == 1.0
    with pytest.raises(ValueError, match="shape"):
        agreement(keras, litert[:3])


def test_litert_gate_passes_at_the_threshold_and_fails_below():
    thresholds = GateThresholds()
    assert litert_gate(0.995, 200, 1e-7, thresholds).passed
    failed = litert_gate(0.99, 200, 0.3, thresholds)
    assert not failed.passed and failed.name == "litert_agreement"
    assert "99.00%" in failed.detail and "200" in failed.detail


def test_exported_network_reproduces_keras_in_batches_across_the_batch_size(tmp_path):
    model, vectorizer = small_network()
    # more texts than one interpreter batch, each a different mix, so batching and order both matter
    texts = [
        " ".join(TEXTS[i % len(TEXTS)].split()[: 3 + i % 7]) + f" pieza {i}" for i in range(BATCH_SIZE + 37)
    ]
    path = export_litert(model, tmp_path / "network.tflite")
    litert = LiteRtClassifier(path.read_bytes(), vectorizer)
    expected = predict_proba(model, vectorizer, texts)
    got = litert.predict_proba(texts)
    assert got.shape == (len(texts), 2)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert agreement(expected, got).share == 1.0
    assert litert.predict_proba([]).shape == (0, 2)

    # A web server calls one predictor from several threads: each caller gets its own texts' answers.
    from concurrent.futures import ThreadPoolExecutor

    chunks = [texts[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda chunk: [litert.predict_proba([t]) for t in chunk], chunks))
    for i, answer in enumerate(answers):
        np.testing.assert_allclose(np.concatenate(answer), expected[i::4], atol=1e-5)


def test_the_loader_returns_the_litert_predictor_of_a_registered_version(tmp_path):
    tracking = tracking_in(tmp_path / "mlflow")
    version, keras_probabilities = log_champion(tracking)
    classifier = tracking.load_classifier(version)
    assert isinstance(classifier, LiteRtClassifier)
    np.testing.assert_allclose(classifier.predict_proba(TEXTS), keras_probabilities, atol=1e-5)
    keras_side = tracking.load_keras_classifier(version)
    np.testing.assert_allclose(keras_side.predict_proba(TEXTS), keras_probabilities, atol=1e-6)

    # MLflow's own pyfunc loader (for anyone outside the platform) serves from the same LiteRT file.
    import mlflow.pyfunc
    import pandas as pd

    pyfunc = mlflow.pyfunc.load_model(tracking.model_uri(version))
    frame = pyfunc.predict(pd.DataFrame({"text": TEXTS}))
    assert list(frame.columns) == ["label", "probability"]
    np.testing.assert_allclose(frame["probability"], keras_probabilities.max(axis=1), atol=1e-5)
    assert isinstance(pyfunc.unwrap_python_model().classifier, LiteRtClassifier)


def test_training_verifies_the_litert_export_and_the_champion_serves_from_it(ml_home):
    settings, instance, batch = ml_home
    result = train(settings, instance, batch, LENIENT)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["litert_agreement"].passed
    meta = result.asset_materializations_for_node("invoice_classifier")[0].metadata
    assert meta["litert_agreement"].value >= TARGET
    assert meta["litert_size_bytes"].value > 0

    resources = build_resources(settings)
    tracking = resources["mlflow_tracking"].registry()
    version = tracking.version_for_alias(CHAMPION)
    assert version == meta["model_version"].value
    run = tracking.client().get_run(meta["mlflow_run_id"].value)
    assert run.data.metrics["litert_agreement"] == pytest.approx(meta["litert_agreement"].value)
    assert tracking.version_tags(version)["litert_verified"] == "true"

    # Independently of the asset: the champion's two halves, downloaded again, agree on the test split.
    with resources["database"].engine.connect() as conn:
        test = split_dataset(load_labeled_invoices(conn))["test"]
    served = tracking.load_classifier(version)
    assert isinstance(served, LiteRtClassifier)
    litert_probabilities = served.predict_proba(test.texts)
    measured = agreement(
        tracking.load_keras_classifier(version).predict_proba(test.texts), litert_probabilities
    )
    assert measured.texts == meta["test_size"].value
    assert measured.share >= TARGET

    # The predictions the asset stored are the LiteRT predictor's.
    with resources["database"].engine.connect() as conn:
        stored = {row.sha256: row for row in conn.execute(select(invoice_predictions))}
    for sha256, probabilities in zip(test.sha256s, litert_probabilities, strict=True):
        assert stored[sha256].probability == pytest.approx(float(probabilities.max()), abs=1e-6)


def test_a_candidate_whose_litert_export_disagrees_is_never_promoted(ml_home):
    settings, instance, batch = ml_home
    impossible = ModelGates(
        min_macro_f1=0.0,
        max_gap_to_baseline=1.0,
        min_class_recall=0.0,
        max_regression_to_champion=1.0,
        min_litert_agreement=1.01,
    )
    failing = train(settings, instance, batch, impossible)
    checks = {e.check_name: e.passed for e in failing.get_asset_check_evaluations()}
    assert checks["litert_agreement"] is False
    assert all(passed for name, passed in checks.items() if name != "litert_agreement")
    tracking = build_resources(settings)["mlflow_tracking"].registry()
    assert tracking.version_for_alias(CHALLENGER) == "1"
    assert tracking.version_for_alias(CHAMPION) is None
    materialized = {e.asset_key.to_user_string() for e in failing.get_asset_materialization_events()}
    assert "champion_model" not in materialized and "invoice_predictions" not in materialized
    assert tracking.version_tags("1")["litert_verified"] == "false"

    # Materializing promotion by hand does not get around it either.
    by_hand = materialize(
        ALL_ASSETS,
        selection=AssetSelection.assets("champion_model"),
        instance=instance,
        resources=build_resources(settings),
        raise_on_error=False,
    )
    assert not by_hand.success
    assert tracking.version_for_alias(CHAMPION) is None


def test_predict_explains_a_champion_logged_before_the_litert_export(tmp_path, monkeypatch, capsys):
    import mlflow

    from invoice_assets.cli import main

    tracking = tracking_in(tmp_path / "mlflow")
    with tracking.start_run("before-litert") as run:
        mlflow.log_text("{}", "model/vectorizer.json")  # an old package: no network.tflite beside it
    client = tracking.client()
    client.create_registered_model(tracking.registered_model)
    old = client.create_model_version(
        tracking.registered_model, f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    tracking.set_alias(CHAMPION, str(old.version))
    monkeypatch.setenv("INVOICES_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking.tracking_uri)

    assert main(["predict", str(tmp_path / "any.png")]) == 2
    error = capsys.readouterr().err
    assert "the champion model cannot be used" in error and "Train a new version" in error
