"""Documents → text per page (text layer or OCR), and many files through a bounded process pool."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Literal

from invoice_assets.documents.media import UnreadableDocument, detect_media_type
from invoice_assets.documents.pages import Page, read_pages
from invoice_assets.ocr.tesseract import OcrSettings, ocr_image


@dataclass(frozen=True)
class PageText:
    number: int
    text: str
    confidence: float
    source: Literal["text-layer", "ocr"]


@dataclass(frozen=True)
class DocumentText:
    media_type: str
    pages: list[PageText] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All pages, separated by a blank line."""
        return "\n\n".join(page.text for page in self.pages)

    @property
    def confidence(self) -> float:
        """Mean page confidence; a text-layer page counts as 100 (its text is exact)."""
        if not self.pages:
            return 0.0
        return sum(page.confidence for page in self.pages) / len(self.pages)


def read_page(page: Page, settings: OcrSettings) -> PageText:
    """The text of one page: its text layer as is, else OCR of its pixels."""
    if page.text_layer is not None:
        return PageText(page.number, page.text_layer, 100.0, "text-layer")
    assert page.image is not None
    result = ocr_image(page.image, settings, dpi=page.dpi)
    return PageText(page.number, result.text, result.confidence, "ocr")


def read_document(data: bytes, settings: OcrSettings = OcrSettings()) -> DocumentText:
    """Validate a file and read all its pages; raises UnreadableDocument (bad file) or TesseractError."""
    media_type = detect_media_type(data)
    pages = read_pages(
        data,
        dpi=settings.dpi,
        text_layer_min_chars=settings.text_layer_min_chars,
        max_pages=settings.max_pages,
        max_pixels=settings.max_pixels,
    )
    return DocumentText(media_type, [read_page(page, settings) for page in pages])


def read_path(path: Path, settings: OcrSettings) -> DocumentText | UnreadableDocument:
    """`read_document` on a file, returning (not raising) the reason it is unreadable."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return UnreadableDocument(f"cannot read file: {exc.strerror or exc}")
    try:
        return read_document(data, settings)
    except UnreadableDocument as exc:
        return exc


def _spawn_can_import_main() -> bool:
    """False when `__main__` names a file that does not exist (code piped on stdin): spawned workers
    would fail to re-import it, so reading then runs inline instead of crashing."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def read_documents(
    paths: Iterable[Path], settings: OcrSettings = OcrSettings(), workers: int | None = None
) -> Iterator[tuple[Path, DocumentText | UnreadableDocument]]:
    """Read many files in parallel, yielding `(path, text or reason)` as each completes.

    One worker process per core by default, each running single-threaded Tesseract. At most two files
    per worker are in flight, so memory does not grow with the number of paths (which may be a lazy
    iterator over thousands of files). `workers=1` runs inline, without a pool. TesseractError (a setup
    problem that would fail every file) is raised, not yielded.
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or not _spawn_can_import_main():
        for path in paths:
            yield path, read_path(path, settings)
        return
    window = 2 * workers
    pending: dict[Future[DocumentText | UnreadableDocument], Path] = {}
    iterator = iter(paths)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        try:
            while True:
                while len(pending) < window:
                    path = next(iterator, None)
                    if path is None:
                        break
                    pending[pool.submit(read_path, path, settings)] = path
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            for future in pending:
                future.cancel()
