"""Labels from CSVs and reviews as an asset, and the SQL view of labelled invoices."""

from dagster import (
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from invoice_assets.defs.etl import OWNERS, invoice_fields, markdown_table
from invoice_assets.intake.labels_csv import parse_labels_csv
from invoice_assets.store.labels import (
    documents_by_name,
    load_labeled_invoices,
    refresh_labeled_view,
    replace_labels,
    reviewed_labels,
)
from resources.database import DatabaseResource
from resources.storage import InvoiceStorageResource

ML_GROUP = "ml"


class LabelsConfig(Config):
    labels_paths: list[str] = Field(
        default_factory=list,
        description="Labels CSVs to load besides those in the inbox (paths, or s3:// URIs with an S3 inbox).",
    )


@asset(
    group_name=ML_GROUP,
    kinds={"python", "sql"},
    owners=OWNERS,
    deps=[invoice_fields],
    description="Labels from the labels CSVs (inbox and given paths) and from the review queue, matched to "
    "documents by file name (`invoice_labels` table). Unknown labels and unknown files are listed.",
)
def invoice_labels(
    context: AssetExecutionContext,
    config: LabelsConfig,
    storage: InvoiceStorageResource,
    database: DatabaseResource,
) -> MaterializeResult:
    sources = [(key, storage.read_inbox(key)) for key in storage.list_label_files()]
    sources += [(path, storage.read_location(path)) for path in config.labels_paths]
    unknown_labels: list[dict[str, str]] = []
    unknown_files: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    labels: dict[str, dict[str, str]] = {}
    with database.engine.begin() as conn:
        names = documents_by_name(conn)
        for source, data in sources:
            parsed = parse_labels_csv(data.decode("utf-8", errors="replace"), source)
            if parsed.problem:
                skipped.append({"source": source, "reason": parsed.problem})
                continue
            unknown_labels += parsed.unknown_labels
            for row in parsed.rows:
                matches = names.get(row.file, set())
                if len(matches) != 1:
                    why = "no such file was received" if not matches else "several documents have this name"
                    unknown_files.append(
                        {"source": source, "line": str(row.line), "file": row.file, "reason": why}
                    )
                    continue
                (sha256,) = matches
                labels[sha256] = {"sha256": sha256, "file": row.file, "label": row.label, "source": source}
        for review in reviewed_labels(conn):
            labels[review["sha256"]] = review
        stored = replace_labels(conn, labels.values())
    if unknown_labels or unknown_files:
        context.log.warning(f"{len(unknown_labels)} unknown label values, {len(unknown_files)} unknown files")
    return MaterializeResult(
        metadata={
            "labels": stored,
            "sources": len(sources),
            "unknown_label_values": len(unknown_labels),
            "unknown_files": len(unknown_files),
            "skipped_csvs": MetadataValue.md(
                markdown_table(skipped, ("source", "reason")) if skipped else "none"
            ),
            "unknown_label_rows": MetadataValue.md(
                markdown_table(unknown_labels[:200], ("source", "line", "file", "label"))
                if unknown_labels
                else "none"
            ),
            "unknown_file_rows": MetadataValue.md(
                markdown_table(unknown_files[:200], ("source", "line", "file", "reason"))
                if unknown_files
                else "none"
            ),
        }
    )


@asset(
    group_name=ML_GROUP,
    kinds={"sql"},
    owners=OWNERS,
    deps=[invoice_labels],
    description="The `labeled_invoices` SQL view: extracted fields and label of every labelled invoice "
    "(the training code adds the OCR text), with class counts.",
)
def labeled_invoices(database: DatabaseResource) -> MaterializeResult:
    with database.engine.begin() as conn:
        refresh_labeled_view(conn)
        dataset = load_labeled_invoices(conn)
    counts: dict[str, int] = {}
    for item in dataset:
        counts[item.label] = counts.get(item.label, 0) + 1
    return MaterializeResult(
        metadata={"invoices": len(dataset), **{f"label_{k}": v for k, v in sorted(counts.items())}}
    )
