"""The Dagster layer: assets, checks, jobs and partitions, thin wrappers that hand the work to the domain
packages and report it as metadata. `invoice_assets.definitions` puts them together.
"""
