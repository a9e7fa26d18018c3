"""Untrusted bytes → validated pages: every way a file can be unreadable gives a reason, never a crash."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from invoice_assets.documents.layout import Word, group_lines, layout_text
from invoice_assets.documents.media import DocumentInfo, UnreadableDocument, inspect_document
from invoice_assets.documents.pages import read_pages
from tests.support.paths import FIXTURES

REAL = FIXTURES / "invoice2data"


def image_bytes(fmt: str, size=(300, 200), mode="L", **save) -> bytes:
    rng = np.random.default_rng(0)  # noise: compressed data fills the file, so a cut truly truncates it
    channels = {"L": (size[1], size[0]), "RGB": (size[1], size[0], 3), "RGBA": (size[1], size[0], 4)}[mode]
    image = Image.fromarray(rng.integers(0, 256, channels, dtype=np.uint8), mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A 70-byte PNG whose header claims width × height pixels (a decompression bomb's calling card)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def blank_pdf(pages: int) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF with a standard security handler whose user password is not empty (pypdfium2 cannot write
    encryption, so the /Encrypt dictionary is written by hand; the O/U hashes match no password)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <"
        + b"11" * 32
        + b"> /U <"
        + b"22" * 32
        + b"> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    file_id = b"<" + b"ab" * 16 + b">"
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [%s %s] >>\n" % (
        len(objects) + 1,
        file_id,
        file_id,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def reason(data: bytes, **limits) -> str:
    with pytest.raises(UnreadableDocument) as caught:
        inspect_document(data, **limits)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_empty_file():
    assert reason(b"") == "empty file"


def test_text_wearing_an_image_name():
    assert reason(b"Factura 1\nTotal: 10,00\n" * 20) == (
        "not an invoice file: content looks like plain text (supported: PDF, PNG, JPEG, TIFF)"
    )


def test_unknown_binary():
    assert reason(b"GIF89a\x01\x00\x01\x00\x00\xff\x00" + bytes(range(256))).startswith(
        "not an invoice file: unrecognised content"
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_truncated_images_are_caught_when_decoded(fmt):
    data = image_bytes(fmt)
    assert inspect_document(data).pages == 1
    assert reason(data[: len(data) // 2]).startswith(f"truncated or corrupt {fmt}")


def test_truncated_pdf():
    data = (REAL / "free_fiber.pdf").read_bytes()
    assert reason(data[: len(data) // 2]).startswith("truncated or corrupt PDF")
    assert reason(blank_pdf(2)[:200]).startswith("truncated or corrupt PDF")


def test_bomb_dimensions_are_refused_before_decoding():
    assert reason(png_claiming(40_000, 40_000)) == (
        "page 1 is 40000x40000 pixels, over the 80 megapixel limit (possible decompression bomb)"
    )
    assert "megapixel" in reason(png_claiming(10_000, 10_000), max_pixels=50_000_000)


def test_a_huge_pdf_page_is_a_bomb_too():
    document = pdfium.PdfDocument.new()
    document.new_page(14_400, 14_400)  # 200 × 200 inches: 60000 × 60000 pixels at 300 DPI
    buffer = io.BytesIO()
    document.save(buffer)
    assert "megapixel" in reason(buffer.getvalue())


def test_too_many_pages():
    assert reason(blank_pdf(51)) == "too many pages: 51 (limit 50)"
    assert inspect_document(blank_pdf(50)) == DocumentInfo("application/pdf", 50)
    frames = [Image.new("L", (50, 50), 255) for _ in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    assert reason(buffer.getvalue(), max_pages=3) == "too many pages: 4 (limit 3)"


def test_encrypted_pdf():
    assert reason(encrypted_pdf()) == "encrypted PDF (a password is needed to open it)"


def test_multi_page_tiff_yields_each_frame():
    frames = [Image.new("L", (120 + 10 * i, 80), 255 - 40 * i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200))
    data = buffer.getvalue()
    assert inspect_document(data) == DocumentInfo("image/tiff", 3)
    pages = list(read_pages(data))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.image.shape for p in pages] == [(80, 120), (80, 130), (80, 140)]
    assert [int(p.image[0, 0]) for p in pages] == [255, 215, 175]
    assert all(p.text_layer is None and p.dpi == 200 for p in pages)


def test_transparent_png_is_composed_on_white_paper():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    (page,) = read_pages(buffer.getvalue())
    assert page.image.shape == (10, 10, 3) and page.image.min() == 255


def test_born_digital_pdf_gives_its_text_layer_in_visual_lines():
    (page,) = read_pages((REAL / "NetpresseInvoice.pdf").read_bytes())
    assert page.image is None
    lines = page.text_layer.splitlines()
    assert any(line.split() == ["Total", "TTC", ":", "56,02", "€"] for line in lines)
    # label and value on one line although the PDF draws them far apart in its content stream
    pages = list(read_pages((REAL / "QualityHosting.pdf").read_bytes()))
    assert len(pages) == 2
    assert any(
        line.split() == ["Rechnungsnr.", "30064443", "Kundennr.", "47774"]
        for line in pages[0].text_layer.splitlines()
    )


def test_scanned_pdf_is_rendered_at_the_requested_dpi():
    buffer = io.BytesIO()
    Image.new("L", (850, 1100), 255).save(buffer, format="PDF", resolution=100.0)  # 8.5 × 11 inches
    (page,) = read_pages(buffer.getvalue(), dpi=150)
    assert page.text_layer is None
    height, width = page.image.shape
    assert abs(height - 1650) <= 1 and abs(width - 1275) <= 1  # pdfium rounds the page box up
    assert page.dpi == 150


def test_layout_keeps_columns_aligned():
    words = [
        Word("Invoice", 0, 0, 42, 10),
        Word("No.", 46, 0, 64, 10),
        Word("Date", 200, 0, 224, 10),
        Word("INV-1", 0, 20, 30, 30),
        Word("2026-11-27", 200, 21, 260, 31),
    ]
    text = layout_text(group_lines(words))
    header, values = text.splitlines()
    assert header.index("Date") == values.index("2026-11-27")
    assert header.startswith("Invoice No.")
