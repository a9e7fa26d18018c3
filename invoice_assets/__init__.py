"""The textile invoice platform: pure domain packages, the Dagster layer (`defs`), the online service
and the `invoices` command. docs/architecture.md draws the layers and says where to look for what.
"""
