"""Real invoices (the invoice2data comparison fixtures, MIT licence in fixtures/invoice2data/LICENSE.md).

Eleven born-digital PDFs in English, French, German and Dutch, none of them laid out like the synthetic
invoices: they keep the extraction general. Each is read through its text layer; a few are also rendered
to pixels and OCR'd. The expected values are the fixtures' own JSON (`invoice_number`, `date`, `amount`).
The asserted counts are the ones measured (`benchmarks/extraction.py` prints the same table); a
regression below them fails.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from invoice_assets.extraction import extract_fields
from invoice_assets.ocr.reader import read_document
from invoice_assets.ocr.tesseract import OcrSettings
from tests.support.paths import FIXTURES

FOLDER = FIXTURES / "invoice2data"
PDFS = sorted(FOLDER.glob("*.pdf"))


def expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text())[0]


def number_key(value) -> str:
    """invoice2data keeps a leading '#' in one number ("#BLR_..."); the '#' is a label mark, not data."""
    return str(value or "").lstrip("#").replace(" ", "")


def right_fields(text: str, exp: dict) -> dict[str, bool | None]:
    """Which of number, date and total are right (None where the fixture has no expected value)."""
    got = extract_fields(text).to_record()
    total = exp.get("amount")
    return {
        "invoice_number": number_key(got["invoice_number"]) == number_key(exp["invoice_number"]),
        "date": got["date"] == exp["date"],
        "total": None if total is None else got["total"] is not None and abs(got["total"] - total) < 0.005,
    }


def test_the_fixtures_are_complete():
    assert len(PDFS) == 11
    assert (FOLDER / "LICENSE.md").exists()


def test_text_layer_extraction_on_all_eleven():
    results = {pdf.stem: right_fields(read_document(pdf.read_bytes()).text, expected(pdf)) for pdf in PDFS}
    counts = {
        field: sum(r[field] is True for r in results.values())
        for field in ("invoice_number", "date", "total")
    }
    comparable_totals = sum(r["total"] is not None for r in results.values())
    assert comparable_totals == 10  # SammyMaystoneLinesTest.json has no amount
    wrong = {stem: [f for f, ok in r.items() if ok is False] for stem, r in results.items()}
    assert counts == {"invoice_number": 11, "date": 11, "total": 10}, wrong


def test_every_pdf_page_has_a_usable_text_layer():
    for pdf in PDFS:
        assert {page.source for page in read_document(pdf.read_bytes()).pages} == {"text-layer"}, pdf.name


def rendered_tiff(pdf: Path, dpi: int = 200) -> bytes:
    """The PDF as a scan would be: pixels only, no text layer."""
    document = pdfium.PdfDocument(str(pdf))
    images = [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    buffer = io.BytesIO()
    images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:], dpi=(dpi, dpi))
    return buffer.getvalue()


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize(
    "name", ["AzureInterior.pdf", "NetpresseInvoice.pdf", "coolblue1.pdf", "SammyMaystoneLinesTest.png"]
)
def test_ocr_path(name):
    path = FOLDER / name
    data = rendered_tiff(path) if path.suffix == ".pdf" else path.read_bytes()
    document = read_document(data, OcrSettings())
    assert {page.source for page in document.pages} == {"ocr"}
    result = right_fields(document.text, expected(path))
    assert all(ok is not False for ok in result.values()), result


def test_plain_text_invoice_in_polish():
    fields = extract_fields((FOLDER / "Orlen.txt").read_text())
    assert fields.date == "2021-01-01"
    assert float(fields.total) == 316.83
    assert fields.currency == "PLN"
    assert "ORLEN" in fields.supplier
