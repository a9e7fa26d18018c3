"""What runs in the OCR worker processes: validating an upload, and reading and extracting it.

Module-level functions of plain data (bytes in, dataclasses out), so a spawned worker imports them
without Dagster. They reuse the batch path's own validation (`inspect_document`) and reading
(`read_document`, `extract_fields`): an upload is accepted or refused for exactly the reasons an inbox
file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from invoice_assets.documents.media import (
    JPEG,
    PDF,
    PNG,
    TIFF,
    DocumentInfo,
    UnreadableDocument,
    detect_media_type,
    inspect_document,
)
from invoice_assets.extraction import extract_fields
from invoice_assets.ocr.engine import engine
from invoice_assets.ocr.reader import DocumentText, read_document
from invoice_assets.ocr.tesseract import OcrSettings

ARCHIVE_SUFFIX = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TIFF: ".tif"}
"""The archive suffix comes from the detected content, never from the name the client sent."""


class UnsupportedUpload(UnreadableDocument):
    """Content of a type the platform does not read (HTTP 415), as opposed to a damaged file (422)."""


def validate_upload(data: bytes, max_pages: int, max_pixels: int) -> DocumentInfo:
    """The intake validation of the batch path (type from the bytes, full decode, page and pixel limits).

    Raises UnsupportedUpload when the content is not one of the supported types, UnreadableDocument when
    it is one of them but cannot be read in full.
    """
    if data:
        try:
            detect_media_type(data)
        except UnreadableDocument as error:
            raise UnsupportedUpload(error.reason) from None
    return inspect_document(data, max_pages=max_pages, max_pixels=max_pixels)


@dataclass(frozen=True)
class Analysis:
    """A document's pages as read and the contract fields extracted from their text."""

    document: DocumentText
    fields: dict[str, Any]


def read_and_extract(data: bytes, settings: OcrSettings) -> Analysis:
    """OCR (or the PDF text layer) and field extraction of one file, as `invoices extract` does it."""
    document = read_document(data, settings)
    return Analysis(document, extract_fields(document.text).to_record())


def load_engine(settings: OcrSettings) -> bool:
    """Load this worker's Tesseract engine (run once per worker when the service starts)."""
    engine(settings.languages, settings.psm)
    return True
