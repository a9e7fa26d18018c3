"""Files arriving in the inbox: the storage Protocol, receiving them (archive, validate, quarantine),
planning batches, and reading labels CSVs.
"""
