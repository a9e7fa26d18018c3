"""Resources, chosen per deployment from the environment (see `invoice_assets.settings`)."""

from __future__ import annotations

from typing import Any

from invoice_assets.settings import PlatformSettings, load_settings
from resources.database import DatabaseResource
from resources.mlflow_tracking import MlflowTracking
from resources.ocr import OcrResource
from resources.quality import ExtractionQuality, ModelGates
from resources.s3_storage import S3InvoiceStorage
from resources.storage import InvoiceStorageResource, LocalInvoiceStorage


def build_storage(settings: PlatformSettings) -> InvoiceStorageResource:
    """A folder inbox locally; `INVOICES_INBOX=s3://bucket/prefix` selects S3, with the archive,
    quarantine and reports as prefixes beside the inbox prefix in the same bucket."""
    if settings.inbox_is_s3:
        return S3InvoiceStorage.from_uri(settings.inbox)
    return LocalInvoiceStorage(
        inbox_dir=settings.inbox,
        archive_dir=str(settings.archive),
        quarantine_dir=str(settings.quarantine),
    )


def build_resources(settings: PlatformSettings | None = None) -> dict[str, Any]:
    """Every resource the assets, checks and sensors ask for, by name."""
    settings = settings or load_settings()
    return {
        "storage": build_storage(settings),
        "database": DatabaseResource(url=settings.database_url),
        "ocr": OcrResource(),
        "quality": ExtractionQuality(),
        "mlflow_tracking": MlflowTracking(
            tracking_uri=settings.mlflow_tracking_uri, artifact_root=settings.mlflow_artifacts
        ),
        "model_gates": ModelGates(),
    }
