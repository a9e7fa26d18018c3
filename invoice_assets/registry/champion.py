"""The champion: the registered version behind the `champion` alias, which every prediction path uses."""

from __future__ import annotations

from dataclasses import dataclass

from invoice_assets.ml.litert import LiteRtClassifier
from invoice_assets.registry.mlflow_registry import MlflowRegistry

CHAMPION = "champion"
"""The alias of the version that serves; only the `champion_model` asset moves it."""
CHALLENGER = "challenger"
"""The alias of the newest candidate, gated or not."""


class NoChampion(LookupError):
    """No version has the champion alias yet; the message says what to do."""


@dataclass(frozen=True)
class Champion:
    version: str
    classifier: LiteRtClassifier


def champion_version(registry: MlflowRegistry) -> str:
    """The version behind the champion alias; raises NoChampion when there is none."""
    version = registry.version_for_alias(CHAMPION)
    if version is None:
        raise NoChampion(
            f"no champion model yet (no version has the alias `{CHAMPION}` in {registry.tracking_uri}): "
            "run `invoices train --inbox DIR --labels CSV` (or `invoices demo`) first"
        )
    return version


def load_champion(registry: MlflowRegistry) -> Champion:
    """The champion's version and its classifier as it serves (LiteRT)."""
    version = champion_version(registry)
    return Champion(version, registry.load_classifier(version))
