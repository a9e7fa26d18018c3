"""The champion's predictions per invoice and the review queue of uncertain ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from invoice_assets.store.arrivals import utcnow
from invoice_assets.store.tables import (
    invoice_predictions,
    review_queue,
)


def replace_predictions(
    conn: Connection, batch: str, predictions: Sequence[dict[str, Any]], review_below: float
) -> int:
    """Upsert predictions by sha256 and keep the review queue in step; returns how many need review.

    A prediction less confident than `review_below` joins the queue (a person's earlier verdict on the
    same invoice is kept); a confident one leaves it unless a person already reviewed it.
    """
    now = utcnow()
    queued = 0
    for prediction in predictions:
        sha256 = prediction["sha256"]
        conn.execute(delete(invoice_predictions).where(invoice_predictions.c.sha256 == sha256))
        conn.execute(insert(invoice_predictions).values(**prediction, batch=batch, predicted_at=now))
        queued_row = select(review_queue.c.reviewed_label).where(review_queue.c.sha256 == sha256)
        pending = conn.execute(queued_row).first()
        values = {
            "batch": batch,
            "predicted_label": prediction["label"],
            "probability": prediction["probability"],
            "model_version": prediction["model_version"],
        }
        if prediction["probability"] < review_below:
            queued += 1
            if pending is None:
                conn.execute(insert(review_queue).values(sha256=sha256, queued_at=now, **values))
            else:
                conn.execute(update(review_queue).where(review_queue.c.sha256 == sha256).values(**values))
        elif pending is not None and pending.reviewed_label is None:
            conn.execute(delete(review_queue).where(review_queue.c.sha256 == sha256))
    return queued
