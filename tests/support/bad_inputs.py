"""A corpus of files that must be quarantined, each with the words its reason must contain."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims a huge image: decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def png_bytes(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_with_pages(count: int) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(count):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_bad_corpus(folder: Path) -> dict[str, str]:
    """Write the corpus into `folder`; return {file name: a word its quarantine reason must contain}."""
    folder.mkdir(parents=True, exist_ok=True)
    good_png = png_bytes()
    corpus = {
        "empty.png": (b"", "empty"),
        "text-wearing-png-name.png": (b"plain text, not an image\n" * 20, "text"),
        "truncated.png": (good_png[: len(good_png) // 2], "truncated"),
        "truncated.pdf": (pdf_with_pages(2)[:200], "pdf"),
        "bomb.png": (bomb_png(), "pixel"),
        "too-many-pages.pdf": (pdf_with_pages(60), "pages"),
    }
    for name, (data, _) in corpus.items():
        (folder / name).write_bytes(data)
    return {name: word for name, (_, word) in corpus.items()}
