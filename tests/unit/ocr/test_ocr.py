"""OCR: a real Tesseract call on a small rendered page, TSV parsing, preprocessing, and the file pool."""

from __future__ import annotations

import io
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.ocr import engine as engine_module
from invoice_assets.ocr.engine import TesseractError, engine, libtesseract_version, tessdata_path
from invoice_assets.ocr.preprocess import (
    DEFAULT_PREPROCESS,
    PREPROCESSING_STEPS,
    estimate_skew,
    limit_resolution,
    preprocess,
)
from invoice_assets.ocr.reader import DocumentText, PageText, read_document, read_documents
from invoice_assets.ocr.tesseract import OcrSettings, ocr_image, page_result, parse_tsv
from invoice_assets.ocr.watchdog import page_deadline, worker_death_reason
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


def test_a_missing_language_says_how_to_install_it():
    settings = replace(OcrSettings(), languages="spa+xyz")
    with pytest.raises(TesseractError, match=r"no language data for xyz .*apt-get install tesseract-ocr-spa"):
        ocr_image(np.full((50, 50), 255, np.uint8), settings)


def test_missing_language_data_names_the_folders_searched_and_the_variable(monkeypatch):
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.setattr(engine_module, "TESSDATA_FOLDERS", ("/nonexistent/tessdata",))
    with pytest.raises(TesseractError, match=r"/nonexistent/tessdata.*TESSDATA_PREFIX"):
        tessdata_path()
    assert tessdata_path({"TESSDATA_PREFIX": "/opt/data"}) == "/opt/data/"


@needs_tesseract
def test_one_engine_per_process_is_reused_and_reads_like_the_command_line():
    """The same page through the engine and through the `tesseract` command's TSV gives the same text."""
    page = rendered_page(PAGE)
    assert engine("spa+eng", 6) is engine("spa+eng", 6)
    through_engine = ocr_image(page, OcrSettings(preprocess=("grayscale",)), dpi=300)
    _, png = cv2.imencode(".png", page)
    command = ["tesseract", "stdin", "stdout", "-l", "spa+eng", "--psm", "6", "--dpi", "300", "tsv"]
    tsv = subprocess.run(command, input=png.tobytes(), capture_output=True, check=True).stdout.decode()
    through_command = page_result(parse_tsv(tsv))
    assert through_engine.text == through_command.text
    assert through_engine.words == through_command.words
    assert re.fullmatch(r"\d+\.\d+\.\d+", libtesseract_version())


def test_parse_tsv_rebuilds_lines_and_ignores_non_words():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t1000\t500\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t60\t20\t96.5\tTotal:",
        "5\t1\t1\t1\t1\t2\t400\t10\t80\t20\t90.5\t1.210,00",
        "5\t1\t1\t1\t2\t1\t10\t50\t60\t20\t-1\t ",
        "5\t1\t1\t1\t2\t2\t10\t50\t50\t20\t80.0\tIVA",
    ]
    result = page_result(parse_tsv("\n".join([header, *rows]) + "\n"))
    assert result.words == 3
    assert result.confidence == pytest.approx((96.5 + 90.5 + 80.0) / 3)
    first, second = result.text.splitlines()
    assert first.split() == ["Total:", "1.210,00"] and "  " in first  # the column gap survives
    assert second == "IVA"
    assert parse_tsv("") == parse_tsv(header + "\n") == []
    assert page_result([]).text == ""


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


def test_read_documents_reports_unreadable_files(tmp_path: Path):
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


@needs_tesseract
def test_a_page_past_its_deadline_ends_the_worker_and_only_its_file_is_unreadable(tmp_path: Path):
    """A real page that takes longer than the deadline: the kernel ends the worker in the middle of
    Tesseract, the file gets the reason, and the replacement worker reads the files after it."""
    slow = tmp_path / "slow.png"
    Image.fromarray(rendered_page(PAGE * 4, size=(2400, 1500))).save(slow, dpi=(300, 300))
    after = []
    for number in range(3):
        path = tmp_path / f"after-{number}.txt"
        path.write_text("not an invoice\n" * 10)
        after.append(path)
    settings = replace(OcrSettings(), page_timeout=0.01)
    results = dict(read_documents([slow, *after], settings, workers=1))
    assert results[slow].reason == (
        "a page took longer than 0.01 s to read; the OCR worker reading it was stopped"
    )
    assert all("plain text" in results[path].reason for path in after)


def test_the_page_deadline_does_nothing_outside_worker_processes():
    with page_deadline(0.001):
        time.sleep(0.01)  # the test process itself is not ended


def test_worker_death_reasons_name_the_signal():
    assert "SIGKILL (out of memory?)" in worker_death_reason(-9, 180)
    assert "SIGSEGV" in worker_death_reason(-11, 180)
    assert "exit code 3" in worker_death_reason(3, 180)


def test_scans_above_the_ceiling_are_shrunk_to_it_and_others_kept():
    page = np.full((1200, 900), 255, np.uint8)
    shrunk, dpi = limit_resolution(page, 600.0, 300)
    assert shrunk.shape == (600, 450) and dpi == 300.0
    for own in (300.0, 150.0, None):
        kept, kept_dpi = limit_resolution(page, own, 300)
        assert kept is page and kept_dpi == own
    assert limit_resolution(page, 600.0, None)[0] is page
