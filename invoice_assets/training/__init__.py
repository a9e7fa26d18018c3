"""A training round and the promotion gates, pure of Dagster and MLflow (the `invoice_classifier` asset
logs and gates what they return).
"""
