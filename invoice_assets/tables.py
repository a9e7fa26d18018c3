"""The platform's SQL schema, one SQLAlchemy Core metadata for SQLite and MySQL alike.

Types are chosen to mean the same on both engines: bounded `String` lengths (MySQL needs them for
indexes), `Numeric(14, 2)` for money so cents never drift, and a long-text variant for OCR text
(MySQL's TEXT stops at 64 KB). Every table that an asset rewrites is keyed so that a rewrite
replaces rows instead of adding them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
Money = Numeric(14, 2, asdecimal=False)
SHA256 = String(64)

documents = Table(
    "documents",
    metadata,
    Column("sha256", SHA256, primary_key=True, comment="content hash: the identity of a document"),
    Column("file_name", String(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("archive_key", String(512), nullable=False, comment="where the original is kept"),
    Column("batch", String(64), nullable=False, comment="the batch partition that first received it"),
    Column("received_at", DateTime, nullable=False),
    Index("ix_documents_batch", "batch"),
)

inbox_files = Table(
    "inbox_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch", String(64), nullable=False),
    Column("source_key", String(512), nullable=False, comment="the file's key in the inbox"),
    Column("file_name", String(255), nullable=False),
    Column("sha256", SHA256, nullable=True),
    Column("size_bytes", Integer, nullable=False),
    Column("status", String(16), nullable=False, comment="accepted | duplicate | quarantined"),
    Column("reason", String(1024), nullable=True, comment="why a file was quarantined or is a duplicate"),
    Column("quarantine_key", String(512), nullable=True),
    Column("received_at", DateTime, nullable=False),
    Index("ux_inbox_files_batch_key", "batch", "source_key", unique=True),
    Index("ix_inbox_files_source_key", "source_key"),
    Index("ix_inbox_files_status", "status"),
)

ocr_pages = Table(
    "ocr_pages",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("page", Integer, primary_key=True),
    Column("text", LongText, nullable=False),
    Column("confidence", Float, nullable=False, comment="mean Tesseract word confidence, 0-100"),
    Column("source", String(16), nullable=False, comment="ocr | text-layer"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", String(64), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("invoice_number", String(64)),
    Column("issue_date", Date),
    Column("supplier", String(255)),
    Column("customer", String(255)),
    Column("subtotal", Money),
    Column("tax", Money),
    Column("total", Money),
    Column("currency", String(8)),
    Column("ocr_confidence", Float),
    Column("lines_match_subtotal", Boolean, comment="null when there was nothing to compare"),
    Column("totals_match", Boolean, comment="subtotal + tax == total; null when a figure is missing"),
    Column("flags", String(1024), nullable=False, default=""),
    Column("extracted_at", DateTime, nullable=False),
    Index("ix_invoices_batch", "batch"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("sha256", SHA256, ForeignKey("invoices.sha256"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("description", String(512)),
    Column("quantity", Float),
    Column("unit_price", Money),
    Column("amount", Money),
)

invoice_labels = Table(
    "invoice_labels",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("file", String(255), nullable=False, comment="the file name the label was given for"),
    Column("label", String(16), nullable=False, comment="corrective | preventive"),
    Column("source", String(512), nullable=False, comment="labels CSV it came from, or `review`"),
    Column("loaded_at", DateTime, nullable=False),
)

invoice_predictions = Table(
    "invoice_predictions",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", String(64), nullable=False),
    Column("label", String(16), nullable=False),
    Column("probability", Float, nullable=False, comment="probability of the predicted label"),
    Column("model_version", String(32), nullable=False),
    Column("predicted_at", DateTime, nullable=False),
    Index("ix_invoice_predictions_batch", "batch"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("sha256", SHA256, ForeignKey("documents.sha256"), primary_key=True),
    Column("batch", String(64), nullable=False),
    Column("predicted_label", String(16), nullable=False),
    Column("probability", Float, nullable=False),
    Column("model_version", String(32), nullable=False),
    Column("queued_at", DateTime, nullable=False),
    Column("reviewed_label", String(16), nullable=True, comment="set by a person: corrective | preventive"),
    Column("reviewed_by", String(128), nullable=True),
    Column("reviewed_at", DateTime, nullable=True),
)

drift_reports = Table(
    "drift_reports",
    metadata,
    Column("period", String(64), primary_key=True, comment="the weekly partition, e.g. 2026-11-23"),
    Column("drift", Boolean, nullable=False),
    Column("share", Float, nullable=False, comment="share of evaluated features that drifted"),
    Column("reasons", String(1024), nullable=False, default=""),
    Column("model_version", String(32), nullable=False),
    Column("reference_size", Integer, nullable=False),
    Column("current_size", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

drift_features = Table(
    "drift_features",
    metadata,
    Column("period", String(64), ForeignKey("drift_reports.period"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("method", String(64), nullable=False),
    Column("statistic", Float),
    Column("p_value", Float),
    Column("threshold", Float),
    Column("drift", Boolean, nullable=False),
    Column("note", String(512), nullable=False, default=""),
)
