"""Turn the bytes of an inbox file into pages: a text layer where the file has one, pixels otherwise.

Everything that arrives in an inbox is untrusted. `inspect_document` decides what a file is from its
content (never its name), proves that it decodes, and enforces page and pixel limits *before* any pixel
buffer is allocated, so a truncated scan or a decompression bomb becomes an `UnreadableDocument` with a
reason a person can act on instead of a crash or an out-of-memory kill.

`read_pages` then yields one page at a time (memory stays bounded by one page): born-digital PDF pages
give their text layer, which is exact and far cheaper than OCR (Paperless-ngx and OCRmyPDF skip OCR on
such pages too); other pages are rendered or decoded to a numpy array for OCR.

Text-layer words are laid out with `layout_text`, which places each word at a character column
proportional to its x position (as `pdftotext -layout` does), so a label and its value printed on one
visual line end up on one text line, and values printed under a column header stay under it. The OCR
path uses the same function, so field extraction sees the same kind of text from both.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

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


@dataclass(frozen=True)
class Page:
    """One page: `text_layer` for born-digital PDF pages, else `image` (uint8, HxW or HxWx3).

    `dpi` is the resolution the pixels were rendered or scanned at, when known.
    """

    number: int
    text_layer: str | None
    image: np.ndarray | None
    dpi: float | None = None


@dataclass(frozen=True)
class Word:
    """A word with its box, in any unit, y growing downwards."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


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


def pdf_page_text(page: pdfium.PdfPage) -> str:
    """The text layer of a PDF page, rebuilt into visual lines by `layout_text`.

    Content-stream order is whatever the producing program wrote (a label and its value are often far
    apart in it), so words are rebuilt from character boxes instead.
    """
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        count = textpage.count_chars()
        if count != len(text):  # a mapping we cannot trust: fall back to stream order
            return text.replace("\r\n", "\n")
        _, page_height = page.get_size()
        words: list[Word] = []
        current: list[str] = []
        box: list[float] = []
        for index, char in enumerate(text):
            if char.isspace() or ord(char) < 32:
                _flush(words, current, box)
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            top, bottom = page_height - top, page_height - bottom
            if current and (left > box[2] + 0.6 * (box[3] - box[1]) or left < box[0] - 1):
                _flush(words, current, box)  # a jump in position with no space in the stream
            if current:
                box[0], box[1] = min(box[0], left), min(box[1], top)
                box[2], box[3] = max(box[2], right), max(box[3], bottom)
            else:
                box[:] = [left, top, right, bottom]
            current.append(char)
        _flush(words, current, box)
        return layout_text(group_lines(words))
    finally:
        textpage.close()


def _flush(words: list[Word], current: list[str], box: list[float]) -> None:
    if current:
        words.append(Word("".join(current), *box))
        current.clear()


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Group positioned words into visual lines (top to bottom, each left to right).

    Two words share a line when their vertical extents overlap by more than half the smaller height
    and they do not overlap horizontally.
    """
    lines: list[tuple[float, float, list[Word]]] = []
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.left)):
        height = max(word.bottom - word.top, 1e-6)
        for number, (top, bottom, members) in enumerate(lines):
            overlap = min(bottom, word.bottom) - max(top, word.top)
            if overlap > 0.5 * min(height, bottom - top) and not any(
                m.left < word.right and word.left < m.right for m in members
            ):
                members.append(word)
                lines[number] = (min(top, word.top), max(bottom, word.bottom), members)
                break
        else:
            lines.append((word.top, word.bottom, [word]))
    lines.sort(key=lambda line: (line[0] + line[1]) / 2)
    return [sorted(members, key=lambda w: w.left) for _, _, members in lines]


def layout_text(lines: Sequence[Sequence[Word]]) -> str:
    """Render lines of positioned words as text whose columns follow the words' x positions.

    One character column is the median character width on the page; each word starts at its column or
    one space after the previous word, whichever is further right. Words closer than about one and a
    half characters, than 0.8 of their own height (large letterhead type has wide word gaps, and a
    short word like "del" says little about its font's width) or than 1.6 times the page's median word
    gap get a single space, so ordinary sentences read normally.
    """
    widths = [(w.right - w.left) / len(w.text) for line in lines for w in line if w.text]
    if not widths:
        return ""
    char_width = max(statistics.median(widths), 1e-6)
    # the page's own word spacing (monospaced type spaces words a whole character cell apart)
    gaps = [
        b.left - a.right for line in lines for a, b in pairwise(line) if 0 < b.left - a.right < 3 * char_width
    ]
    word_space = statistics.median(gaps) if len(gaps) >= 5 else 0.0
    origin = min(w.left for line in lines for w in line)
    rendered: list[str] = []
    for line in lines:
        out = ""
        previous_right: float | None = None
        previous_width = char_width
        previous_height = 0.0
        for word in line:
            column = round((word.left - origin) / char_width)
            own_width = (word.right - word.left) / max(len(word.text), 1)
            local_width = max(char_width, min(own_width, previous_width))  # big type has wide spaces
            height = min(word.bottom - word.top, previous_height) if previous_right is not None else 0.0
            word_gap = max(1.5 * local_width, 0.8 * height, 1.6 * word_space)
            if previous_right is not None and word.left - previous_right < word_gap:
                out += " "
            elif out:
                out += " " * max(1, column - len(out))
            else:
                out = " " * column
            out += word.text
            previous_right, previous_width, previous_height = word.right, own_width, word.bottom - word.top
        rendered.append(out.rstrip())
    return "\n".join(rendered)
