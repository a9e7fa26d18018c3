"""The platform's SQL schema, one SQLAlchemy Core metadata for SQLite and MySQL alike.

Types are chosen so the same rows read back the same from both engines (test_mysql.py compares whole
tables): bounded strings, binary-collated identifiers, exact cents, doubles, microsecond timestamps,
MEDIUMTEXT for OCR text, free text cut to its column (`clip`); docs/decisions.md gives each reason.
Every table an asset rewrites is keyed so that a rewrite replaces rows instead of adding them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeEngine

metadata = MetaData()

MYSQL_TABLE = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


class Identifier(String):
    """A string that names something (a hash, a key, a file): never cut, compared byte for byte."""

    cache_ok = True


def Key(length: int) -> TypeEngine[str]:
    """A case- and accent-sensitive identifier on MySQL, as every string is on SQLite."""
    return Identifier(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def clip(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """`values` for a row of `table` with free text cut to its column's length (identifiers untouched).

    OCR can read a whole paragraph as a supplier name; that must not fail a batch on MySQL only.
    """
    clipped = dict(values)
    for name, value in values.items():
        kind = table.c[name].type
        free_text = isinstance(kind, String) and not isinstance(kind, Identifier) and kind.length
        if free_text and isinstance(value, str) and len(value) > kind.length:
            clipped[name] = value[: kind.length]
    return clipped


class Cents(TypeDecorator):
    """DECIMAL(14, 2), rounded half-up to cents on the way in and read back as a float."""

    impl = Numeric(14, 2, asdecimal=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
Money = Cents()
Real = Double()
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
SHA256 = Key(64)

documents = Table(
    "documents",
    metadata,
    Column("sha256", SHA256, primary_key=True, comment="content hash: the identity of a document"),
    Column("file_name", Key(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("archive_key", Key(512), nullable=False, comment="where the original is kept"),
    Column("batch", Key(64), nullable=False, comment="the batch partition that first received it"),
    Column("received_at", Timestamp, nullable=False),
    Index("ix_documents_batch", "batch"),
    **MYSQL_TABLE,
)

inbox_files = Table(
    "inbox_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch", Key(64), nullable=False),
    Column("source_key", Key(512), nullable=False, comment="the file's key in the inbox"),
    Column("file_name", Key(255), nullable=False),
    Column("sha256", SHA256, nullable=True),
    Column("size_bytes", Integer, nullable=False),
    Column("status", String(16), nullable=False, comment="accepted | duplicate | quarantined"),
    Column("reason", String(1024), nullable=True, comment="why a file was quarantined or is a duplicate"),
    Column("quarantine_key", Key(512), nullable=True),
    Column("received_at", Timestamp, nullable=False),
    Index("ux_inbox_files_batch_key", "batch", "source_key", unique=True),
    Index("ix_inbox_files_source_key", "source_key"),
    Index("ix_inbox_files_status", "status"),
    **MYSQL_TABLE,
)

ocr_pages = Table(
    "ocr_pages",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("page", Integer, primary_key=True),
    Column("text", LongText, nullable=False),
    Column("confidence", Real, nullable=False, comment="mean Tesseract word confidence, 0-100"),
    Column("source", String(16), nullable=False, comment="ocr | text-layer"),
    **MYSQL_TABLE,
)

invoices = Table(
    "invoices",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", Key(64), nullable=False),
    Column("file_name", Key(255), nullable=False),
    Column("invoice_number", String(64)),
    Column("issue_date", Date),
    Column("supplier", String(255)),
    Column("customer", String(255)),
    Column("subtotal", Money),
    Column("tax", Money),
    Column("total", Money),
    Column("currency", String(8)),
    Column("ocr_confidence", Real),
    Column("lines_match_subtotal", Boolean, comment="null when there was nothing to compare"),
    Column("totals_match", Boolean, comment="subtotal + tax == total; null when a figure is missing"),
    Column("flags", String(1024), nullable=False, default=""),
    Column("extracted_at", Timestamp, nullable=False),
    Index("ix_invoices_batch", "batch"),
    **MYSQL_TABLE,
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("sha256", SHA256, ForeignKey("invoices.sha256"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("description", String(512)),
    Column("quantity", Real),
    Column("unit_price", Money),
    Column("amount", Money),
    **MYSQL_TABLE,
)

invoice_labels = Table(
    "invoice_labels",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("file", Key(255), nullable=False, comment="the file name the label was given for"),
    Column("label", String(16), nullable=False, comment="corrective | preventive"),
    Column("source", String(512), nullable=False, comment="labels CSV it came from, or `review`"),
    Column("loaded_at", Timestamp, nullable=False),
    **MYSQL_TABLE,
)

invoice_predictions = Table(
    "invoice_predictions",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", Key(64), nullable=False),
    Column("label", String(16), nullable=False),
    Column("probability", Real, nullable=False, comment="probability of the predicted label"),
    Column("model_version", String(32), nullable=False),
    Column("predicted_at", Timestamp, nullable=False),
    Index("ix_invoice_predictions_batch", "batch"),
    **MYSQL_TABLE,
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", Key(64), nullable=False),
    Column("predicted_label", String(16), nullable=False),
    Column("probability", Real, nullable=False),
    Column("model_version", String(32), nullable=False),
    Column("queued_at", Timestamp, nullable=False),
    Column("reviewed_label", String(16), nullable=True, comment="set by a person: corrective | preventive"),
    Column("reviewed_by", String(128), nullable=True),
    Column("reviewed_at", Timestamp, nullable=True),
    **MYSQL_TABLE,
)

drift_reports = Table(
    "drift_reports",
    metadata,
    Column("period", Key(64), primary_key=True, comment="the weekly partition, e.g. 2026-11-23"),
    Column("drift", Boolean, nullable=False),
    Column("share", Real, nullable=False, comment="share of evaluated features that drifted"),
    Column("reasons", String(1024), nullable=False, default=""),
    Column("model_version", String(32), nullable=False),
    Column("reference_size", Integer, nullable=False),
    Column("current_size", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    **MYSQL_TABLE,
)

drift_features = Table(
    "drift_features",
    metadata,
    Column("period", Key(64), ForeignKey("drift_reports.period"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("method", String(64), nullable=False),
    Column("statistic", Real),
    Column("p_value", Real),
    Column("threshold", Real),
    Column("drift", Boolean, nullable=False),
    Column("note", String(512), nullable=False, default=""),
    **MYSQL_TABLE,
)
