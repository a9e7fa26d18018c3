"""Dagster resources: storage, database, OCR, MLflow, quality and gate thresholds; chosen in `environment`."""
