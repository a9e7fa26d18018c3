"""Drift report: false alarms on same-population weeks, detection of injected drifts, and speed.

    .venv/bin/python benchmarks/drift.py                  # 100 weeks per scenario, 100,000-row timing
    .venv/bin/python benchmarks/drift.py --weeks 30       # a quicker look

What it does (seed 7070; every week is drawn fresh from ``invoice_assets.drift.synthetic``):

1. False alarms: ``--weeks`` weeks of 200-400 invoices against references of 300-600, all from the
   reference population. Prints the share of weeks with a drift verdict and with any feature flagged, for
   the report's corrected levels (``report.feature_levels``) beside the naive rule (every feature at
   p < 0.05, same verdict rule). Target: verdict false-alarm rate <= 5%.
2. The same just above the large-sample boundary (1,100-2,000 rows per side, distances instead of
   p-values), with the chance floors beside fixed distance thresholds (0.1).
3. Detection: for each injected drift in ``synthetic.SHIFTS`` (totals x1.5, a new supplier at 40%, 80%
   English, a probability shift, more OCR garbage), the share of weeks where *every* feature it moves was
   flagged, and the share with a drift verdict. Target: every shift detected on the features it moved.
4. Speed: a full report (all 12 features, ``oov_share`` included) over 100,000 rows per side, median of
   ``--repeats`` runs (wall and CPU time), beside the same for 10,000 rows and one run that tokenizes
   every text instead of the 5,000-text sample per side. Target: under 10 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from invoice_assets.drift.config import DriftConfig  # noqa: E402
from invoice_assets.drift.report import build_report, verdict  # noqa: E402
from invoice_assets.drift.result import DriftReport  # noqa: E402
from invoice_assets.drift.synthetic import SHIFTS, Population, invoice_rows, oov_share_function  # noqa: E402

SEED = 7070
NAIVE_ALPHA = 0.05
OOV = oov_share_function()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def week(
    rng: np.random.Generator,
    population: Population,
    reference_sizes: tuple[int, int],
    current_sizes: tuple[int, int],
    config: DriftConfig,
) -> DriftReport:
    reference = invoice_rows(int(rng.integers(*reference_sizes)), rng)
    current = invoice_rows(int(rng.integers(*current_sizes)), rng, population)
    return build_report(reference, current, oov_share=OOV, config=config)


def naive(report: DriftReport, config: DriftConfig) -> DriftReport:
    """The same report judged by the uncorrected rule: each p-value against 0.05."""
    features = [
        dataclasses.replace(f, threshold=NAIVE_ALPHA, drift=f.p_value < NAIVE_ALPHA)
        if f.p_value is not None
        else f
        for f in report.features
    ]
    return verdict(features, config)


def fixed_thresholds(report: DriftReport, config: DriftConfig) -> DriftReport:
    """The same report with distances against the configured thresholds only (no chance floor)."""
    limits = {"wasserstein_normalized": config.wasserstein_threshold, "jensen_shannon": config.js_threshold}
    features = [
        dataclasses.replace(f, threshold=limits[f.method], drift=f.statistic > limits[f.method])
        if f.method in limits
        else f
        for f in report.features
    ]
    return verdict(features, config)


def rates(reports: list[DriftReport]) -> tuple[float, float]:
    """(share of weeks with a drift verdict, share with at least one feature flagged)."""
    return (
        float(np.mean([r.drift for r in reports])),
        float(np.mean([any(f.drift for f in r.features) for r in reports])),
    )


def false_alarms(weeks: int, config: DriftConfig) -> None:
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    reports = [week(rng, Population(), (300, 601), (200, 401), config) for _ in range(weeks)]
    elapsed = (time.perf_counter() - started) / weeks
    levels = reports[0].feature("probability").threshold, reports[0].feature("total").threshold
    ours, ours_any = rates(reports)
    naive_verdict, naive_any = rates([naive(r, config) for r in reports])
    print(f"\n1. Same-population weeks (200-400 vs 300-600 rows, {weeks} weeks, {elapsed:.2f} s per report)")
    print(f"   {'rule':<44}{'verdict FPR':>12}{'any flag':>10}")
    rule = f"split: alone at {levels[0]:.4f}, others at {levels[1]:.4f}"
    print(f"   {rule:<44}{ours:>12.1%}{ours_any:>10.1%}")
    print(f"   {'naive: each feature at p < 0.05':<44}{naive_verdict:>12.1%}{naive_any:>10.1%}")
    print(f"   target: verdict FPR <= 5%: {'MET' if ours <= 0.05 else 'MISSED'}")


def false_alarms_large(weeks: int, config: DriftConfig) -> None:
    rng = np.random.default_rng(SEED + 1)
    reports = [week(rng, Population(), (1100, 2001), (1100, 2001), config) for _ in range(weeks)]
    ours, ours_any = rates(reports)
    fixed, fixed_any = rates([fixed_thresholds(r, config) for r in reports])
    raised = np.mean([sum("chance floor" in f.note for f in r.features) for r in reports])
    print(f"\n2. Same-population weeks just above the boundary (1,100-2,000 rows per side, {weeks} weeks)")
    print(f"   {'rule':<44}{'verdict FPR':>12}{'any flag':>10}")
    print(f"   {'distance > max(0.1, chance floor)':<44}{ours:>12.1%}{ours_any:>10.1%}")
    print(f"   {'distance > 0.1 (no chance floor)':<44}{fixed:>12.1%}{fixed_any:>10.1%}")
    print(f"   features whose threshold the floor raised: {raised:.1f} per report on average")


def detection(weeks: int, config: DriftConfig) -> bool:
    print(f"\n3. Injected drifts ({weeks} weeks each, 200-400 vs 300-600 rows)")
    print(f"   {'shift':<22}{'moved features':<34}{'all detected':>13}{'verdict':>9}  per feature")
    everything = True
    for index, (name, (population, moved)) in enumerate(SHIFTS.items()):
        rng = np.random.default_rng(SEED + 10 + index)
        reports = [week(rng, population, (300, 601), (200, 401), config) for _ in range(weeks)]
        detected = np.mean([all(r.feature(f).drift for f in moved) for r in reports])
        verdicts = np.mean([r.drift for r in reports])
        per_feature = ", ".join(f"{f} {np.mean([r.feature(f).drift for r in reports]):.0%}" for f in moved)
        everything &= bool(detected >= 0.95)
        print(f"   {name:<22}{', '.join(moved):<34}{detected:>13.0%}{verdicts:>9.0%}  {per_feature}")
    outcome = "MET" if everything else "MISSED"
    print(f"   target: every shift detected on its features (>= 95% of weeks): {outcome}")
    return everything


def timing(rows: int, repeats: int, config: DriftConfig) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of a full report over ``rows`` rows per side."""
    rng = np.random.default_rng(SEED + 99)
    log(f"generating 2 x {rows:,} rows...")
    reference, current = invoice_rows(rows, rng), invoice_rows(rows, rng)
    build_report(reference.iloc[:500], current.iloc[:500], oov_share=OOV, config=config)  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        build_report(reference, current, oov_share=OOV, config=config)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=100, help="weeks per scenario")
    parser.add_argument("--large-weeks", type=int, default=40, help="weeks just above the boundary")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per side for the timing")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions (median)")
    args = parser.parse_args()
    config = DriftConfig()
    false_alarms(args.weeks, config)
    false_alarms_large(args.large_weeks, config)
    detection(args.weeks, config)
    small_wall, small_cpu = timing(args.rows // 10, args.repeats, config)
    wall, cpu = timing(args.rows, args.repeats, config)
    uncapped_wall, uncapped_cpu = timing(args.rows, 1, dataclasses.replace(config, max_texts=args.rows))
    print(f"\n4. Speed: full report with oov_share, median of {args.repeats}")
    print(f"   {args.rows // 10:>9,} rows per side: {small_wall:6.2f} s wall, {small_cpu:6.2f} s CPU")
    print(f"   {args.rows:>9,} rows per side: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    print(
        f"   {args.rows:>9,} rows, every text tokenized (no {config.max_texts:,}-text sample, one run): "
        f"{uncapped_wall:6.2f} s wall, {uncapped_cpu:6.2f} s CPU"
    )
    print(f"   target: under 10 s: {'MET' if wall < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
