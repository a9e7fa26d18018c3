"""Categorical features: have the shares of suppliers, currencies, languages or predicted labels moved?

Categories are the union of both sides, so a new supplier taking a large share of the week is drift. Up to
``small_sample_max`` values per side: the chi-square test of homogeneity, rarely expected categories
pooled; above that: the Jensen-Shannon distance (base 2) of the shares against ``js_threshold`` or its
chance floor (see ``chance``). Why pooling and no Yates correction: docs/decisions.md.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

from invoice_assets.drift.chance import (
    chance_floor,
    distance_drift,
    relabellings,
    subsample,
)
from invoice_assets.drift.config import DriftConfig
from invoice_assets.drift.result import FeatureDrift
from invoice_assets.drift.values import rng_for

CHI_SQUARE = "chi_square"
JENSEN_SHANNON = "jensen_shannon"


def categorical_drift(
    name: str, reference: np.ndarray, current: np.ndarray, *, level: float, config: DriftConfig
) -> FeatureDrift:
    """Compare two samples of category labels (strings) at the feature's test ``level``."""
    n_ref, n_cur = len(reference), len(current)
    _, codes = np.unique(np.concatenate([reference, current]), return_inverse=True)
    codes = codes.ravel()
    width = int(codes.max()) + 1
    ref_counts = np.bincount(codes[:n_ref], minlength=width)
    cur_counts = np.bincount(codes[n_ref:], minlength=width)
    if max(n_ref, n_cur) <= config.small_sample_max:
        table = pooled_table(ref_counts, cur_counts, config.min_expected)
        if table.shape[1] < 2:
            note = "fewer than two categories with enough counts to test"
            return FeatureDrift(name, "categorical", CHI_SQUARE, 0.0, 1.0, level, False, n_ref, n_cur, note)
        statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
        note = f"{width} categories pooled into {table.shape[1]}" if table.shape[1] < width else ""
        p_value = float(p_value)
        return FeatureDrift(
            name,
            "categorical",
            CHI_SQUARE,
            float(statistic),
            p_value,
            level,
            p_value < level,
            n_ref,
            n_cur,
            note,
        )
    distance = float(jensenshannon(ref_counts, cur_counts, base=2))
    rng = rng_for(config.seed, name)
    ref_codes = subsample(codes[:n_ref], config.small_sample_max, rng)
    cur_codes = subsample(codes[n_ref:], config.small_sample_max, rng)
    null = relabelled_js(np.concatenate([ref_codes, cur_codes]), width, len(cur_codes), config, rng)
    floor = chance_floor(null, level, (n_ref, n_cur), (len(ref_codes), len(cur_codes)))
    return distance_drift(
        name,
        "categorical",
        JENSEN_SHANNON,
        distance,
        configured=config.js_threshold,
        floor=floor,
        sizes=(n_ref, n_cur),
    )


def pooled_table(ref_counts: np.ndarray, cur_counts: np.ndarray, min_expected: float) -> np.ndarray:
    """The 2 × k' table of counts with rarely expected categories pooled (see the module docstring).

    Returns fewer than two columns when nothing testable is left (one category, or all rare).
    """
    totals = ref_counts + cur_counts
    keep = totals > 0
    ref_counts, cur_counts, totals = ref_counts[keep], cur_counts[keep], totals[keep]
    smaller_side = min(ref_counts.sum(), cur_counts.sum())
    expected = smaller_side * totals / totals.sum()
    rare = expected < min_expected
    columns = [np.array([ref_counts[~rare], cur_counts[~rare]])]
    if rare.any():
        pooled = np.array([[ref_counts[rare].sum()], [cur_counts[rare].sum()]])
        if smaller_side * pooled.sum() / totals.sum() < min_expected and (~rare).sum() >= 2:
            smallest = int(np.argmin(totals[~rare]))
            columns[0][:, smallest] += pooled[:, 0]
        else:
            columns.append(pooled)
    return np.concatenate(columns, axis=1)


def js_distance_rows(p_counts: np.ndarray, q_counts: np.ndarray) -> np.ndarray:
    """Jensen-Shannon distance (base 2) between matching rows of two count matrices ``[rows, k]``.

    The same formula as ``scipy.spatial.distance.jensenshannon``, vectorized over rows for relabellings.
    """
    p = p_counts / p_counts.sum(axis=-1, keepdims=True)
    q = q_counts / q_counts.sum(axis=-1, keepdims=True)
    m = (p + q) / 2
    divergence = (special.rel_entr(p, m).sum(axis=-1) + special.rel_entr(q, m).sum(axis=-1)) / 2
    return np.sqrt(np.maximum(divergence / np.log(2), 0.0))


def relabelled_js(
    codes: np.ndarray, width: int, n_current: int, config: DriftConfig, rng: np.random.Generator
) -> np.ndarray:
    """JS distance of the category shares under ``config.permutations`` random relabellings of ``codes``."""
    labels = relabellings(len(codes) - n_current, n_current, config.permutations, rng)
    rows, columns = np.nonzero(labels)
    current = np.bincount(rows * width + codes[columns], minlength=labels.shape[0] * width)
    current = current.reshape(labels.shape[0], width).astype(np.float64)
    total = np.bincount(codes, minlength=width).astype(np.float64)
    return js_distance_rows(total - current, current)
