"""One page image → text laid out as printed, with the mean word confidence.

Tesseract reads single-threaded (parallelism is one worker process per CPU) with `--psm 6`, both chosen
by measurement: docs/decisions.md. `parse_tsv` reads
the `tesseract` command's TSV into the same words, for the command-line reference in the benchmarks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from invoice_assets.documents.layout import Word, layout_text
from invoice_assets.ocr.engine import RecognizedWord, recognize
from invoice_assets.ocr.preprocess import DEFAULT_PREPROCESS, preprocess
from invoice_assets.ocr.watchdog import page_deadline

DEFAULT_DPI = 200
"""Resolution at which PDF pages without a text layer are rendered (measured: docs/decisions.md)."""
MAX_SCAN_DPI = 300
"""Scans above this resolution are shrunk to it before OCR (measured: docs/decisions.md)."""


@dataclass(frozen=True)
class OcrSettings:
    """How documents are read. Frozen and picklable: it travels to the worker processes."""

    languages: str = "spa+eng"
    dpi: int = DEFAULT_DPI
    max_scan_dpi: int | None = MAX_SCAN_DPI
    psm: int = 6
    preprocess: tuple[str, ...] = DEFAULT_PREPROCESS
    max_pages: int = 50
    max_pixels: int = 80_000_000
    text_layer_min_chars: int = 32
    page_timeout: float = 180.0


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float
    words: int


def ocr_image(
    image: np.ndarray, settings: OcrSettings = OcrSettings(), *, dpi: float | None = None
) -> OcrResult:
    """OCR one page image: preprocessing, then this process's Tesseract engine.

    In an OCR worker process a page that runs past `settings.page_timeout` ends the worker
    (`watchdog.page_deadline`), and the pool reports the document as unreadable.
    """
    cleaned = preprocess(image, settings.preprocess, dpi)
    with page_deadline(settings.page_timeout):
        words = recognize(cleaned, settings.languages, settings.psm, dpi or settings.dpi)
    return page_result(words)


def page_result(words: Iterable[RecognizedWord]) -> OcrResult:
    """Rebuild the page text and mean confidence from recognized words.

    Lines are Tesseract's own (block, paragraph, line) groups; `layout_text` places their words in columns
    by x position.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    confidences: list[float] = []
    for recognized in words:
        lines.setdefault(recognized.line, []).append(recognized.word)
        confidences.append(recognized.confidence)
    if not confidences:
        return OcrResult("", 0.0, 0)
    ordered = sorted(lines.values(), key=lambda line: min(w.top for w in line))
    text = layout_text([sorted(line, key=lambda w: w.left) for line in ordered])
    return OcrResult(text, sum(confidences) / len(confidences), len(confidences))


def parse_tsv(tsv: str) -> list[RecognizedWord]:
    """The words of the `tesseract` command's TSV output (level 5 rows; confidence -1 marks non-words)."""
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        return []
    index = {name: position for position, name in enumerate(header)}
    words: list[RecognizedWord] = []
    for row in reader:
        if len(row) < len(header) or row[index["level"]] != "5":
            continue
        text = row[index["text"]].strip()
        confidence = float(row[index["conf"]])
        if not text or confidence < 0:
            continue
        left, top = int(row[index["left"]]), int(row[index["top"]])
        width, height = int(row[index["width"]]), int(row[index["height"]])
        line = (int(row[index["block_num"]]), int(row[index["par_num"]]), int(row[index["line_num"]]))
        words.append(RecognizedWord(line, Word(text, left, top, left + width, top + height), confidence))
    return words
