"""A document's pages: the PDF text layer where a page has one, else an image for OCR.

The text layer is exact and far cheaper than OCR (docs/decisions.md); pages are yielded one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from invoice_assets.documents.layout import pdf_page_text
from invoice_assets.documents.media import PDF, DocumentInfo, _open_image, _open_pdf, inspect_document


@dataclass(frozen=True)
class Page:
    """One page: `text_layer` for born-digital PDF pages, else `image` (uint8, HxW or HxWx3).

    `dpi` is the resolution the pixels were rendered or scanned at, when known.
    """

    number: int
    text_layer: str | None
    image: np.ndarray | None
    dpi: float | None = None


def read_pages(
    data: bytes,
    *,
    dpi: int = 300,
    text_layer_min_chars: int = 32,
    max_pages: int = 50,
    max_pixels: int = 80_000_000,
) -> Iterator[Page]:
    """Yield the pages of a file one at a time (validating it first with `inspect_document`).

    A PDF page whose text layer has at least `text_layer_min_chars` letters or digits is yielded as text;
    anything less (a scan, perhaps with a stray "Scanned by" line) is rendered at `dpi` in grayscale.
    """
    info = inspect_document(data, max_pages=max_pages, max_pixels=max_pixels, dpi=dpi)
    if info.media_type == PDF:
        yield from _pdf_pages(data, dpi=dpi, text_layer_min_chars=text_layer_min_chars)
    else:
        yield from _image_pages(data, info)


def _pdf_pages(data: bytes, *, dpi: int, text_layer_min_chars: int) -> Iterator[Page]:
    pdf = _open_pdf(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                text = pdf_page_text(page)
                if sum(ch.isalnum() for ch in text) >= text_layer_min_chars:
                    yield Page(number=index + 1, text_layer=text, image=None)
                    continue
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                image = bitmap.to_numpy().copy()
                bitmap.close()
                if image.ndim == 3:  # some pdfium builds return HxWx1 for grayscale
                    image = image[:, :, 0]
                yield Page(number=index + 1, text_layer=None, image=image, dpi=float(dpi))
            finally:
                page.close()
    finally:
        pdf.close()


def _image_pages(data: bytes, info: DocumentInfo) -> Iterator[Page]:
    with _open_image(data, info.media_type) as image:
        for index in range(info.pages):
            image.seek(index)
            dpi = image.info.get("dpi")
            yield Page(
                number=index + 1,
                text_layer=None,
                image=to_array(image),
                dpi=float(dpi[0]) if dpi and dpi[0] and dpi[0] > 1 else None,
            )


def to_array(image: Image.Image) -> np.ndarray:
    """8-bit grayscale or RGB pixels of any Pillow image (alpha composed onto white paper)."""
    if image.mode in ("L", "RGB"):
        return np.asarray(image).copy()
    if image.mode == "1":
        return np.asarray(image.convert("L")).copy()
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        pixels = np.asarray(image, dtype=np.float64)
        top = pixels.max() or 1.0
        return (pixels * (255.0 / top)).astype(np.uint8)
    if image.mode in ("LA", "RGBA", "PA", "P") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(paper, rgba).convert("RGB")).copy()
    return np.asarray(image.convert("RGB")).copy()
