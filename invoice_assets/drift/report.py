"""``build_report``: every feature's test at a corrected level, then the verdict.

**Drift** when ``probability`` or ``oov_share`` drifted on its own (the model now behaves differently, or
reads words it never learnt), or when at least ``drift_share`` of the evaluated features drifted. The
feature levels split ``alpha`` so that same-population weeks get a drift verdict in at most ``alpha`` of
weeks, whatever the correlation between features: docs/decisions.md derives them and gives the rates.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from invoice_assets.drift.categorical import categorical_drift
from invoice_assets.drift.config import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    OOV_FEATURE,
    TEXT_COLUMN,
    TOKEN_FEATURE,
    DriftConfig,
)
from invoice_assets.drift.numeric import numeric_drift
from invoice_assets.drift.result import DriftReport, FeatureDrift
from invoice_assets.drift.tokens import Tokenizer, token_counts, token_drift
from invoice_assets.drift.values import category_values, numeric_values, text_values

OovShare = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class _Pending:
    """A feature with enough data to test, waiting for its level (known once all features are counted)."""

    name: str
    run: Callable[[float], FeatureDrift]
    """Runs the test at the given level."""


def build_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    oov_share: OovShare | None = None,
    tokens: Tokenizer | None = None,
    config: DriftConfig = DriftConfig(),  # noqa: B008 - frozen, so a shared default is safe
) -> DriftReport:
    """Compare ``current`` (this week's invoices) with ``reference`` (the champion's held-out data).

    Both frames hold one row per invoice with any subset of the columns in ``config`` (``NUMERIC_FEATURES``,
    ``CATEGORICAL_FEATURES``, ``text``); other columns are ignored. A column present on only one side, or
    with fewer than ``config.min_values`` non-missing values on a side, is reported as skipped with a note.
    ``oov_share(texts)`` gives each text's out-of-vocabulary share (the model's vectorizer has one);
    without it that feature is skipped. ``tokens(text)`` splits a text into words (default: ``words``).
    """
    outcomes = [
        *(_column(name, "numeric", reference, current, config) for name in NUMERIC_FEATURES),
        *(_column(name, "categorical", reference, current, config) for name in CATEGORICAL_FEATURES),
        *_text(reference, current, oov_share=oov_share, tokens=tokens, config=config),
    ]
    present = [item for item in outcomes if item is not None]
    pending = [item for item in present if isinstance(item, _Pending)]
    levels = feature_levels([item.name for item in pending], config)
    features = [item.run(levels[item.name]) if isinstance(item, _Pending) else item for item in present]
    return verdict(features, config)


def feature_levels(names: Sequence[str], config: DriftConfig) -> dict[str, float]:
    """The test level of each evaluated feature (docs/decisions.md derives these values).

    With no alone-triggering feature (or no other one) evaluated, the whole ``alpha`` goes to the rest.
    """
    alone = [name for name in names if name in config.alone]
    others = [name for name in names if name not in config.alone]
    alone_budget = config.alpha if not others else config.alpha / 2 if alone else 0.0
    needed = max(1, math.ceil(config.drift_share * len(names) - 1e-9))
    other_level = min(config.alpha, (config.alpha - alone_budget) * needed / len(others)) if others else 0.0
    return {name: alone_budget / len(alone) if name in alone else other_level for name in names}


def verdict(features: list[FeatureDrift], config: DriftConfig) -> DriftReport:
    """The report's verdict from its features (see the module docstring for the rule)."""
    evaluated = [f for f in features if f.evaluated]
    drifted = [f for f in evaluated if f.drift]
    share = len(drifted) / len(evaluated) if evaluated else 0.0
    reasons = [_alone_reason(f) for f in drifted if f.name in config.alone]
    if evaluated and share >= config.drift_share:
        reasons.append(
            f"{len(drifted)} of {len(evaluated)} features drifted ({share:.0%} >= {config.drift_share:.0%}): "
            + ", ".join(f.name for f in drifted)
        )
    return DriftReport(drift=bool(reasons), share=share, features=features, reasons=reasons)


def _alone_reason(feature: FeatureDrift) -> str:
    if feature.p_value is not None:
        detail = f"p = {feature.p_value:.2g} < {feature.threshold:.2g}"
    else:
        detail = f"distance {feature.statistic:.3g} > {feature.threshold:.3g}"
    return f"{feature.name} drifted on its own ({feature.method}, {detail})"


def _one_side_only(column: str, reference: pd.DataFrame, current: pd.DataFrame) -> str | None:
    """The note for a column found on one side only; ``None`` when it is on both or neither."""
    if (column in reference) == (column in current):
        return None
    return f"column missing from the {'current' if column in reference else 'reference'} data"


