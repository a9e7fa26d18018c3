"""Weekly drift statistics: the invoices seen this week against the champion model's held-out data.

Pure functions on pandas frames, no Dagster, no MLflow, no TensorFlow: the ``drift_report`` asset and the
``invoices drift`` command wrap them. Import the modules directly (one job each; ``report`` holds the
verdict): this package imports nothing, so the CLI does not pay for matplotlib unless it plots. Why the
reference must be data the model did not fit on: docs/decisions.md.
"""
