"""The platform tables (SQLite or MySQL): the schema, the engine, and the reads and upserts of each kind
of row, one module per kind.
"""
