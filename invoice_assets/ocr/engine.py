"""One Tesseract engine per process, loaded once and reused for every page (Tesseract's C API via tesserocr).

Starting the `tesseract` command per page loads the Spanish and English models again each time; an engine
kept in the process reads the next page straight away. tesserocr is compiled against the system's
libtesseract (Debian's, as the `tesseract` command uses: pyproject.toml `[tool.uv]`), so a page reads
exactly as the command reads it; the language data comes from the system's packages (`tessdata_path()`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Debian's libtesseract is built with OpenMP, which reads this when the library loads: one thread per
# engine, because parallelism is one worker process per CPU (docs/decisions.md).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
import tesserocr

from invoice_assets.documents.layout import Word

SETUP_HINT = (
    "install the language data as the README's setup section says "
    "(apt-get install tesseract-ocr-spa tesseract-ocr-eng), or set TESSDATA_PREFIX to the folder that "
    "holds spa.traineddata and eng.traineddata"
)

TESSDATA_FOLDERS = (
    "/usr/share/tesseract-ocr/5/tessdata",  # Debian and Ubuntu
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",  # Fedora, Arch, Alpine
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


class TesseractError(RuntimeError):
    """Tesseract's language data is missing or the engine failed: a setup problem, not a bad document."""


@dataclass(frozen=True)
class RecognizedWord:
    """One word as Tesseract read it: its line (block, paragraph, line numbers), box and confidence."""

    line: tuple[int, int, int]
    word: Word
    confidence: float


def libtesseract_version() -> str:
    """The version of the libtesseract the engine runs, e.g. "5.3.0" (Debian bookworm)."""
    return tesserocr.tesseract_version().split()[1]


def tessdata_path(environ: dict[str, str] | None = None) -> str:
    """The folder with the `.traineddata` files: TESSDATA_PREFIX when set, else the first system folder
    that holds English data."""
    env = os.environ if environ is None else environ
    configured = (env.get("TESSDATA_PREFIX") or "").strip()
    if configured:
        return configured.rstrip("/") + "/"
    for folder in TESSDATA_FOLDERS:
        if Path(folder, "eng.traineddata").is_file():
            return folder + "/"
    raise TesseractError(f"no Tesseract language data found in {', '.join(TESSDATA_FOLDERS)}: {SETUP_HINT}")


_engines: dict[tuple[str, int], tesserocr.PyTessBaseAPI] = {}


def engine(languages: str, psm: int) -> tesserocr.PyTessBaseAPI:
    """This process's engine for `languages` and page segmentation mode `psm`, created on first use."""
    key = (languages, psm)
    if key not in _engines:
        folder = tessdata_path()
        missing = [lang for lang in languages.split("+") if not Path(folder, f"{lang}.traineddata").is_file()]
        if missing:
            raise TesseractError(f"no language data for {'+'.join(missing)} in {folder}: {SETUP_HINT}")
        try:
            _engines[key] = tesserocr.PyTessBaseAPI(path=folder, lang=languages, psm=psm)
        except RuntimeError as error:
            raise TesseractError(
                f"Tesseract could not start with {languages!r}: {error}: {SETUP_HINT}"
            ) from None
    return _engines[key]


def recognize(image: np.ndarray, languages: str, psm: int, dpi: float) -> list[RecognizedWord]:
    """Read a grayscale (HxW) or RGB (HxWx3) uint8 page and return its words in reading order."""
    api = engine(languages, psm)
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    api.SetImageBytes(pixels.tobytes(), width, height, channels, width * channels)
    api.SetSourceResolution(round(dpi))
    try:
        api.Recognize()
        return _words(api)
    finally:
        api.Clear()


def _words(api: tesserocr.PyTessBaseAPI) -> list[RecognizedWord]:
    """Walk the result iterator word by word, numbering blocks, paragraphs and lines as the TSV does."""
    words: list[RecognizedWord] = []
    iterator = api.GetIterator()
    if iterator is None:
        return words
    block = paragraph = line = 0
    level = tesserocr.RIL.WORD
    for item in tesserocr.iterate_level(iterator, level):
        if item.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            block, paragraph, line = block + 1, 0, 0
        if item.IsAtBeginningOf(tesserocr.RIL.PARA):
            paragraph, line = paragraph + 1, 0
        if item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            line += 1
        text = (item.GetUTF8Text(level) or "").strip()
        confidence = item.Confidence(level)
        box = item.BoundingBox(level)
        if not text or confidence < 0 or box is None:
            continue
        left, top, right, bottom = box
        words.append(
            RecognizedWord((block, paragraph, line), Word(text, left, top, right, bottom), confidence)
        )
    return words
