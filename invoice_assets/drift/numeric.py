"""Numeric features: has the distribution of a number (total, OCR confidence, probability...) moved?

Up to ``small_sample_max`` values per side: the two-sample Kolmogorov-Smirnov test (scipy). Above that:
the Wasserstein distance divided by the reference's standard deviation (a shift of ``d`` standard
deviations scores ``d``), against ``wasserstein_threshold`` or its chance floor (see ``chance``). Why these
two, and the standard deviation rather than the IQR: docs/decisions.md.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from invoice_assets.drift.chance import (
    chance_floor,
    distance_drift,
    relabellings,
    subsample,
)
from invoice_assets.drift.config import DriftConfig
from invoice_assets.drift.result import FeatureDrift
from invoice_assets.drift.values import rng_for

KS = "kolmogorov_smirnov"
WASSERSTEIN = "wasserstein_normalized"


def numeric_drift(
    name: str,
    reference: np.ndarray,
    current: np.ndarray,
    *,
    level: float,
    config: DriftConfig,
) -> FeatureDrift:
    """Compare two samples of finite numbers (each at least ``config.min_values`` long) at the feature's
    test ``level`` (from ``report.feature_levels``)."""
    n_ref, n_cur = len(reference), len(current)
    if max(n_ref, n_cur) <= config.small_sample_max:
        result = stats.ks_2samp(reference, current)
        p_value = float(result.pvalue)
        return FeatureDrift(
            name, "numeric", KS, float(result.statistic), p_value, level, p_value < level, n_ref, n_cur
        )
    scale = spread(reference)
    distance = float(stats.wasserstein_distance(reference, current)) / scale
    floor = wasserstein_floor(reference, current, level=level, config=config, rng=rng_for(config.seed, name))
    floor /= scale
    return distance_drift(
        name,
        "numeric",
        WASSERSTEIN,
        distance,
        configured=config.wasserstein_threshold,
        floor=floor,
        sizes=(n_ref, n_cur),
    )


def spread(reference: np.ndarray) -> float:
    """The unit of the normalized distance: the reference's standard deviation (see the module docstring)."""
    deviation = float(np.std(reference, ddof=1))
    if deviation > 0:
        return deviation
    magnitude = float(np.abs(reference).mean())
    return magnitude if magnitude > 0 else 1.0


def wasserstein_floor(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    level: float,
    config: DriftConfig,
    rng: np.random.Generator,
) -> float:
    """The Wasserstein distance (raw units) that random relabelling exceeds with probability ``level``."""
    ref = subsample(reference, config.small_sample_max, rng)
    cur = subsample(current, config.small_sample_max, rng)
    labels = relabellings(len(ref), len(cur), config.permutations, rng)
    null = relabelled_wasserstein(np.concatenate([ref, cur]), labels)
    return chance_floor(null, level, (len(reference), len(current)), (len(ref), len(cur)))


def relabelled_wasserstein(pooled: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Wasserstein distance between the rows labelled False and True, for every row of ``labels``.

    All labellings at once: sort the pooled values once, then each labelling's two empirical CDFs are
    cumulative sums of its labels in that order, and the distance is ``sum |F - G| * gap``.
    """
    order = np.argsort(pooled, kind="stable")
    gaps = np.diff(pooled[order])
    n_current = int(labels[0].sum())
    n_reference = labels.shape[1] - n_current
    seen_current = np.cumsum(labels[:, order], axis=1, dtype=np.int64)[:, :-1]
    seen = np.arange(1, labels.shape[1], dtype=np.int64)
    difference = (seen - seen_current) / n_reference - seen_current / n_current
    return np.abs(difference) @ gaps
