"""The run request of one batch partition of the ETL job, shared by the inbox sensor, the hourly sweep and
the `invoices` commands."""

from __future__ import annotations

from dagster import RunConfig, RunRequest

from invoice_assets.defs.etl import RawInvoicesConfig


def batch_run_config(files: tuple[str, ...]) -> RunConfig:
    """The ETL job's config for a batch of these inbox keys."""
    return RunConfig(ops={"raw_invoices": RawInvoicesConfig(files=list(files))})


def batch_run_request(batch_key: str, files: tuple[str, ...]) -> RunRequest:
    """One run for one batch partition; the run key makes a repeated request a no-op."""
    return RunRequest(
        run_key=batch_key,
        partition_key=batch_key,
        run_config=batch_run_config(files),
        tags={"invoices/files": str(len(files))},
    )
