"""Batch partitions: a few hundred inbox files each, so thousands of invoices are a handful of runs."""

from dagster import DynamicPartitionsDefinition

batch_partitions = DynamicPartitionsDefinition(name="invoice_batches")
