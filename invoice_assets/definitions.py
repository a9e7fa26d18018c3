"""The code location: every asset, check, job, sensor and schedule, with resources for this deployment.

Follow the names from here to find any behaviour: assets in `invoice_assets.defs`, resources in
`resources`, automation in `sensors`.
"""

from __future__ import annotations

from dagster import Definitions, colored_console_logger

from invoice_assets.defs.drift import drift_assets
from invoice_assets.defs.etl import etl_assets
from invoice_assets.defs.jobs import drift_job, etl_job, prediction_job, training_job
from invoice_assets.defs.predictions import ml_assets
from invoice_assets.defs.run_log import TERMINAL_LOGGER, terminal_progress
from invoice_assets.settings import PlatformSettings
from resources.environment import build_resources
from sensors.drift import drift_retraining_sensor, weekly_drift_schedule
from sensors.inbox import inbox_sensor
from sensors.schedules import hourly_etl_schedule


def build_defs(settings: PlatformSettings | None = None) -> Definitions:
    """Definitions bound to `settings` (default: the environment), so commands can point at another inbox."""
    return Definitions(
        assets=[*etl_assets, *ml_assets, *drift_assets],
        jobs=[etl_job, training_job, prediction_job, drift_job],
        sensors=[inbox_sensor, drift_retraining_sensor],
        schedules=[hourly_etl_schedule, weekly_drift_schedule],
        resources=build_resources(settings),
        # Runs log to the console by default; `invoices` commands choose the terminal logger instead.
        loggers={"console": colored_console_logger, TERMINAL_LOGGER: terminal_progress},
    )


defs = build_defs()
