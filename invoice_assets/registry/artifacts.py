"""The files of a registered classifier version, and downloading one of them."""

from __future__ import annotations

from pathlib import Path

KERAS_FILE = "network.keras"
LITERT_FILE = "network.tflite"
VECTORIZER_FILE = "vectorizer.json"
ARTIFACTS_FOLDER = "artifacts"
"""Where MLflow's pyfunc flavor copies the ``artifacts`` of a ``PythonModel`` inside the model."""
REFERENCE_ARTIFACT = "reference_sha256.json"
"""Run artifact: the sha256s of the validation and test split, the data drift reports compare with."""
LITERT_VERIFIED_TAG = "litert_verified"
"""Model-version tag: "true" once the version's LiteRT file passed the agreement gate."""


class MissingLiteRtModel(RuntimeError):
    """The model version carries no LiteRT file (logged before the LiteRT export existed)."""


def download_model_file(model_uri: str, name: str, folder: Path) -> Path:
    """One artifact file of the model at ``model_uri`` (``models:/name/version``), downloaded into
    ``folder`` against the process's MLflow tracking and registry URIs."""
    # MLflow takes seconds to import: only the processes that load a model pay for it
    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException

    try:
        local = download_artifacts(
            artifact_uri=f"{model_uri}/{ARTIFACTS_FOLDER}/{name}", dst_path=str(folder)
        )
    except (MlflowException, OSError) as error:
        if name == LITERT_FILE:
            raise MissingLiteRtModel(
                f"{model_uri} has no {ARTIFACTS_FOLDER}/{LITERT_FILE}: it was logged before models were "
                "exported to LiteRT. Train a new version (invoices train, or the training job) and let it "
                "pass the gates to become champion."
            ) from error
        raise
    return Path(local)
