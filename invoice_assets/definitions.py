"""The code location: every asset, check, job, sensor and schedule, with resources for this deployment.

Follow the names from here to find any behaviour: assets in `invoice_assets.assets`, resources in
`resources`, automation in `sensors`.
"""

from __future__ import annotations

from dagster import Definitions

from invoice_assets.assets.etl import etl_assets
from invoice_assets.jobs import etl_job
from invoice_assets.settings import PlatformSettings
from resources.environment import build_resources
from sensors.inbox import inbox_sensor
from sensors.schedules import hourly_etl_schedule


def build_defs(settings: PlatformSettings | None = None) -> Definitions:
    """Definitions bound to `settings` (default: the environment), so commands can point at another inbox."""
    return Definitions(
        assets=etl_assets,
        jobs=[etl_job],
        sensors=[inbox_sensor],
        schedules=[hourly_etl_schedule],
        resources=build_resources(settings),
    )


defs = build_defs()
