"""Dagster resources: storage, database, OCR settings, quality thresholds; chosen in `environment`."""
