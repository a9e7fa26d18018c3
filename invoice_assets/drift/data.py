"""The rows a drift report compares (invoices received in a window) and the stored reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from invoice_assets.drift.language import detect_language
from invoice_assets.drift.result import DriftReport
from invoice_assets.store.arrivals import utcnow
from invoice_assets.store.tables import (
    clip,
    documents,
    drift_features,
    drift_reports,
    invoice_lines,
    invoices,
)
from invoice_assets.store.texts import document_texts

FRAME_FIELDS = ("sha256", "total", "subtotal", "supplier", "currency", "ocr_confidence")


def documents_received_between(conn: Connection, start: datetime, end: datetime) -> list[str]:
    """Extracted invoices whose document arrived in [start, end) (naive UTC)."""
    query = (
        select(invoices.c.sha256)
        .join(documents, documents.c.sha256 == invoices.c.sha256)
        .where(documents.c.received_at >= start, documents.c.received_at < end)
        .order_by(invoices.c.sha256)
    )
    return list(conn.execute(query).scalars())


def invoice_frame(
    conn: Connection, sha256s: Sequence[str], predict_proba: Any, labels: Sequence[str]
) -> pd.DataFrame:
    """One row per invoice: the numeric, categorical and text columns `build_report` compares."""
    wanted = list(dict.fromkeys(sha256s))
    rows: dict[str, dict[str, Any]] = {}
    line_counts: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        fields = select(
            invoices.c.sha256, invoices.c.total, invoices.c.subtotal, invoices.c.supplier,
            invoices.c.currency, invoices.c.ocr_confidence,
        ).where(invoices.c.sha256.in_(chunk))  # fmt: skip
        rows.update({row.sha256: dict(row._mapping) for row in conn.execute(fields)})
        counts = (
            select(invoice_lines.c.sha256, func.count())
            .where(invoice_lines.c.sha256.in_(chunk))
            .group_by(invoice_lines.c.sha256)
        )
        line_counts.update(dict(conn.execute(counts).all()))
    texts = document_texts(conn, [sha for sha in wanted if sha in rows])
    ordered = [sha for sha in wanted if sha in rows]
    frame = pd.DataFrame([rows[sha] for sha in ordered], columns=list(FRAME_FIELDS))
    frame["n_lines"] = [line_counts.get(sha, 0) for sha in ordered]
    frame["text"] = [texts.get(sha, "") for sha in ordered]
    frame["text_length"] = frame["text"].str.len()
    frame["language"] = [detect_language(text) for text in frame["text"]]
    if ordered:
        probabilities = predict_proba(list(frame["text"]))
        frame["probability"] = probabilities.max(axis=1)
        frame["predicted_label"] = [labels[i] for i in probabilities.argmax(axis=1)]
    else:
        frame["probability"] = pd.Series(dtype=float)
        frame["predicted_label"] = pd.Series(dtype=str)
    return frame


def replace_drift_report(
    conn: Connection,
    period: str,
    report: DriftReport,
    model_version: str,
    reference_size: int,
    current_size: int,
) -> None:
    """Store a report and its features, replacing an earlier report of the same period."""
    conn.execute(delete(drift_features).where(drift_features.c.period == period))
    conn.execute(delete(drift_reports).where(drift_reports.c.period == period))
    conn.execute(
        insert(drift_reports).values(
            clip(
                drift_reports,
                {
                    "period": period,
                    "drift": report.drift,
                    "share": report.share,
                    "reasons": "; ".join(report.reasons),
                    "model_version": model_version,
                    "reference_size": reference_size,
                    "current_size": current_size,
                    "created_at": utcnow(),
                },
            )
        )
    )
    conn.execute(
        insert(drift_features),
        [
            clip(
                drift_features,
                {
                    "period": period,
                    "name": f.name,
                    "method": f.method,
                    "statistic": f.statistic,
                    "p_value": f.p_value,
                    "threshold": f.threshold,
                    "drift": f.drift,
                    "note": f.note,
                },
            )
            for f in report.features
        ],
    )
