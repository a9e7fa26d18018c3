"""The promotion gates of the classifier: pure comparisons, so they are tested without MLflow or Dagster.

A candidate becomes champion only when every gate passes: it is good enough on its own (macro F1,
recall of every class), it is not beaten by the simple baseline trained on the same split, and it is
not worse than the model serving now, measured on the candidate's own test split.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EPSILON = 1e-9
"""Metrics are ratios of small counts: compare with a hair of tolerance so 0.87 - 0.02 still admits 0.85."""


GATE_NAMES = (
    "macro_f1",
    "not_worse_than_baseline",
    "class_recall",
    "not_worse_than_champion",
    "litert_agreement",
)
"""Every gate, in the order `evaluate_gates` and `litert_gate` report them."""


@dataclass(frozen=True)
class GateThresholds:
    min_macro_f1: float = 0.85
    max_gap_to_baseline: float = 0.02
    min_class_recall: float = 0.70
    max_regression_to_champion: float = 0.01
    min_litert_agreement: float = 0.995


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    value: float | None
    threshold: float
    detail: str


def evaluate_gates(
    macro_f1: float,
    recall: Mapping[str, float],
    baseline_macro_f1: float,
    champion_macro_f1: float | None,
    thresholds: GateThresholds,
) -> list[GateResult]:
    """One result per gate, in a fixed order; `champion_macro_f1` is None when nothing serves yet."""
    worst_class, worst_recall = min(recall.items(), key=lambda item: item[1])
    baseline_floor = baseline_macro_f1 - thresholds.max_gap_to_baseline
    results = [
        GateResult(
            "macro_f1",
            macro_f1 >= thresholds.min_macro_f1 - EPSILON,
            macro_f1,
            thresholds.min_macro_f1,
            f"macro F1 {macro_f1:.4f} on the held-out test split (needs >= {thresholds.min_macro_f1})",
        ),
        GateResult(
            "not_worse_than_baseline",
            macro_f1 >= baseline_floor - EPSILON,
            macro_f1 - baseline_macro_f1,
            -thresholds.max_gap_to_baseline,
            f"CNN {macro_f1:.4f} vs TF-IDF baseline {baseline_macro_f1:.4f} "
            f"(may trail by at most {thresholds.max_gap_to_baseline})",
        ),
        GateResult(
            "class_recall",
            worst_recall >= thresholds.min_class_recall - EPSILON,
            worst_recall,
            thresholds.min_class_recall,
            f"lowest recall {worst_recall:.4f} ({worst_class}); "
            f"every class needs >= {thresholds.min_class_recall}",
        ),
    ]
    if champion_macro_f1 is None:
        results.append(
            GateResult(
                "not_worse_than_champion",
                True,
                None,
                -thresholds.max_regression_to_champion,
                "no champion yet: nothing to compare with",
            )
        )
    else:
        gap = macro_f1 - champion_macro_f1
        results.append(
            GateResult(
                "not_worse_than_champion",
                gap >= -thresholds.max_regression_to_champion - EPSILON,
                gap,
                -thresholds.max_regression_to_champion,
                f"candidate {macro_f1:.4f} vs champion {champion_macro_f1:.4f} on the same test split "
                f"(may trail by at most {thresholds.max_regression_to_champion})",
            )
        )
    return results


def litert_gate(
    agreement: float, texts: int, max_abs_difference: float, thresholds: GateThresholds
) -> GateResult:
    """The LiteRT export serves once the candidate is champion: it must predict what the evaluated Keras
    network predicts, on the same test split."""
    return GateResult(
        "litert_agreement",
        agreement >= thresholds.min_litert_agreement - EPSILON,
        agreement,
        thresholds.min_litert_agreement,
        f"LiteRT and Keras agree on {agreement:.2%} of {texts} test labels (needs >= "
        f"{thresholds.min_litert_agreement:.2%}); largest probability difference {max_abs_difference:.2e}",
    )
