"""The drift test's settings and the invoice features it knows, with the reasoning behind each default."""

from __future__ import annotations

from dataclasses import dataclass

NUMERIC_FEATURES: tuple[str, ...] = (
    "total",
    "subtotal",
    "n_lines",
    "text_length",
    "ocr_confidence",
    "probability",
)
"""Numeric columns compared as distributions, in report order."""

CATEGORICAL_FEATURES: tuple[str, ...] = ("supplier", "currency", "language", "predicted_label")
"""Categorical columns compared as category shares, in report order."""

TEXT_COLUMN = "text"
"""The OCR text column; it feeds the two text features below."""

OOV_FEATURE = "oov_share"
"""Per-text share of words outside the model's vocabulary, compared as a numeric feature."""

TOKEN_FEATURE = "token_distribution"
"""Distribution of word tokens over the most frequent ones plus an ``other`` bucket."""


@dataclass(frozen=True)
class DriftConfig:
    """Thresholds of the drift report; ``report`` explains how ``alpha`` is split between features.

    ``alpha`` bounds the verdict's false-alarm rate on weeks drawn from the reference population.
    """

    alpha: float = 0.05
    """Largest false-alarm rate of the verdict on same-population weeks."""
    drift_share: float = 0.5
    """Verdict when at least this share of the evaluated features drifted."""
    alone: tuple[str, ...] = ("probability", OOV_FEATURE)
    """Features that decide the verdict on their own: the model's output and its input vocabulary."""
    small_sample_max: int = 1000
    """Up to this many values on *both* sides, hypothesis tests (KS, chi-square, permutation) with a
    p-value; above it on either side every difference is "significant", so effect sizes (distances)
    against a threshold decide instead. Also the per-side subsample used to estimate chance floors."""
    min_values: int = 10
    """Fewer non-missing values than this on either side: the feature is reported, not tested."""
    wasserstein_threshold: float = 0.1
    """Normalized Wasserstein distance (in reference standard deviations) that counts as drift."""
    js_threshold: float = 0.1
    """Jensen-Shannon distance (base 2, between 0 and 1) that counts as drift."""
    top_tokens: int = 50
    """Token distribution over this many most frequent tokens plus one ``other`` bucket."""
    max_texts: int = 5000
    """Text features use a seeded sample of at most this many texts per side: tokenizing is the one
    per-row Python loop, and 5,000 invoices measure a token distribution to about 0.01 in JS distance."""
    min_expected: float = 5.0
    """Chi-square: categories expected fewer times than this (on either side) are pooled into one."""
    permutations: int = 999
    """Random relabellings for the token permutation test and the chance floors (p-values step 0.001)."""
    seed: int = 0
    """Seed of every random draw (text sample, relabellings): the same frames give the same report."""

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if not 0 < self.drift_share <= 1:
            raise ValueError(f"drift_share must be in (0, 1], got {self.drift_share}")
        sizes = (self.small_sample_max, self.min_values, self.top_tokens, self.max_texts, self.permutations)
        if min(sizes) < 1:
            raise ValueError("sizes and counts in DriftConfig must be positive")
        if self.min_values < 2:
            raise ValueError("min_values must be at least 2: a test needs a distribution on each side")
