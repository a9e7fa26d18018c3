"""Documents → text per page (text layer or OCR), and many files through a bounded process pool."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Literal

from pebble import ProcessExpired, ProcessPool

from invoice_assets.documents.media import UnreadableDocument, detect_media_type
from invoice_assets.documents.pages import Page, read_pages
from invoice_assets.ocr import watchdog
from invoice_assets.ocr.cpus import ocr_worker_count
from invoice_assets.ocr.preprocess import limit_resolution
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
    image, dpi = limit_resolution(page.image, page.dpi, settings.max_scan_dpi)
    result = ocr_image(image, settings, dpi=dpi)
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
    """Read many files in worker processes, yielding `(path, text or reason)` as each completes.

    Each worker loads one Tesseract engine and reuses it for every page. A page that runs past
    `settings.page_timeout`, or anything else that ends a worker, makes that file unreadable with the
    reason; the pool starts a new worker and the other files go on. At most two files per worker are in
    flight, so memory does not grow with the number of paths (which may be a lazy iterator over thousands
    of files). `workers` defaults to `ocr_worker_count()`. TesseractError (a setup problem that would fail
    every file) is raised, not yielded.
    """
    workers = workers or ocr_worker_count()
    if not _spawn_can_import_main():
        for path in paths:
            yield path, read_path(path, settings)
        return
    window = 2 * workers
    pending: dict[Future[DocumentText | UnreadableDocument], Path] = {}
    iterator = iter(paths)
    pool = ProcessPool(max_workers=workers, initializer=watchdog.enable, context=get_context("spawn"))
    finished = False
    try:
        while True:
            while len(pending) < window:
                path = next(iterator, None)
                if path is None:
                    break
                pending[pool.schedule(read_path, args=(path, settings))] = path
            if not pending:
                finished = True
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), _outcome(future, settings)
    finally:
        if finished:
            pool.close()
        else:  # an error, or the caller stopped early: end the workers now rather than finish their files
            pool.stop()
        pool.join()


def _outcome(
    future: Future[DocumentText | UnreadableDocument], settings: OcrSettings
) -> DocumentText | UnreadableDocument:
    try:
        return future.result()
    except ProcessExpired as ended:
        return UnreadableDocument(watchdog.worker_death_reason(ended.exitcode, settings.page_timeout))
