"""One PNG per feature for the Dagster UI: what moved, next to the test that says it moved.

Numeric features get overlaid histograms (shape) beside the two ECDFs (what the KS test measures);
categorical features and the token distribution get side-by-side bars of each side's shares. Figures are
built on matplotlib's Agg canvas directly, never through pyplot, so plotting holds no global state and is
safe in any thread or process the Dagster run uses.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from invoice_assets.drift.config import OOV_FEATURE, TEXT_COLUMN, TOKEN_FEATURE, DriftConfig
from invoice_assets.drift.result import DriftReport, FeatureDrift
from invoice_assets.drift.tokens import Tokenizer, words
from invoice_assets.drift.values import category_values, numeric_values, text_values

REFERENCE_COLOR = "#4C72B0"
CURRENT_COLOR = "#DD8452"
MAX_BARS = 15
"""Categories (or tokens) shown; the rest are summed into one ``other`` bar."""


def plot_feature(
    reference_values: Sequence[Any] | np.ndarray,
    current_values: Sequence[Any] | np.ndarray,
    feature: FeatureDrift,
    *,
    tokens: Tokenizer | None = None,
) -> bytes:
    """A PNG of one feature's two samples, titled with its test result.

    Values are what the feature compares: numbers for numeric features (``oov_share`` included),
    category labels for categorical ones, OCR texts for ``token_distribution`` (tokenized with ``tokens``,
    default ``words``). Missing values are dropped.
    """
    figure = Figure(figsize=(9, 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    if feature.kind == "numeric":
        _numeric(figure, _finite(reference_values), _finite(current_values))
    else:
        reference, current = _labels(reference_values), _labels(current_values)
        if feature.kind == "text":
            tokenize = tokens or words
            reference = list(chain.from_iterable(tokenize(text) for text in reference))
            current = list(chain.from_iterable(tokenize(text) for text in current))
        _shares(figure.add_subplot(1, 1, 1), reference, current)
    figure.suptitle(_title(feature), fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    report: DriftReport,
    *,
    oov_share: Callable[[Sequence[str]], np.ndarray] | None = None,
    tokens: Tokenizer | None = None,
    config: DriftConfig = DriftConfig(),  # noqa: B008 - frozen, so a shared default is safe
    names: Collection[str] | None = None,
) -> dict[str, bytes]:
    """``{feature name: PNG}`` for every evaluated feature of ``report`` (or only those in ``names``, e.g.
    ``report.drifted``: each plot takes a few tenths of a second), from the frames it was built on.

    Pass the same ``oov_share``, ``tokens`` and ``config`` as to ``build_report``: texts are sampled the
    same way, so the plots show exactly what was tested.
    """
    plots: dict[str, bytes] = {}
    for feature in report.features:
        if names is not None and feature.name not in names:
            continue
        values = _values(feature, reference, current, oov_share=oov_share, config=config)
        if values is not None:
            plots[feature.name] = plot_feature(*values, feature, tokens=tokens)
    return plots


def _values(
    feature: FeatureDrift,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    oov_share: Callable[[Sequence[str]], np.ndarray] | None,
    config: DriftConfig,
) -> tuple[Any, Any] | None:
    """The two samples ``feature`` compared, or ``None`` when it was not tested or cannot be rebuilt."""
    if not feature.evaluated:
        return None
    if feature.name in (OOV_FEATURE, TOKEN_FEATURE):
        ref, cur = (
            text_values(frame, TEXT_COLUMN, limit=config.max_texts, seed=config.seed)[0]
            for frame in (reference, current)
        )
        if feature.name == TOKEN_FEATURE:
            return ref, cur
        return None if oov_share is None else (oov_share(ref), oov_share(cur))
    if feature.kind == "numeric":
        return numeric_values(reference, feature.name), numeric_values(current, feature.name)
    return category_values(reference, feature.name), category_values(current, feature.name)


def _title(feature: FeatureDrift) -> str:
    verdict = "DRIFT" if feature.drift else "no drift"
    if not feature.evaluated:
        return f"{feature.name}: not tested ({feature.note})"
    if feature.p_value is not None:
        test = f"p = {feature.p_value:.3g} (threshold {feature.threshold:.3g})"
    else:
        test = f"distance {feature.statistic:.3g} (threshold {feature.threshold:.3g})"
    return f"{feature.name}: {verdict} — {feature.method}, {test}"


def _finite(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        np.float64, na_value=np.nan
    )
    return numbers[np.isfinite(numbers)]


def _labels(values: Sequence[Any] | np.ndarray) -> list[str]:
    return [str(value) for value in pd.Series(values, dtype=object).dropna()]


def _numeric(figure: Figure, reference: np.ndarray, current: np.ndarray) -> None:
    """Histograms on shared bins (the 0.5-99.5% range of both, so one outlier does not flatten them) and
    the two ECDFs over the full range."""
    histogram, ecdf = figure.subplots(1, 2)
    both = np.concatenate([reference, current])
    if both.size:
        low, high = np.quantile(both, [0.005, 0.995])
        if high <= low:
            low, high = low - 0.5, high + 0.5
        bins = np.histogram_bin_edges(both, bins=min(40, max(5, int(np.sqrt(both.size)))), range=(low, high))
        for values, color, label in (
            (reference, REFERENCE_COLOR, "reference"),
            (current, CURRENT_COLOR, "current"),
        ):
            if values.size:
                histogram.hist(values, bins=bins, density=True, alpha=0.5, color=color, label=label)
                ordered = np.sort(values)
                ecdf.step(
                    ordered,
                    np.arange(1, ordered.size + 1) / ordered.size,
                    where="post",
                    color=color,
                    label=label,
                )
    histogram.set_title("density", fontsize=9)
    ecdf.set_title("cumulative share", fontsize=9)
    ecdf.legend(fontsize=8)


def _shares(axes: Any, reference: list[str], current: list[str]) -> None:
    """Side-by-side bars of each side's shares over the ``MAX_BARS`` most common values of both."""
    ref_counts, cur_counts = pd.Series(reference).value_counts(), pd.Series(current).value_counts()
    ref_share = ref_counts / max(ref_counts.sum(), 1)
    cur_share = cur_counts / max(cur_counts.sum(), 1)
    combined = ref_share.add(cur_share, fill_value=0).sort_values(ascending=False)
    shown = list(combined.index[:MAX_BARS])
    ref_values = [float(ref_share.get(name, 0.0)) for name in shown]
    cur_values = [float(cur_share.get(name, 0.0)) for name in shown]
    if len(combined) > MAX_BARS:
        shown.append("(other)")
        ref_values.append(max(0.0, 1.0 - sum(ref_values)) if len(reference) else 0.0)
        cur_values.append(max(0.0, 1.0 - sum(cur_values)) if len(current) else 0.0)
    positions = np.arange(len(shown))
    axes.bar(positions - 0.2, ref_values, width=0.4, color=REFERENCE_COLOR, label="reference")
    axes.bar(positions + 0.2, cur_values, width=0.4, color=CURRENT_COLOR, label="current")
    axes.set_xticks(positions, [name[:20] for name in shown], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("share")
    axes.legend(fontsize=8)
