"""The FastAPI application: routes, the API key, and start-up and shut-down of what they use.

`create_app` takes resolved settings (tests build it on temporary stores); `create_app_from_env` is the
factory uvicorn imports in every worker process (`invoices serve`, or the user-code image running
`uvicorn --factory invoice_assets.service.app:create_app_from_env`).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from invoice_assets.extraction.suppliers import read_registers
from invoice_assets.intake.receive import IntakeLimits
from invoice_assets.ml.predictions import REVIEW_BELOW_PROBABILITY
from invoice_assets.ocr.tesseract import OcrSettings
from invoice_assets.registry.mlflow_registry import MlflowRegistry
from invoice_assets.service.champion import ChampionModel
from invoice_assets.service.classify import Classifier, Rejected
from invoice_assets.service.middleware import AccessLog, BodySizeLimit, BodyTooLarge
from invoice_assets.service.pool import OcrPool
from invoice_assets.service.settings import ServiceSettings, load_service_settings
from invoice_assets.service.store import stored_result
from invoice_assets.settings import PlatformSettings, load_settings
from invoice_assets.store.engine import DatabaseUnavailableError
from resources.database import DatabaseResource
from resources.environment import build_storage

log = logging.getLogger("invoices.service")

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="The key in INVOICES_API_KEY.")
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class Line(BaseModel):
    description: str | None
    quantity: float | None
    unit_price: float | None
    amount: float | None


class ClassifiedInvoice(BaseModel):
    """The object `invoices predict` prints for one file (docs/contract.md)."""

    file: str
    sha256: str
    invoice_number: str | None
    date: str | None = Field(description="ISO YYYY-MM-DD")
    supplier: str | None
    customer: str | None
    subtotal: float | None
    tax: float | None
    total: float | None
    currency: str | None
    lines: list[Line]
    ocr_confidence: float | None = Field(description="0-100")
    label: str = Field(description="corrective | preventive")
    probability: float
    model_version: str


class Problem(BaseModel):
    error: str
    file: str | None = None


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    meaning = {
        401: "missing or wrong X-API-Key",
        404: "no stored result for this sha256",
        413: "upload larger than INVOICES_MAX_UPLOAD_BYTES",
        415: "content is not PDF, PNG, JPEG or TIFF",
        422: "unreadable or corrupt file (truncated, too many pages, decompression bomb...)",
        503: "no champion model, OCR or database unavailable",
    }
    return {status: {"model": Problem, "description": meaning[status]} for status in statuses}


MULTIPART_FILE = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "one invoice: PDF, PNG, JPEG or TIFF",
                        }
                    },
                }
            }
        },
    }
}


def create_app(platform: PlatformSettings, settings: ServiceSettings) -> FastAPI:
    """The service for these stores and settings; its resources open and close with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = DatabaseResource(url=platform.database_url)
        registry = MlflowRegistry(platform.mlflow_tracking_uri, platform.mlflow_artifacts)
        champion = ChampionModel(registry)
        ocr_settings = OcrSettings()
        pool = OcrPool(settings.ocr_workers, ocr_settings.page_timeout)
        storage = build_storage(platform)
        register, _ = await to_thread.run_sync(
            lambda: read_registers((key, storage.read_inbox(key)) for key in storage.list_label_files())
        )
        app.state.classifier = Classifier(
            database=database,
            storage=storage,
            supplier_register=register,
            champion=champion,
            pool=pool,
            limits=IntakeLimits(max_bytes=settings.max_upload_bytes),
            ocr_settings=ocr_settings,
            review_below=REVIEW_BELOW_PROBABILITY,
        )
        try:
            await to_thread.run_sync(champion.refresh)
            await pool.start(ocr_settings)
            log.info(
                "champion %s; %d OCR workers; %s",
                champion.version or f"none ({champion.problem})",
                settings.ocr_workers,
                await to_thread.run_sync(_ping, database) or f"database {_describe(database)} answers",
            )
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="Invoice classification service",
        description="Upload one invoice (PDF, PNG, JPEG or TIFF); get its fields and the champion model's "
        "label, as `invoices predict` prints them. Results are stored and de-duplicated by sha256.",
        version="1",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_file_bytes=settings.max_upload_bytes)
    app.add_middleware(AccessLog)

    def require_api_key(key: Annotated[str | None, Depends(API_KEY)]) -> None:
        if key is None:
            raise Rejected(401, "missing X-API-Key header")
        if not hmac.compare_digest(key.encode(), settings.api_key.encode()):
            raise Rejected(401, "wrong API key")

    @app.exception_handler(Rejected)
    async def rejected(_: Request, error: Rejected) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(DatabaseUnavailableError)
    async def database_down(_: Request, error: Exception) -> JSONResponse:
        log.error("database error: %s", error)
        reason = f"the database is unavailable ({type(error).__name__}); retry later"
        return JSONResponse({"error": reason}, status_code=503)

    @app.get("/live")
    async def live() -> dict[str, str]:
        """200 while the process answers, champion or not: what the load balancer and ECS probe. A probe
        on /health would make ECS replace every task of a fresh deployment until the first model
        passes its gates; uploads meanwhile get a 503 that says why."""
        return {"status": "alive"}

    @app.get("/health", responses={503: {"description": "not ready: the body says what is failing"}})
    async def health(request: Request) -> JSONResponse:
        """200 when the champion model is loaded and the database answers; 503 otherwise, saying why."""
        classifier: Classifier = request.app.state.classifier
        await to_thread.run_sync(classifier.champion.refresh)
        database = await to_thread.run_sync(_ping, classifier.database)
        problems = [p for p in (classifier.champion.problem, database) if p]
        ready = classifier.champion.version is not None and database is None
        body = {
            "status": "ok" if ready else "unavailable",
            "model_version": classifier.champion.version,
            "database": database or "ok",
            "problems": problems,
            **{name: classifier.counts[name] for name in ("ocr_runs", "stored_answers")},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.post(
        "/v1/invoices:classify",
        response_model=ClassifiedInvoice,
        dependencies=[Depends(require_api_key)],
        openapi_extra=MULTIPART_FILE,
        responses=_errors(401, 413, 415, 422, 503),
    )
    async def classify(request: Request) -> dict[str, Any]:
        """Classify one invoice file sent as the multipart field `file`.

        A file whose content (sha256) was classified before is answered from the stored result.
        """
        file_name, data = await _read_upload(request, settings.max_upload_bytes)
        return await request.app.state.classifier.classify(file_name, data)

    @app.get(
        "/v1/invoices/{sha256}",
        response_model=ClassifiedInvoice,
        dependencies=[Depends(require_api_key)],
        responses=_errors(401, 404),
    )
    async def stored(
        request: Request, sha256: Annotated[str, Path(pattern=SHA256_PATTERN, description="lowercase hex")]
    ) -> dict[str, Any]:
        """The stored result for a document, by the sha256 of its content."""
        classifier: Classifier = request.app.state.classifier

        def load():
            with classifier.database.engine.connect() as conn:
                return stored_result(conn, sha256)

        found = await to_thread.run_sync(load)
        if found is None or found.prediction is None:
            raise Rejected(404, f"no classified invoice with sha256 {sha256}")
        return found.as_json()

    return app


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes]:
    """The one file of the multipart body, with a safe name, or Rejected with what to send instead."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Rejected(422, "send the invoice as multipart/form-data with the file in the field `file`")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Rejected(422, "no file in the multipart field `file`")
        data = await upload.read(max_bytes + 1)
        name = _safe_name(upload.filename)
    if len(data) > max_bytes:
        raise Rejected(413, str(BodyTooLarge(max_bytes)))
    return name, data


def _safe_name(raw: str | None) -> str:
    """The client's file name without any directory part (it is a label, never a path we open)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    return name[:255] or "upload"


def _ping(database: DatabaseResource) -> str | None:
    try:
        with database.engine.connect() as conn:
            conn.execute(select(1))
    except Exception as error:
        return f"database {_describe(database)} does not answer: {type(error).__name__}: {error}"[:500]
    return None


def _describe(database: DatabaseResource) -> str:
    return make_url(database.url).render_as_string(hide_password=True)


def create_app_from_env() -> FastAPI:
    """The app for the process environment (uvicorn's factory); refuses to start without INVOICES_API_KEY."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(load_settings(), load_service_settings())
