"""The use case behind `POST /v1/invoices:classify`: one upload in, the `invoices predict` JSON out.

Cheapest refusal first: a stored result for the sha256 answers at once; else validation in a worker (the
batch path's intake checks), the original archived by sha256, OCR and extraction in a worker process,
prediction by the champion in a thread, and every row in one transaction. Uploads of the same content
are serialized within a process; two processes racing on new content both compute it, one set of rows stays.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.extraction.json_line import prediction_fields
from invoice_assets.extraction.suppliers import name_supplier
from invoice_assets.intake.receive import IntakeLimits
from invoice_assets.intake.storage import InvoiceStorage
from invoice_assets.ml.predictions import Prediction
from invoice_assets.ocr.engine import TesseractError
from invoice_assets.ocr.tesseract import OcrSettings
from invoice_assets.registry.champion import NoChampion
from invoice_assets.service import work
from invoice_assets.service.champion import ChampionModel
from invoice_assets.service.pool import OcrPool, WorkerPoolBroken
from invoice_assets.service.store import StoredResult, Upload, save_classified, save_prediction, stored_result
from invoice_assets.store.texts import document_texts
from resources.database import DatabaseResource


class Rejected(Exception):
    """A request the service answers with an error status and a reason (the JSON body's `error`)."""

    def __init__(self, status: int, reason: str, file: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.file = status, reason, file

    def body(self) -> dict[str, str]:
        return {"file": self.file, "error": self.reason} if self.file else {"error": self.reason}


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass
class Classifier:
    """Everything a classification needs; one per service process (`app.state.classifier`)."""

    database: DatabaseResource
    storage: InvoiceStorage
    champion: ChampionModel
    pool: OcrPool
    limits: IntakeLimits
    ocr_settings: OcrSettings
    review_below: float
    supplier_register: dict[str, str] = field(default_factory=dict)
    """Tax id → supplier name from the inbox's register CSVs, read at start (`extraction.suppliers`)."""

    def __post_init__(self) -> None:
        self.counts: Counter[str] = Counter()
        """`ocr_runs` (documents sent to OCR) and `stored_answers` (answered from the tables)."""
        self._same_content = KeyedLocks()

    async def classify(self, file_name: str, data: bytes) -> dict[str, Any]:
        sha256 = await to_thread.run_sync(_sha256, data)
        async with self._same_content.hold(sha256):
            stored = await to_thread.run_sync(self._stored, sha256)
            if stored is not None and stored.prediction is not None:
                self.counts["stored_answers"] += 1
                return stored.as_json()
            if stored is not None:  # extracted by the batch path, never predicted: no OCR needed
                return await self._predict_stored(stored, sha256)
            return await self._classify_new(file_name, sha256, data)

    async def _classify_new(self, file_name: str, sha256: str, data: bytes) -> dict[str, Any]:
        self._champion_or_503(file_name)
        try:
            info = await self.pool.run(
                work.validate_upload, data, self.limits.max_pages, self.limits.max_pixels
            )
        except work.UnsupportedUpload as error:
            raise Rejected(415, error.reason, file_name) from None
        except UnreadableDocument as error:
            raise Rejected(422, error.reason, file_name) from None
        except WorkerPoolBroken as error:
            raise Rejected(503, str(error), file_name) from None
        archive_key = await to_thread.run_sync(
            self.storage.store_archive, sha256, work.ARCHIVE_SUFFIX[info.media_type], data
        )
        self.counts["ocr_runs"] += 1
        try:
            analysis = await self.pool.run(work.read_and_extract, data, self.ocr_settings)
        except UnreadableDocument as error:
            raise Rejected(422, error.reason, file_name) from None
        except (TesseractError, WorkerPoolBroken) as error:
            raise Rejected(503, f"OCR is unavailable: {error}", file_name) from None
        prediction, version = await to_thread.run_sync(self._predict, analysis.document.text, file_name)
        fields = name_supplier(analysis.fields, analysis.document.text, self.supplier_register)
        upload = Upload(sha256, file_name, len(data), archive_key, analysis.document, fields)
        # IntegrityError: another service process stored the same content first; answer with its rows
        with suppress(IntegrityError):
            await to_thread.run_sync(self._save, upload, prediction, version)
        stored = await to_thread.run_sync(self._stored, sha256)
        if stored is None or stored.prediction is None:
            raise RuntimeError(f"the rows of {sha256} were committed but cannot be read back")
        return stored.as_json()

    async def _predict_stored(self, stored: StoredResult, sha256: str) -> dict[str, Any]:
        text = await to_thread.run_sync(self._text, sha256)
        prediction, version = await to_thread.run_sync(self._predict, text, stored.row["file"])

        def save() -> None:
            with self.database.engine.begin() as conn:
                save_prediction(conn, sha256, prediction, version, self.review_below)

        await to_thread.run_sync(save)
        fields = prediction_fields(prediction.label, prediction.probability, version)
        return replace(stored, prediction=fields).as_json()

    def _champion_or_503(self, file_name: str) -> None:
        try:
            self.champion.current()
        except NoChampion as error:
            raise Rejected(503, str(error), file_name) from None

    def _predict(self, text: str, file_name: str) -> tuple[Prediction, str]:
        try:
            return self.champion.predict(text)
        except NoChampion as error:
            raise Rejected(503, str(error), file_name) from None

    def _stored(self, sha256: str) -> StoredResult | None:
        with self.database.engine.connect() as conn:
            return stored_result(conn, sha256)

    def _text(self, sha256: str) -> str:
        with self.database.engine.connect() as conn:
            return document_texts(conn, [sha256]).get(sha256, "")

    def _save(self, upload: Upload, prediction: Prediction, version: str) -> None:
        with self.database.engine.begin() as conn:
            save_classified(conn, upload, prediction, version, self.review_below)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
