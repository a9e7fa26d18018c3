"""One page image → words with boxes and confidences, through the `tesseract` command.

Single-threaded (`OMP_THREAD_LIMIT=1`, one process per core instead) and `--psm 6`, both chosen by
measurement: docs/decisions.md.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from dataclasses import dataclass

import cv2
import numpy as np

from invoice_assets.documents.layout import Word, layout_text
from invoice_assets.ocr.preprocess import DEFAULT_PREPROCESS, preprocess

SETUP_HINT = (
    "install it as the README's setup section says "
    "(apt-get install tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng)"
)


@dataclass(frozen=True)
class OcrSettings:
    """How documents are read. Frozen and picklable: it travels to the worker processes."""

    languages: str = "spa+eng"
    dpi: int = 300
    psm: int = 6
    preprocess: tuple[str, ...] = DEFAULT_PREPROCESS
    max_pages: int = 50
    max_pixels: int = 80_000_000
    text_layer_min_chars: int = 32
    page_timeout: float = 180.0
    tesseract: str = "tesseract"


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float
    words: int


class TesseractError(RuntimeError):
    """Tesseract is missing, lacks a language, or failed: a setup problem, not a bad document."""


def ocr_image(
    image: np.ndarray, settings: OcrSettings = OcrSettings(), *, dpi: float | None = None
) -> OcrResult:
    """OCR one page image: preprocessing, then one Tesseract call giving words, boxes and confidences."""
    cleaned = preprocess(image, settings.preprocess, dpi)
    ok, png = cv2.imencode(".png", cleaned)
    if not ok:
        raise ValueError("could not encode the page as PNG")
    tsv = run_tesseract(png.tobytes(), settings, dpi=dpi)
    return parse_tsv(tsv)


def run_tesseract(png: bytes, settings: OcrSettings, *, dpi: float | None = None) -> str:
    """Run the tesseract CLI on a PNG given on stdin and return its TSV output."""
    command = [
        settings.tesseract,
        "stdin",
        "stdout",
        "-l",
        settings.languages,
        "--psm",
        str(settings.psm),
        "--dpi",
        str(round(dpi or settings.dpi)),
        "tsv",
    ]
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            command,
            input=png,
            capture_output=True,
            env=environment,
            timeout=settings.page_timeout,
            check=False,
        )
    except FileNotFoundError:
        raise TesseractError(
            f"the tesseract program was not found ({settings.tesseract!r}): {SETUP_HINT}"
        ) from None
    except subprocess.TimeoutExpired:
        raise TesseractError(f"tesseract took longer than {settings.page_timeout:g} s on one page") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in message or "Error opening data file" in message:
            raise TesseractError(f"tesseract lacks a language of {settings.languages!r}: {SETUP_HINT}")
        raise TesseractError(f"tesseract failed (exit {done.returncode}): {message[-500:]}")
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str) -> OcrResult:
    """Rebuild the page text and mean word confidence from Tesseract's TSV (level 5 rows are words).

    Lines are Tesseract's own (block, paragraph, line) groups; `layout_text` places their words in
    columns by x position. Confidence -1 marks non-word rows and is ignored.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    confidences: list[float] = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        return OcrResult("", 0.0, 0)
    index = {name: position for position, name in enumerate(header)}
    for row in reader:
        if len(row) < len(header) or row[index["level"]] != "5":
            continue
        text = row[index["text"]].strip()
        confidence = float(row[index["conf"]])
        if not text or confidence < 0:
            continue
        left, top = int(row[index["left"]]), int(row[index["top"]])
        width, height = int(row[index["width"]]), int(row[index["height"]])
        key = (int(row[index["block_num"]]), int(row[index["par_num"]]), int(row[index["line_num"]]))
        lines.setdefault(key, []).append(Word(text, left, top, left + width, top + height))
        confidences.append(confidence)
    if not confidences:
        return OcrResult("", 0.0, 0)
    ordered = sorted(lines.values(), key=lambda words: min(w.top for w in words))
    text = layout_text([sorted(words, key=lambda w: w.left) for words in ordered])
    return OcrResult(text, sum(confidences) / len(confidences), len(confidences))
