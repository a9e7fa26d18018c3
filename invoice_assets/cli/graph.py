"""`invoices train` and `invoices drift`: the asset graph run through Dagster on the configured instance,
with short progress lines on the terminal and Dagster's event log in a file."""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import Definitions

from invoice_assets.cli.files import expand_paths
from invoice_assets.definitions import build_defs
from invoice_assets.defs.run_log import captured_stderr, say
from invoice_assets.defs.runner import materialize_new_batches, open_instance, run_predictions, run_training
from invoice_assets.registry.champion import NoChampion
from invoice_assets.settings import PlatformSettings, load_settings

if TYPE_CHECKING:  # pandas: training extra only
    from invoice_assets.drift.comparison import DriftComparison


@contextmanager
def platform(settings: PlatformSettings, verbose: bool) -> Iterator[tuple]:
    """Definitions and the Dagster instance for `settings`.

    The instance is entered as a context manager: that is what makes it the current one for everything
    Dagster resolves meanwhile (its definitions state storage included), and disposes of it afterwards.
    Unless `verbose`, Dagster's event log and every library's output go to the run log file meanwhile.
    """
    log_file = settings.home / "logs" / "invoices.log"
    with ExitStack() as stack:
        if not verbose:
            say(f"Dagster's event log: {log_file} (--verbose shows it here)")
            stack.enter_context(captured_stderr(log_file))
        instance = stack.enter_context(open_instance(settings))
        yield build_defs(settings), instance


def cmd_train(args: argparse.Namespace) -> int:
    settings = replace(load_settings(), inbox=args.inbox)
    with platform(settings, args.verbose) as (defs, instance):
        failed_batches = [r.batch for r in materialize_new_batches(defs, instance) if not r.success]
        outcome = run_training(defs, instance, args.labels or [])
        report = {
            "promoted": outcome.promoted,
            "gates": outcome.gates,
            **{key: outcome.metadata.get(key) for key in TRAINING_FIGURES},
            "failed_batches": failed_batches,
            "dagster_run_id": outcome.run_id,
        }
        print(json.dumps(report, ensure_ascii=False))
        if not outcome.success and not outcome.gates:
            say("training failed before any gate was evaluated; see the Dagster run's logs")
        elif not outcome.promoted:
            failing = [name for name, passed in outcome.gates.items() if not passed]
            say(f"gate failed: {', '.join(failing)}; the champion was not changed")
        return 0 if outcome.promoted and not failed_batches else 1


TRAINING_FIGURES = (
    "model_version",
    "test_macro_f1",
    "baseline_test_macro_f1",
    "champion_test_macro_f1",
    "champion_version_before",
    "train_size",
    "test_size",
    "epochs_run",
    "litert_agreement",
    "mlflow_run_id",
)


def drift_of_files(defs: Definitions, files: list[Path]) -> DriftComparison:
    """The drift comparison of these received files against the champion's held-out data; raises
    NoChampion when no champion exists."""
    # pandas and SciPy (drift statistics) are in the training extra, not in the user-code image
    from invoice_assets.drift.comparison import compare_with_champion

    current = [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]
    with defs.resources["database"].engine.connect() as conn:
        return compare_with_champion(conn, defs.resources["mlflow_tracking"].registry(), current)


def cmd_drift(args: argparse.Namespace) -> int:
    settings = replace(load_settings(), inbox=args.inbox)
    with platform(settings, args.verbose) as (defs, instance):
        runs = materialize_new_batches(defs, instance)
        run_predictions(defs, instance, [r.batch for r in runs if r.success])
        try:
            comparison = drift_of_files(defs, expand_paths([args.inbox]))
        except NoChampion as error:
            say(str(error))
            return 2
        print(json.dumps(comparison.report.as_dict(), ensure_ascii=False))
        report = comparison.report
        say(
            f"drift: {report.drift} ({', '.join(report.reasons) or 'no rule fired'}); "
            f"{len(comparison.current)} current vs {len(comparison.reference)} reference invoices"
        )
        return 0