def _too_few(name: str, kind: str, n_ref: int, n_cur: int, config: DriftConfig) -> FeatureDrift | None:
    if min(n_ref, n_cur) < config.min_values:
        note = f"too few values to test (at least {config.min_values} per side needed)"
        return FeatureDrift.skipped(name, kind, note, reference_size=n_ref, current_size=n_cur)
    return None


def _column(
    name: str, kind: str, reference: pd.DataFrame, current: pd.DataFrame, config: DriftConfig
) -> FeatureDrift | _Pending | None:
    """A numeric or categorical column: its test waiting for a level, or why it cannot be tested."""
    if name not in reference or name not in current:
        note = _one_side_only(name, reference, current)
        return None if note is None else FeatureDrift.skipped(name, kind, note)
    extract, test = (
        (numeric_values, numeric_drift) if kind == "numeric" else (category_values, categorical_drift)
    )
    ref, cur = extract(reference, name), extract(current, name)
    return _too_few(name, kind, len(ref), len(cur), config) or _Pending(
        name, lambda level: test(name, ref, cur, level=level, config=config)
    )


def _text(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    oov_share: OovShare | None,
    tokens: Tokenizer | None,
    config: DriftConfig,
) -> list[FeatureDrift | _Pending]:
    """The two text features, on a seeded sample of at most ``config.max_texts`` texts per side."""
    if TEXT_COLUMN not in reference or TEXT_COLUMN not in current:
        note = _one_side_only(TEXT_COLUMN, reference, current)
        if note is None:
            return []
        note = note.replace("column", "text column")
        return [
            FeatureDrift.skipped(OOV_FEATURE, "numeric", note),
            FeatureDrift.skipped(TOKEN_FEATURE, "text", note),
        ]
    ref_texts, ref_total = text_values(reference, TEXT_COLUMN, limit=config.max_texts, seed=config.seed)
    cur_texts, cur_total = text_values(current, TEXT_COLUMN, limit=config.max_texts, seed=config.seed)
    sampled = ""
    if (ref_total, cur_total) != (len(ref_texts), len(cur_texts)):
        sampled = f"texts sampled: {len(ref_texts)} of {ref_total} and {len(cur_texts)} of {cur_total}"
    if oov_share is None:
        oov: FeatureDrift | _Pending = FeatureDrift.skipped(
            OOV_FEATURE, "numeric", "no oov_share function given"
        )
    else:
        oov = _oov(ref_texts, cur_texts, oov_share, config, sampled)
    return [oov, _tokens(ref_texts, cur_texts, tokens, config, sampled)]


def _oov(
    ref_texts: list[str], cur_texts: list[str], oov_share: OovShare, config: DriftConfig, sampled: str
) -> FeatureDrift | _Pending:
    """Per-text out-of-vocabulary shares (the caller's function), compared as a numeric feature."""

    def shares(texts: list[str]) -> np.ndarray:
        values = np.asarray(oov_share(texts) if texts else [], dtype=np.float64).ravel()
        return values[np.isfinite(values)]

    ref, cur = shares(ref_texts), shares(cur_texts)

    def run(level: float) -> FeatureDrift:
        return _with_note(numeric_drift(OOV_FEATURE, ref, cur, level=level, config=config), sampled)

    return _too_few(OOV_FEATURE, "numeric", len(ref), len(cur), config) or _Pending(OOV_FEATURE, run)


def _tokens(
    ref_texts: list[str], cur_texts: list[str], tokens: Tokenizer | None, config: DriftConfig, sampled: str
) -> FeatureDrift | _Pending:
    """Token counts per invoice (tokenized now), compared once the level is known."""
    skipped = _too_few(TOKEN_FEATURE, "text", len(ref_texts), len(cur_texts), config)
    if skipped is not None:
        return skipped
    counts = token_counts(ref_texts, cur_texts, tokens=tokens, top=config.top_tokens)
    if counts.reference.sum() == 0 or counts.current.sum() == 0:
        note = "no word tokens on one side"
        return FeatureDrift.skipped(
            TOKEN_FEATURE, "text", note, reference_size=len(ref_texts), current_size=len(cur_texts)
        )

    def run(level: float) -> FeatureDrift:
        return _with_note(token_drift(counts, level=level, config=config), sampled)

    return _Pending(TOKEN_FEATURE, run)


def _with_note(feature: FeatureDrift, note: str) -> FeatureDrift:
    if not note:
        return feature
    return dataclasses.replace(feature, note=f"{feature.note}; {note}" if feature.note else note)
