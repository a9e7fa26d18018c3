"""The ETL half of the asset graph: inbox files → archived originals → OCR text → invoice fields.

Each asset is a thin wrapper: it asks its resources for files and connections and hands the work to
the domain modules (`intake`, `ocr`, `extraction`), then reports what happened as metadata.
"""

from contextlib import ExitStack
from functools import partial
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from invoice_assets.defs.partitions import batch_partitions
from invoice_assets.defs.run_log import PROGRESS
from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.extraction import extract_fields
from invoice_assets.extraction.quality import mean_confidence, summarize_extraction
from invoice_assets.extraction.suppliers import name_supplier, read_registers
from invoice_assets.intake.batching import BATCH_SIZE
from invoice_assets.intake.receive import ACCEPTED, DUPLICATE, QUARANTINED, IntakeLimits, receive_batch
from invoice_assets.ocr.engine import libtesseract_version
from invoice_assets.ocr.reader import read_documents
from invoice_assets.store.arrivals import (
    batch_quarantine,
    batch_status_counts,
    received_by_other_batch,
    record_arrivals,
    unreceived_files,
)
from invoice_assets.store.invoices import invoice_row, replace_invoice
from invoice_assets.store.texts import batch_documents, batch_texts, quarantine_document, replace_ocr_pages
from resources.database import DatabaseResource
from resources.ocr import OcrResource
from resources.quality import ExtractionQuality
from resources.storage import InvoiceStorageResource

ETL_GROUP = "etl"
OWNERS = ["team:invoice-platform"]


class RawInvoicesConfig(Config):
    files: list[str] = Field(
        default_factory=list,
        description="Inbox keys of this batch, as chosen by inbox_sensor. Left empty, a new batch takes up "
        "to `batch_size` inbox files no batch has received yet, and a batch received before keeps its files.",
    )
    batch_size: int = Field(
        default=BATCH_SIZE, description="Most files a batch takes from the inbox on its own."
    )
    max_bytes: int = Field(default=IntakeLimits.max_bytes, description="Larger files are quarantined.")
    max_pages: int = Field(
        default=IntakeLimits.max_pages, description="Documents with more pages are quarantined."
    )
    max_pixels: int = Field(
        default=IntakeLimits.max_pixels,
        description="Pages with more pixels are quarantined (decompression bombs).",
    )


def markdown_table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)


@asset(
    partitions_def=batch_partitions,
    group_name=ETL_GROUP,
    kinds={"python", "sql"},
    owners=OWNERS,
    description="A batch of inbox files: each original archived by sha256, recorded in the manifest "
    "(`documents`, `inbox_files`), duplicates and unreadable files set aside with their reason.",
)
def raw_invoices(
    context: AssetExecutionContext,
    config: RawInvoicesConfig,
    storage: InvoiceStorageResource,
    database: DatabaseResource,
) -> MaterializeResult:
    batch = context.partition_key
    engine = database.engine
    limits = IntakeLimits(
        max_bytes=config.max_bytes, max_pages=config.max_pages, max_pixels=config.max_pixels
    )
    arrivals = []
    with engine.connect() as conn:
        if config.files:
            keys = list(dict.fromkeys(config.files))
        elif batch_status_counts(conn, batch):
            keys = []  # received before: re-materializing keeps the batch's recorded files
        else:
            keys = [f.key for f in unreceived_files(conn, storage.list_inbox())][: config.batch_size]
        context.log.info(
            f"batch {batch}: receiving {len(keys)} files from {storage.describe()}", extra={PROGRESS: True}
        )
        received_elsewhere = partial(received_by_other_batch, conn, batch)
        for number, arrival in enumerate(receive_batch(storage, keys, batch, limits, received_elsewhere), 1):
            arrivals.append(arrival)
            if arrival.status == QUARANTINED:
                context.log.warning(f"quarantined {arrival.key}: {arrival.reason}")
            if number % 50 == 0:
                context.log.info(f"received {number}/{len(keys)} files", extra={PROGRESS: True})
    with engine.begin() as conn:
        record_arrivals(conn, batch, arrivals)
    with engine.connect() as conn:
        counts = batch_status_counts(conn, batch)
        quarantined = batch_quarantine(conn, batch)
    context.log.info(
        f"batch {batch}: {counts.get(ACCEPTED, 0)} accepted, {counts.get(DUPLICATE, 0)} duplicates, "
        f"{counts.get(QUARANTINED, 0)} quarantined"
    )
    return MaterializeResult(
        metadata={
            "files": sum(counts.values()),
            "accepted": counts.get(ACCEPTED, 0),
            "duplicates": counts.get(DUPLICATE, 0),
            "quarantined": counts.get(QUARANTINED, 0),
            "received_now": len(arrivals),
            "inbox": storage.describe(),
            "quarantine": MetadataValue.md(
                markdown_table(quarantined, ("file", "reason")) if quarantined else "none"
            ),
        }
    )


