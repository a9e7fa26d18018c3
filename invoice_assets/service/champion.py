"""The champion held in memory by a service process, refreshed when the alias moves.

`refresh` costs one registry query when the alias has not moved, so the health check calls it: a service
started before the first training, or running while a new champion is promoted, picks the model up
without a restart, and requests keep the previous model until the new one is loaded.
"""

from __future__ import annotations

import threading

from invoice_assets.ml.predictions import Prediction, to_predictions
from invoice_assets.registry.champion import Champion, NoChampion, champion_version
from invoice_assets.registry.mlflow_registry import MlflowRegistry


class ChampionModel:
    def __init__(self, registry: MlflowRegistry):
        self._registry = registry
        self._loaded: Champion | None = None
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
                version = champion_version(self._registry)
            except NoChampion as error:
                self.problem = str(error)
                return
            except Exception as error:  # an unreachable registry raises whatever its client raises
                self.problem = f"cannot ask MLflow ({self._registry.tracking_uri}) for the champion: {error}"
                return
            if self._loaded is not None and self._loaded.version == version:
                self.problem = None
                return
            try:
                classifier = self._registry.load_classifier(version)
            except Exception as error:
                self.problem = f"cannot load champion version {version}: {error}"
                return
            self._loaded = Champion(version, classifier)
            self.problem = None
        finally:
            self._refreshing.release()

    def current(self) -> Champion:
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
