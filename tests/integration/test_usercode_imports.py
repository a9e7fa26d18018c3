"""The user-code paths run without the training libraries: a child process that refuses to import them loads
the definitions, builds them, evaluates the inbox sensor, predicts with a logged model through LiteRT, and
runs `invoices predict`.

Why a child process with a meta-path finder: the test process has TensorFlow, pandas and friends loaded
already (and installed), so an accidental module-level `import keras` in a user-code module would go
unnoticed here, while the user-code image (which does not install them) would fail to start. The finder
makes those imports fail the way they fail there. The first test proves the harness does catch one.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from tests.support.litert_helpers import TEXTS, log_champion, tracking_in
from tests.support.user_code_guard import run_guarded


def test_the_guard_refuses_a_module_level_keras_import():
    """The harness itself: a module importing Keras at module level fails under it (so the tests below
    would catch such an import on a user-code path)."""
    done = run_guarded("import invoice_assets.ml.model")
    assert done.returncode != 0
    assert "not installed in the user-code image: keras" in done.stderr


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory):
    """One small network logged as champion of a temporary MLflow store, shared by this module's tests."""
    tracking = tracking_in(tmp_path_factory.mktemp("mlflow"))
    version, keras_probabilities = log_champion(tracking)
    return tracking, version, keras_probabilities


def test_definitions_sensor_and_litert_prediction_run_without_training_libraries(tmp_path, champion):
    tracking, version, keras_probabilities = champion
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    (home / "inbox" / "scan-0001.png").write_bytes(b"the sensor only lists")

    done = run_guarded(
        f"""
        import json
        from dagster import DagsterInstance, build_sensor_context

        from invoice_assets.definitions import build_defs
        from invoice_assets.settings import load_settings
        from invoice_assets.registry.mlflow_registry import MlflowRegistry
        from sensors.inbox import inbox_sensor

        settings = load_settings({{"INVOICES_HOME": {str(home)!r}}})
        defs = build_defs(settings)
        jobs = sorted(job.name for job in defs.resolve_all_job_defs())
        resources = defs.resources
        with DagsterInstance.ephemeral() as instance:
            result = inbox_sensor(
                build_sensor_context(instance=instance, resources={{"storage": resources["storage"]}})
            )
        tracking = MlflowRegistry(tracking_uri={tracking.tracking_uri!r}, artifact_root="unused")
        classifier = tracking.load_classifier({version!r})
        probabilities = classifier.predict_proba({TEXTS!r})
        print(json.dumps({{
            "jobs": jobs,
            "requested": len(result.run_requests),
            "classifier": type(classifier).__name__,
            "probabilities": probabilities.tolist(),
        }}))
        """
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"etl_job", "prediction_job", "training_job", "drift_job"} <= set(out["jobs"])
    assert out["requested"] == 1, "the sensor saw the inbox file"
    assert out["classifier"] == "LiteRtClassifier"
    litert = np.asarray(out["probabilities"])
    assert litert.shape == keras_probabilities.shape
    np.testing.assert_allclose(litert, keras_probabilities, atol=1e-5)


def test_invoices_predict_runs_without_training_libraries(tmp_path, champion, generated_invoices):
    tracking, version, _ = champion
    home = tmp_path / "home"
    invoice = generated_invoices.files[0]

    done = run_guarded(
        f"""
        import sys
        from invoice_assets.cli import main

        sys.exit(main(["predict", {str(invoice)!r}]))
        """,
        env={"INVOICES_HOME": str(home), "MLFLOW_TRACKING_URI": tracking.tracking_uri},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["file"] == str(invoice)
    assert row["model_version"] == version
    assert row["label"] in {"corrective", "preventive"}
    assert 0.5 <= row["probability"] <= 1.0


def test_the_user_code_set_installs_under_500_mb_and_serves_the_champion_without_training_libraries(
    tmp_path, champion
):
    """Not a simulation: a fresh venv of exactly the locked base set (`uv sync --frozen`, from uv's cache
    where an earlier sync filled it, else from the registry) is under the limit, and in it, where
    TensorFlow, pandas, SciPy and full MLflow are simply not installed, mlflow-skinny reads the SQLite
    store and registry and the champion predicts through LiteRT."""
    from benchmarks.usercode_size import LIMIT_MB, build_venv, measure

    tracking, version, keras_probabilities = champion
    venv = tmp_path / "base"
    python = build_venv(venv, extras=[])
    size = measure(venv)
    assert size.total_mb <= LIMIT_MB, f"user-code set {size.total_mb:.0f} MB"
    assert not {"tensorflow", "keras", "pandas", "scipy", "matplotlib", "mlflow"} & set(size.packages)

    script = f"""
import json
from invoice_assets.definitions import build_defs
from invoice_assets.settings import load_settings
from invoice_assets.registry.mlflow_registry import MlflowRegistry

build_defs(load_settings({{"INVOICES_HOME": {str(tmp_path / "home")!r}}})).resolve_all_job_defs()
tracking = MlflowRegistry(tracking_uri={tracking.tracking_uri!r}, artifact_root="unused")
print(json.dumps(tracking.load_classifier({version!r}).predict_proba({TEXTS!r}).tolist()))
"""
    done = subprocess.run(
        [str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    probabilities = np.asarray(json.loads(done.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(probabilities, keras_probabilities, atol=1e-5)
