"""Invoice files as bytes: what type they are, whether they can be opened, and within which limits.

Inbox files are untrusted: the type comes from the content, and page and pixel limits are checked before
any pixel buffer is allocated (docs/decisions.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import ImageFile, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

SUPPORTED = "supported: PDF, PNG, JPEG, TIFF"
PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"


# Pillow's own bomb check lives in Image.open; the plugin classes below read only the header, so the
# size can be compared with *our* limit and reported as WxH before anything is decoded.
_IMAGE_CLASSES: dict[str, type[ImageFile.ImageFile]] = {
    PNG: PngImagePlugin.PngImageFile,
    JPEG: JpegImagePlugin.JpegImageFile,
    TIFF: TiffImagePlugin.TiffImageFile,
}
_SHORT_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}


class UnreadableDocument(Exception):
    """A file that cannot be turned into pages; `reason` says why in words a person can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DocumentInfo:
    media_type: str
    pages: int


def detect_media_type(data: bytes) -> str:
    """The media type from the magic bytes; raises UnreadableDocument for anything unsupported."""
    if not data:
        raise UnreadableDocument("empty file")
    head = data[:1024]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if b"%PDF-" in head:  # the spec allows junk before the header; readers look in the first 1 KB
        return PDF
    if _looks_like_text(head):
        raise UnreadableDocument(f"not an invoice file: content looks like plain text ({SUPPORTED})")
    raise UnreadableDocument(f"not an invoice file: unrecognised content {head[:8]!r} ({SUPPORTED})")


def _looks_like_text(head: bytes) -> bool:
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        # a cut in the middle of a multi-byte character at the 1 KB boundary is still text
        try:
            sample = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable >= 0.95 * max(len(sample), 1)


def inspect_document(
    data: bytes, *, max_pages: int = 50, max_pixels: int = 80_000_000, dpi: int = 300
) -> DocumentInfo:
    """Validate a file completely and count its pages, or raise UnreadableDocument.

    Images are decoded in full (a truncated PNG or JPEG only fails when its pixels are read), but only
    after their declared size passed `max_pixels`. PDF pages are checked at the size they would be
    rendered at (`dpi`), so a PDF with a 5-metre page cannot become a bomb either.
    """
    media_type = detect_media_type(data)
    if media_type == PDF:
        pages = _inspect_pdf(data, max_pages=max_pages, max_pixels=max_pixels, dpi=dpi)
    else:
        pages = _inspect_image(data, media_type, max_pages=max_pages, max_pixels=max_pixels)
    return DocumentInfo(media_type=media_type, pages=pages)


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise UnreadableDocument("encrypted PDF (a password is needed to open it)") from exc
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_SECURITY:
            raise UnreadableDocument("encrypted PDF (unsupported security handler)") from exc
        raise UnreadableDocument(f"truncated or corrupt PDF: {exc}") from exc


def _inspect_pdf(data: bytes, *, max_pages: int, max_pixels: int, dpi: int) -> int:
    pdf = _open_pdf(data)
    try:
        count = len(pdf)
        if count == 0:
            raise UnreadableDocument("PDF has no pages")
        if count > max_pages:
            raise UnreadableDocument(f"too many pages: {count} (limit {max_pages})")
        for index in range(count):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                raise UnreadableDocument(f"truncated or corrupt PDF: page {index + 1}: {exc}") from exc
            width, height = (round(side / 72 * dpi) for side in page.get_size())
            page.close()
            _check_pixels(index + 1, width, height, max_pixels, f" at {dpi} dpi")
        return count
    finally:
        pdf.close()


def _check_pixels(number: int, width: int, height: int, max_pixels: int, suffix: str = "") -> None:
    if width <= 0 or height <= 0:
        raise UnreadableDocument(f"page {number} has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise UnreadableDocument(
            f"page {number} is {width}x{height} pixels{suffix}, over the {max_pixels / 1e6:g} megapixel "
            "limit (possible decompression bomb)"
        )


def _open_image(data: bytes, media_type: str) -> ImageFile.ImageFile:
    name = _SHORT_NAMES[media_type]
    try:
        return _IMAGE_CLASSES[media_type](io.BytesIO(data))
    except Exception as exc:  # Pillow raises SyntaxError, OSError, struct.error... for bad headers
        raise UnreadableDocument(f"truncated or corrupt {name}: {exc}") from exc


def _frames(image: ImageFile.ImageFile, media_type: str, max_pages: int) -> int:
    count = getattr(image, "n_frames", 1) if media_type == TIFF else 1
    if count > max_pages:
        raise UnreadableDocument(f"too many pages: {count} (limit {max_pages})")
    return count


def _inspect_image(data: bytes, media_type: str, *, max_pages: int, max_pixels: int) -> int:
    name = _SHORT_NAMES[media_type]
    with _open_image(data, media_type) as image:
        try:
            count = _frames(image, media_type, max_pages)
        except UnreadableDocument:
            raise
        except Exception as exc:
            raise UnreadableDocument(f"truncated or corrupt {name}: {exc}") from exc
        for index in range(count):
            try:
                image.seek(index)
            except Exception as exc:
                raise UnreadableDocument(f"truncated or corrupt {name}: frame {index + 1}: {exc}") from exc
            _check_pixels(index + 1, *image.size, max_pixels)
            try:
                image.load()
            except Exception as exc:
                raise UnreadableDocument(f"truncated or corrupt {name}: {exc}") from exc
    return count
