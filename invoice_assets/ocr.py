"""Pages → text: OpenCV clean-up, one Tesseract call per page, and a bounded process pool for many files.

Tesseract runs as a subprocess of the `tesseract` CLI (no Python binding to install or version-match),
single-threaded (`OMP_THREAD_LIMIT=1`): on a 2-core machine its OpenMP threading makes a page about twice
as slow, so parallelism comes from running one file per core instead (`read_documents`).

One call per page returns TSV: every word with its box and confidence. The text is rebuilt from those
words with `documents.layout_text`, the same layout the PDF text layer gets, and the page confidence is
the mean word confidence. `--psm 6` (one uniform block of text) keeps an invoice label and its amount on
one line far more often than the default `--psm 3`, which splits columns into separate blocks.

Preprocessing steps are named and selectable. A step is in the default only if `benchmarks/extraction.py
--compare-preprocessing` shows that it improves field accuracy; see `DEFAULT_PREPROCESS`.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from invoice_assets.documents import (
    Page,
    UnreadableDocument,
    Word,
    detect_media_type,
    layout_text,
    read_pages,
)

SETUP_HINT = (
    "install it as the README's setup section says "
    "(apt-get install tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng)"
)


# --------------------------------------------------------------------------------------------------
# Preprocessing steps: each takes and returns a uint8 image (grayscale after "grayscale").
# --------------------------------------------------------------------------------------------------


def to_grayscale(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Colour carries nothing Tesseract uses; one channel is a third of the bytes to pass on."""
    if image.ndim == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image


def estimate_skew(gray: np.ndarray, max_angle: float = 8.0) -> float:
    """The rotation (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection-profile search: when text lines are horizontal, the row sums of the ink alternate
    sharply between lines and gaps, so their variance peaks. Coarse search then refinement on a copy
    scaled to ~1000 px wide keeps it to a few tens of milliseconds.
    """
    scale = min(1.0, 1000.0 / max(gray.shape[1], 1))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if cv2.countNonZero(ink) < 50:
        return 0.0
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=score)
    return float(max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=score))


def deskew(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Rotate a slightly crooked scan straight (Tesseract's line finding degrades past ~1-2 degrees)."""
    gray = to_grayscale(image)
    angle = estimate_skew(gray)
    if abs(angle) < 0.15:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    white = (255, 255, 255) if image.ndim == 3 else 255
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=white,
    )


def denoise(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Median filter: removes salt-and-pepper specks from scanners and faxes, keeps stroke edges."""
    return cv2.medianBlur(image, 3)


def binarize(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Global Otsu threshold (often hurts: shadows and uneven light make one threshold wrong)."""
    _, binary = cv2.threshold(to_grayscale(image), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary


def adaptive_binarize(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Local (Gaussian-weighted) threshold: copes with uneven lighting, but can fray thin strokes."""
    return cv2.adaptiveThreshold(
        to_grayscale(image), 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15
    )


def upscale(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Enlarge small text: Tesseract reads best with capital letters around 30 px tall.

    The text height is measured (median height of letter-sized ink blobs), not taken from the file's
    DPI tag, which phone photos and receipts rarely carry truthfully.
    """
    height = text_height(to_grayscale(image))
    if height is None or height >= 22:
        return image
    factor = min(3.0, 30.0 / height)
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def text_height(gray: np.ndarray) -> float | None:
    """Median height in pixels of the connected ink components that look like letters."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 5) & (heights <= 200) & (widths <= 3 * heights) & (widths >= 2)]
    if count < 20 or letters.size < 20:
        return None
    return float(np.median(letters))


def remove_rules(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Erase table rules and box outlines (long thin horizontal or vertical ink runs).

    Tesseract reads a ruled cell border as "|" or "_" and, worse, lets a box edge pull text from two
    baselines into one line. Runs longer than about 1/30 of the page width (or 1/40 of its height) that
    are a few pixels thick are painted paper-white; letters are far shorter than that.
    """
    gray = to_grayscale(image)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    height, width = gray.shape
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, width // 30), 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(25, height // 40)))
    )
    mask = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    paper = int(np.percentile(gray, 90))
    cleaned = gray.copy()
    cleaned[mask > 0] = paper
    return cleaned


def normalize_contrast(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Stretch the grey levels so the darkest ink is black and the paper white (faded thermal paper)."""
    gray = to_grayscale(image)
    low, high = np.percentile(gray, (1, 99))
    if high - low < 10:
        return gray
    stretched = (gray.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(stretched, 0, 255).astype(np.uint8)


PREPROCESSING_STEPS: dict[str, Callable[[np.ndarray, float | None], np.ndarray]] = {
    "grayscale": to_grayscale,
    "upscale": upscale,
    "contrast": normalize_contrast,
    "deskew": deskew,
    "rules": remove_rules,
    "denoise": denoise,
    "binarize": binarize,
    "adaptive": adaptive_binarize,
}

# Chosen by `benchmarks/extraction.py --compare-preprocessing` (200 synthetic scans, seed 20261127; a
# 100-invoice tuning run, seed 777; the 40 SROIE receipts). Only steps that improved field accuracy stay:
# * deskew: customer +3.5 points, supplier +1, date +1 (and +1..+3 on the tuning run), for -0.5 on the
#   invoice number and -0.6 on line amounts; neutral on the receipts' dates.
# * grayscale: accuracy-neutral (Tesseract converts colour itself) but a third of the bytes to pipe.
# Measured and left out: binarize (Otsu; invoice number -2.5, receipt dates -10), adaptive (number -4.5,
# customer -3), denoise (median; number -3, and -7 on the tuning run), rules (supplier -5.5), contrast
# (mixed: line rows +1, customer -1.5, receipt totals -5), upscale (receipts: dates +10, totals +7.5, but
# invoices: customer -4, date -2.5; worth turning on for small-text receipts and phone photos).
DEFAULT_PREPROCESS: tuple[str, ...] = ("grayscale", "deskew")


def preprocess(image: np.ndarray, steps: Iterable[str], dpi: float | None = None) -> np.ndarray:
    """Apply the named steps in order."""
    for step in steps:
        try:
            function = PREPROCESSING_STEPS[step]
        except KeyError:
            raise ValueError(
                f"unknown preprocessing step {step!r}; known: {sorted(PREPROCESSING_STEPS)}"
            ) from None
        image = function(image, dpi)
    return image


# --------------------------------------------------------------------------------------------------
# Tesseract
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------


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
