"""The reference floor the OCR benchmarks compare with: one `tesseract` command per page.

This is how the platform read pages before it kept an engine per worker: the pages preprocessed as the
platform does, then `tesseract --psm 6 -l spa+eng --dpi D tsv` in a fresh process per page with
`OMP_THREAD_LIMIT=1`. Rendering PDF pages and preprocessing are done beforehand and not timed, in the
floor's favour.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2

from invoice_assets.documents.pages import read_pages
from invoice_assets.ocr.preprocess import limit_resolution, preprocess
from invoice_assets.ocr.tesseract import OcrSettings, page_result, parse_tsv


@dataclass(frozen=True)
class PageFile:
    """One page of a document, preprocessed and written as PNG for the command to read."""

    document: Path
    number: int
    png: Path
    dpi: float


def page_files(documents: Sequence[Path], folder: Path, settings: OcrSettings) -> list[PageFile]:
    """Every OCR page of `documents` (text-layer pages are skipped, as the platform skips them)."""
    folder.mkdir(parents=True, exist_ok=True)
    pages: list[PageFile] = []
    for document in documents:
        for page in read_pages(document.read_bytes(), dpi=settings.dpi):
            if page.image is None:
                continue
            image, dpi = limit_resolution(page.image, page.dpi, settings.max_scan_dpi)
            cleaned = preprocess(image, settings.preprocess, dpi)
            target = folder / f"{document.name}-p{page.number}.png"
            cv2.imwrite(str(target), cleaned)
            pages.append(PageFile(document, page.number, target, dpi or settings.dpi))
    return pages


def read_with_command(page: PageFile, settings: OcrSettings) -> str:
    """The page's TSV from a fresh `tesseract` process."""
    command = ["tesseract", str(page.png), "stdout", "-l", settings.languages, "--psm", str(settings.psm)]
    command += ["--dpi", str(round(page.dpi)), "tsv"]
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(command, check=True, capture_output=True, env=environment).stdout.decode()


def command_loop(
    pages: Sequence[PageFile], settings: OcrSettings, workers: int
) -> tuple[float, dict[Path, str]]:
    """Read every page with the command, `workers` at a time; the wall time and each document's text."""
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        tsvs = list(pool.map(lambda page: read_with_command(page, settings), pages))
    seconds = time.perf_counter() - started
    texts: dict[Path, list[str]] = {}
    for page, tsv in zip(pages, tsvs, strict=True):
        texts.setdefault(page.document, []).append(page_result(parse_tsv(tsv)).text)
    return seconds, {document: "\n\n".join(parts) for document, parts in texts.items()}
