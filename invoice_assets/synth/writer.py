"""Write scanned pages to image files and the ground truth to CSV, reproducibly.

Byte-for-byte reproducibility needs care with metadata: Pillow stamps PDFs with the current time unless told
otherwise, so PDFs get a fixed creation date derived from the invoice (its "scan date"); PNG, JPEG and TIFF
carry no timestamps unless asked. Single-image formats (PNG, JPEG) cannot hold two pages: the generator avoids
that combination when it can, and otherwise stacks the pages into one tall image.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from invoice_assets.synth.content import SyntheticInvoice

FORMATS: tuple[str, ...] = ("png", "jpeg", "tiff", "pdf")
EXTENSIONS: dict[str, str] = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "pdf": ".pdf"}
MULTI_PAGE: frozenset[str] = frozenset({"tiff", "pdf"})
ALIASES: dict[str, str] = {"jpg": "jpeg", "tif": "tiff"}

GROUND_TRUTH_FIELDS: tuple[str, ...] = (
    "file",
    "invoice_number",
    "date",
    "supplier",
    "customer",
    "subtotal",
    "tax",
    "total",
    "currency",
    "label",
    "language",
    "layout",
    "format",
    "dpi",
    "pages",
    "lines",
)
LABEL_FIELDS: tuple[str, ...] = ("file", "label")
_FLOAT_FIELDS = ("subtotal", "tax", "total")
_INT_FIELDS = ("dpi", "pages")


def normalize_format(name: str) -> str:
    """Canonical format name (``jpg`` -> ``jpeg``, ``tif`` -> ``tiff``); raises on unknown formats."""
    fmt = ALIASES.get(name.lower().lstrip("."), name.lower().lstrip("."))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def _stack(pages: Sequence[Image.Image]) -> Image.Image:
    """One tall image from several pages (single-image formats when no multi-page format is allowed)."""
    width = max(page.width for page in pages)
    sheet = Image.new(
        pages[0].mode,
        (width, sum(page.height for page in pages)),
        255 if pages[0].mode != "RGB" else (255, 255, 255),
    )
    y = 0
    for page in pages:
        sheet.paste(page, (0, y))
        y += page.height
    return sheet


def save_pages(
    pages: Sequence[Image.Image], path: Path, fmt: str, dpi: int, *, jpeg_quality: int, scanned_at: datetime
) -> int:
    """Write ``pages`` to ``path`` as ``fmt`` and return the number of pages in the file.

    ``jpeg_quality`` applies to JPEG files and to the JPEG-compressed images inside PDFs; ``scanned_at``
    is the PDF creation date (never the clock). Bilevel pages (mode ``1``) go to Group 4 in TIFF and PDF.
    """
    fmt = normalize_format(fmt)
    if fmt not in MULTI_PAGE and len(pages) > 1:
        pages = [_stack(pages)]
    first, rest = pages[0], list(pages[1:])
    if fmt == "png":
        first.save(path, "PNG", dpi=(dpi, dpi), compress_level=4)  # ~level 6 size, far faster on noise
    elif fmt == "jpeg":
        first.save(path, "JPEG", dpi=(dpi, dpi), quality=jpeg_quality, optimize=False, progressive=False)
    elif fmt == "tiff":
        compression = "group4" if first.mode == "1" else "tiff_lzw"  # what office scanners write
        first.save(path, "TIFF", dpi=(dpi, dpi), compression=compression, save_all=True, append_images=rest)
    else:
        stamp = time.struct_time(scanned_at.timetuple())
        # Pillow embeds grey/colour pages as JPEG (quality applies), bilevel pages as CCITT G4 (it must not).
        extra = {} if first.mode == "1" else {"quality": jpeg_quality}
        first.save(
            path,
            "PDF",
            resolution=float(dpi),
            save_all=True,
            append_images=rest,
            title=path.stem,
            creationDate=stamp,
            modDate=stamp,
            producer="Scan to PDF",
            **extra,
        )
    return len(pages)


def _number(value: Decimal) -> int | float:
    """JSON number for a Decimal: an int when whole (quantities), else a float like 48.5 or 1234.56."""
    return int(value) if value == value.to_integral_value() else float(value)


def lines_json(invoice: SyntheticInvoice) -> str:
    """The ``lines`` column: a JSON list of {description, quantity, unit_price, amount}."""
    return json.dumps(
        [
            {
                "description": line.description,
                "quantity": _number(line.quantity),
                "unit_price": float(line.unit_price),
                "amount": float(line.amount),
            }
            for line in invoice.lines
        ],
        ensure_ascii=False,
    )


def ground_truth_row(
    invoice: SyntheticInvoice, *, file: str, layout: str, fmt: str, dpi: int, pages: int
) -> dict[str, str]:
    """One CSV row: dates ISO, amounts as plain decimals (``1234.56``), lines as JSON."""
    return {
        "file": file,
        "invoice_number": invoice.invoice_number,
        "date": invoice.issue_date.isoformat(),
        "supplier": invoice.supplier.name,
        "customer": invoice.customer.name,
        "subtotal": f"{invoice.subtotal:.2f}",
        "tax": f"{invoice.tax:.2f}",
        "total": f"{invoice.total:.2f}",
        "currency": invoice.currency,
        "label": invoice.label,
        "language": invoice.language,
        "layout": layout,
        "format": fmt,
        "dpi": str(dpi),
        "pages": str(pages),
        "lines": lines_json(invoice),
    }


def write_csvs(rows: Iterable[dict[str, str]], ground_truth_csv: Path, labels_csv: Path) -> None:
    """Write ``ground_truth.csv`` and ``labels.csv`` (UTF-8, ``\\n`` line ends, rows in the given order)."""
    rows = list(rows)
    with ground_truth_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=GROUND_TRUTH_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with labels_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LABEL_FIELDS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_supplier_register(suppliers: Iterable[Any], register_csv: Path) -> None:
    """Write the mill's supplier register (`tax_id,name`, see `invoice_assets.extraction.suppliers`): the
    vendor list a mill exports from its ERP, not something read off the invoices."""
    with register_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["tax_id", "name"])
        writer.writerows((supplier.tax_id, supplier.name) for supplier in suppliers)


def read_ground_truth(csv_path: str | Path) -> list[dict[str, Any]]:
    """Load ``ground_truth.csv``: amounts as floats, ``dpi``/``pages`` as ints, ``lines`` decoded."""
    with Path(csv_path).open(encoding="utf-8", newline="") as handle:
        rows: list[dict[str, Any]] = list(csv.DictReader(handle))
    for row in rows:
        for key in _FLOAT_FIELDS:
            row[key] = float(row[key])
        for key in _INT_FIELDS:
            row[key] = int(row[key])
        row["lines"] = json.loads(row["lines"])
    return rows
