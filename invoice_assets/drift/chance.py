"""How large a distance gets by chance alone: random relabellings of the pooled rows.

Above ``small_sample_max`` rows a distance's threshold is the larger of the configured effect size and its
*chance floor*: the ``1 - level`` quantile of the distance when the rows' reference/current labels are
shuffled, estimated on a subsample, scaled by ``sqrt(1/n_ref + 1/n_cur)`` and read from a moment-matched
gamma distribution. Why (noise alone reaches 0.1 just above 1,000 rows): docs/decisions.md.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from invoice_assets.drift.result import FeatureDrift


def relabellings(n_reference: int, n_current: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random labellings of ``n_reference + n_current`` pooled rows: a boolean matrix
    ``[count, n_reference + n_current]``, True for the rows labelled current, ``n_current`` per row."""
    base = np.zeros(n_reference + n_current, dtype=bool)
    base[n_reference:] = True
    return rng.permuted(np.tile(base, (count, 1)), axis=1)


def subsample(values: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``limit`` rows of ``values`` (first axis), drawn without replacement."""
    if len(values) <= limit:
        return values
    return values[np.sort(rng.choice(len(values), size=limit, replace=False))]


def size_factor(n_reference: int, n_current: int, s_reference: int, s_current: int) -> float:
    """Factor from a distance's noise at sizes ``s_*`` to its noise at sizes ``n_*``."""
    return math.sqrt((1 / n_reference + 1 / n_current) / (1 / s_reference + 1 / s_current))


def upper_quantile(null_statistics: np.ndarray, level: float) -> float:
    """The ``1 - level`` quantile of a gamma fitted by moments to ``null_statistics`` (all >= 0)."""
    mean = float(np.mean(null_statistics))
    variance = float(np.var(null_statistics))
    if mean <= 0 or variance <= 0:
        return float(np.max(null_statistics))
    return float(stats.gamma.ppf(1 - level, mean * mean / variance, scale=variance / mean))


def chance_floor(
    null_statistics: np.ndarray, level: float, sizes: tuple[int, int], sampled: tuple[int, int]
) -> float:
    """The distance that random relabelling exceeds with probability ``level`` at the real ``sizes``,
    from relabelled distances computed on subsamples of ``sampled`` sizes."""
    return upper_quantile(null_statistics, level) * size_factor(*sizes, *sampled)


def distance_drift(
    name: str,
    kind: str,
    method: str,
    distance: float,
    *,
    configured: float,
    floor: float,
    sizes: tuple[int, int],
) -> FeatureDrift:
    """A distance compared with the larger of its configured threshold and its chance floor, with a note
    when chance raised the threshold."""
    threshold, note = configured, ""
    if floor > configured:
        threshold, note = floor, f"threshold raised from {configured:g} to the chance floor at these sizes"
    return FeatureDrift(name, kind, method, distance, None, threshold, distance > threshold, *sizes, note)
