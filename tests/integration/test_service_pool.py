"""The service's OCR worker pool: a page past its deadline fails only its request, with a 422 reason,
and a worker that dies is replaced without breaking the requests after it."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from dataclasses import replace

import pytest
from PIL import Image

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.ocr.tesseract import OcrSettings
from invoice_assets.service import work
from invoice_assets.service.pool import OcrPool, WorkerPoolBroken
from tests.unit.ocr.test_ocr import PAGE, rendered_page

pytestmark = pytest.mark.usefixtures("tesseract")


def kill_this_worker() -> None:
    """Run in a worker: end it as the kernel's out-of-memory killer would."""
    os.kill(os.getpid(), signal.SIGKILL)


def png_of_page() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rendered_page(PAGE)).save(buffer, format="PNG", dpi=(300, 300))
    return buffer.getvalue()


def test_a_slow_page_is_refused_with_its_reason_and_the_pool_keeps_serving():
    data = png_of_page()
    hurried = replace(OcrSettings(), page_timeout=0.01)

    async def scenario() -> str:
        pool = OcrPool(1, hurried.page_timeout)
        try:
            await pool.start(OcrSettings())
            with pytest.raises(UnreadableDocument, match=r"took longer than 0\.01 s"):
                await pool.run(work.read_and_extract, data, hurried)
            with pytest.raises(WorkerPoolBroken, match=r"SIGKILL .*retry the request"):
                await pool.run(kill_this_worker)
            analysis = await pool.run(work.read_and_extract, data, OcrSettings())
            return analysis.document.text
        finally:
            pool.close()

    assert "F-2026/0041" in asyncio.run(scenario())