@asset(
    partitions_def=batch_partitions,
    group_name=ETL_GROUP,
    kinds={"opencv", "tesseract", "sql"},
    owners=OWNERS,
    deps=[raw_invoices],
    check_specs=[AssetCheckSpec("mean_ocr_confidence", asset="ocr_pages")],
    description="Text of every page of the batch's documents: the PDF text layer where a page has one, "
    "else OpenCV clean-up and Tesseract (spa+eng), with the mean word confidence (`ocr_pages` table).",
)
def ocr_pages(
    context: AssetExecutionContext,
    storage: InvoiceStorageResource,
    database: DatabaseResource,
    ocr: OcrResource,
    quality: ExtractionQuality,
):
    batch = context.partition_key
    engine = database.engine
    with engine.connect() as conn:
        docs = batch_documents(conn, batch)
    settings = ocr.settings()
    workers = ocr.worker_count()
    context.log.info(
        f"batch {batch}: reading {len(docs)} documents with {workers} OCR workers", extra={PROGRESS: True}
    )
    confidences: list[float] = []
    pages = failed = 0
    with ExitStack() as stack:
        by_path: dict[Path, object] = {
            stack.enter_context(storage.local_copy(d.archive_key)): d for d in docs
        }
        for done, (path, result) in enumerate(read_documents(list(by_path), settings, workers=workers), 1):
            doc = by_path[path]
            if isinstance(result, UnreadableDocument):
                failed += 1
                context.log.warning(f"{doc.file_name}: {result.reason}; quarantined")
                quarantine_key = storage.store_quarantine(
                    batch, doc.file_name, path.read_bytes(), result.reason
                )
                with engine.begin() as conn:
                    quarantine_document(conn, batch, doc.sha256, result.reason, quarantine_key)
                continue
            rows = [
                {"page": p.number, "text": p.text, "confidence": p.confidence, "source": p.source}
                for p in result.pages
            ]
            with engine.begin() as conn:
                replace_ocr_pages(conn, doc.sha256, rows)
            pages += len(rows)
            confidences.append(result.confidence)
            if done % 20 == 0 or done == len(docs):
                context.log.info(f"OCR {done}/{len(docs)} documents", extra={PROGRESS: True})
    mean = mean_confidence(confidences)
    context.log.info(
        f"batch {batch}: read {len(confidences)} documents ({pages} pages, {failed} unreadable), "
        f"mean OCR confidence {mean:.1f}"
    )
    yield MaterializeResult(
        metadata={
            "documents": len(confidences),
            "pages": pages,
            "failed": failed,
            "mean_confidence": round(mean, 2),
            "ocr_workers": workers,
            "libtesseract": libtesseract_version(),
        }
    )
    yield AssetCheckResult(
        check_name="mean_ocr_confidence",
        passed=not confidences or mean >= quality.min_ocr_confidence,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "mean_confidence": round(mean, 2),
            "threshold": quality.min_ocr_confidence,
            "documents": len(confidences),
        },
    )


@asset(
    partitions_def=batch_partitions,
    group_name=ETL_GROUP,
    kinds={"python", "sql"},
    owners=OWNERS,
    deps=[ocr_pages],
    check_specs=[
        AssetCheckSpec("key_fields_found", asset="invoice_fields"),
        AssetCheckSpec("arithmetic_consistent", asset="invoice_fields"),
    ],
    description="Invoice number, date, parties, amounts and line items of each invoice of the batch, "
    "cross-checked arithmetically; the supplier named by the supplier register (`suppliers.csv` in the "
    "inbox) when its tax id is on the page (`invoices` and `invoice_lines` tables, upserted by sha256).",
)
def invoice_fields(
    context: AssetExecutionContext,
    database: DatabaseResource,
    quality: ExtractionQuality,
    storage: InvoiceStorageResource,
):
    batch = context.partition_key
    engine = database.engine
    register, register_files = read_registers(
        (key, storage.read_inbox(key)) for key in storage.list_label_files()
    )
    with engine.connect() as conn:
        texts = batch_texts(conn, batch)
    records = []
    with engine.begin() as conn:
        for text in texts:
            fields = name_supplier(extract_fields(text.text).to_record(), text.text, register)
            record = invoice_row(text.sha256, batch, text.file_name, fields, text.confidence)
            replace_invoice(conn, record, fields["lines"] or [])
            records.append(record)
    summary = summarize_extraction(records)
    context.log.info(f"batch {batch}: {summary}")
    named = sum("supplier named by the register" in record["flags"] for record in records)
    yield MaterializeResult(
        metadata={
            **summary.as_metadata(),
            "supplier_register": ", ".join(register_files) or "none in the inbox",
            "suppliers_named_by_register": named,
        }
    )
    yield AssetCheckResult(
        check_name="key_fields_found",
        passed=not records or summary.found_share >= quality.min_found_share,
        severity=AssetCheckSeverity.WARN,
        metadata={**summary.as_metadata(), "threshold": quality.min_found_share},
    )
    yield AssetCheckResult(
        check_name="arithmetic_consistent",
        passed=not records or summary.consistent_share >= quality.min_consistent_share,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "consistent_share": round(summary.consistent_share, 4),
            "threshold": quality.min_consistent_share,
        },
    )


etl_assets = [raw_invoices, ocr_pages, invoice_fields]
