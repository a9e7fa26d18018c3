"""The model behind the `champion` alias, loaded the way the `invoice_predictions` asset loads it.

Going through `MlflowTracking.load_classifier` means the service gets whatever that loader returns (the
Keras pyfunc today, a LiteRT-backed predictor with the same interface once the production work lands)
without importing a machine learning framework itself.

`refresh` is cheap when the alias has not moved (one registry query), so the health check calls it: a
service started before the first training, or running while a new champion is promoted, picks the model
up without a restart, and requests keep using the previous one until the new one is loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from invoice_assets.model_package import Prediction, to_predictions
from resources.mlflow_tracking import CHAMPION, MlflowTracking


class NoChampion(RuntimeError):
    """No model can answer yet; the message says why and what to do."""


@dataclass(frozen=True)
class Loaded:
    version: str
    classifier: Any


class ChampionModel:
    def __init__(self, tracking: MlflowTracking):
        self._tracking = tracking
        self._loaded: Loaded | None = None
        self._refreshing = threading.Lock()
        self._predicting = threading.Lock()
        self.problem: str | None = "the champion model has not been loaded yet"

    @property
    def version(self) -> str | None:
        return self._loaded.version if self._loaded else None

    def refresh(self) -> None:
        """Load the champion if the alias points at a version other than the loaded one (blocking).

        Failures are kept in `problem` for the health check, never raised: a registry outage must not
        take down a service whose model is already in memory.
        """
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is loading; the health check reports the state as it is
        try:
            try:
                version = self._tracking.version_for_alias(CHAMPION)
            except Exception as error:  # an unreachable registry raises whatever its client raises
                self.problem = f"cannot ask MLflow ({self._tracking.tracking_uri}) for the champion: {error}"
                return
            if version is None:
                self.problem = (
                    f"no model has the alias `{CHAMPION}` in {self._tracking.tracking_uri}: run "
                    "`invoices train --inbox DIR --labels CSV` (or `invoices demo`) first"
                )
                return
            if self._loaded is not None and self._loaded.version == version:
                self.problem = None
                return
            try:
                classifier = self._tracking.load_classifier(version)
            except Exception as error:
                self.problem = f"cannot load champion version {version}: {error}"
                return
            self._loaded = Loaded(version, classifier)
            self.problem = None
        finally:
            self._refreshing.release()

    def current(self) -> Loaded:
        if self._loaded is None:
            raise NoChampion(self.problem or "no champion model is loaded")
        return self._loaded

    def predict(self, text: str) -> tuple[Prediction, str]:
        """The champion's label and probability for one document's text, with the version that gave it.

        One prediction at a time: the model object is shared by every request thread of this process.
        """
        loaded = self.current()
        with self._predicting:
            (prediction,) = to_predictions(loaded.classifier.predict_proba([text]))
        return prediction, loaded.version
