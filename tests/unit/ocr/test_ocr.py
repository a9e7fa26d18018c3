"""OCR: a real Tesseract call on a small rendered page, TSV parsing, preprocessing, and the file pool."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.ocr.preprocess import DEFAULT_PREPROCESS, PREPROCESSING_STEPS, estimate_skew, preprocess
from invoice_assets.ocr.reader import DocumentText, PageText, read_document, read_documents
from invoice_assets.ocr.tesseract import OcrSettings, TesseractError, ocr_image, parse_tsv
from tests.support.machine import skip_or_fail

needs_tesseract = pytest.mark.usefixtures("tesseract")


def rendered_page(lines: list[str], size=(1200, 420)) -> np.ndarray:
    """A small clean page of text at roughly 300 DPI letter size."""
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 34)
    except OSError:
        skip_or_fail("DejaVuSans.ttf is not installed: run `bash scripts/setup.sh` (fonts-dejavu-core)")
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((40, 40 + 60 * number), line, font=font, fill=0)
    return np.asarray(image).copy()


PAGE = [
    "FACTURA nº F-2026/0041",
    "Fecha: 27/11/2026",
    "Base imponible: 1.234,56 €",
    "TOTAL FACTURA: 1.493,82 €",
]


@needs_tesseract
def test_ocr_image_returns_text_and_confidence_from_one_call():
    result = ocr_image(rendered_page(PAGE), OcrSettings())
    lines = result.text.splitlines()
    assert len(lines) == 4
    assert "27/11/2026" in lines[1]
    assert lines[3].split()[-2:] == ["1.493,82", "€"]
    assert result.confidence > 80
    assert result.words >= 12


@needs_tesseract
def test_read_document_on_a_png():
    buffer = io.BytesIO()
    Image.fromarray(rendered_page(PAGE)).save(buffer, format="PNG", dpi=(300, 300))
    document = read_document(buffer.getvalue(), OcrSettings())
    assert document.media_type == "image/png"
    assert [p.source for p in document.pages] == ["ocr"]
    assert "F-2026/0041" in document.text
    assert document.confidence == document.pages[0].confidence


def test_missing_tesseract_says_how_to_install_it():
    settings = replace(OcrSettings(), tesseract="/nonexistent/tesseract")
    with pytest.raises(
        TesseractError, match="apt-get install tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng"
    ):
        ocr_image(np.full((50, 50), 255, np.uint8), settings)


def test_parse_tsv_rebuilds_lines_and_ignores_non_words():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t1000\t500\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t60\t20\t96.5\tTotal:",
        "5\t1\t1\t1\t1\t2\t400\t10\t80\t20\t90.5\t1.210,00",
        "5\t1\t1\t1\t2\t1\t10\t50\t60\t20\t-1\t ",
        "5\t1\t1\t1\t2\t2\t10\t50\t50\t20\t80.0\tIVA",
    ]
    result = parse_tsv("\n".join([header, *rows]) + "\n")
    assert result.words == 3
    assert result.confidence == pytest.approx((96.5 + 90.5 + 80.0) / 3)
    first, second = result.text.splitlines()
    assert first.split() == ["Total:", "1.210,00"] and "  " in first  # the column gap survives
    assert second == "IVA"
    assert parse_tsv("") == parse_tsv(header + "\n")


def test_deskew_estimates_the_rotation_of_a_text_page():
    page = rendered_page(PAGE * 3, size=(1200, 900))
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 2.0, 1.0)
    tilted = cv2.warpAffine(page, matrix, (width, height), borderValue=255)
    assert estimate_skew(tilted) == pytest.approx(-2.0, abs=0.3)
    assert abs(estimate_skew(preprocess(tilted, ["deskew"]))) < 0.3


def test_every_step_keeps_an_8_bit_page_and_unknown_steps_are_refused():
    page = np.dstack([rendered_page(PAGE)] * 3)
    for name in PREPROCESSING_STEPS:
        out = preprocess(page, ["grayscale", name])
        assert out.dtype == np.uint8 and out.ndim == 2
    assert set(DEFAULT_PREPROCESS) <= set(PREPROCESSING_STEPS)
    with pytest.raises(ValueError, match="unknown preprocessing step"):
        preprocess(page, ["sharpen"])


def test_document_confidence_counts_text_layer_pages_as_exact():
    document = DocumentText(
        "application/pdf", [PageText(1, "a", 100.0, "text-layer"), PageText(2, "b", 80.0, "ocr")]
    )
    assert document.confidence == 90.0
    assert document.text == "a\n\nb"
    assert DocumentText("application/pdf").confidence == 0.0


def test_read_documents_inline_reports_unreadable_files(tmp_path: Path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.pdf"
    results = dict(read_documents([empty, missing], OcrSettings(), workers=1))
    assert results[empty].reason == "empty file"
    assert isinstance(results[missing], UnreadableDocument)
    assert results[missing].reason.startswith("cannot read file")


def test_read_documents_pool_keeps_a_bounded_number_of_files_in_flight(tmp_path: Path):
    paths = []
    for number in range(12):
        path = tmp_path / f"bad-{number}.txt"
        path.write_text("not an invoice\n" * 10)
        paths.append(path)
    consumed = []

    def lazily():
        for path in paths:
            consumed.append(path)
            yield path

    results = read_documents(lazily(), OcrSettings(), workers=2)
    first_path, first = next(results)
    assert len(consumed) <= 4  # two files per worker, not all twelve submitted at once
    rest = list(results)
    assert {p for p, _ in [(first_path, first), *rest]} == set(paths)
    assert all(
        isinstance(r, UnreadableDocument) and "plain text" in r.reason
        for _, r in [(first_path, first), *rest]
    )
