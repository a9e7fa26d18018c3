"""Platform-wide figures for the demo's closing summary, read back from the tables."""

from __future__ import annotations

from sqlalchemy import func, select

from invoice_assets.extraction.quality import summarize_extraction
from invoice_assets.intake.receive import DUPLICATE, QUARANTINED
from invoice_assets.store.engine import create_platform_engine
from invoice_assets.store.tables import documents, inbox_files, invoice_predictions, invoices, review_queue


def etl_summary(database_url: str) -> dict[str, float | int]:
    engine = create_platform_engine(database_url)
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(select(inbox_files.c.status, func.count()).group_by(inbox_files.c.status)).all()
        )
        document_count = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        records = [dict(row._mapping) for row in conn.execute(select(invoices))]
        confidence = conn.execute(select(func.avg(invoices.c.ocr_confidence))).scalar()
        predictions = conn.execute(select(func.count()).select_from(invoice_predictions)).scalar_one()
        queued = conn.execute(
            select(func.count()).select_from(review_queue).where(review_queue.c.reviewed_label.is_(None))
        ).scalar_one()
    engine.dispose()
    shares = summarize_extraction(records)
    return {
        "files": sum(statuses.values()),
        "documents": document_count,
        "duplicates": statuses.get(DUPLICATE, 0),
        "quarantined": statuses.get(QUARANTINED, 0),
        "number_share": shares.number_share,
        "date_share": shares.date_share,
        "total_share": shares.total_share,
        "consistent_share": shares.consistent_share,
        "mean_confidence": float(confidence or 0.0),
        "predictions": predictions,
        "review_queue": queued,
    }
