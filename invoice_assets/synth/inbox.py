"""Generate a folder of synthetic scanned invoices with their ground truth, in parallel and reproducibly.

Each invoice gets its own seeds derived from ``(seed, index, purpose)`` by hashing, so invoice *i* is the same
whatever the count, the worker count or the order in which workers finish. Separate purposes ("content",
"dpi", "format", "look", "scan") keep the streams independent: asking for other formats, another DPI range
or a heavier degradation changes how an invoice looks, never what it says.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import cv2
import numpy as np

from invoice_assets.synth.catalog import SUPPLIERS
from invoice_assets.synth.content import SyntheticInvoice, make_invoice
from invoice_assets.synth.degrade import degrade, to_bilevel
from invoice_assets.synth.render import compose, paint
from invoice_assets.synth.style import house_style
from invoice_assets.synth.writer import (
    EXTENSIONS,
    MULTI_PAGE,
    ground_truth_row,
    normalize_format,
    save_pages,
    write_csvs,
    write_supplier_register,
)

GROUND_TRUTH_NAME = "ground_truth.csv"
LABELS_NAME = "labels.csv"
SUPPLIERS_NAME = "suppliers.csv"
COMMON_DPIS: tuple[int, ...] = (150, 200, 240, 300)
"""Scanner settings people actually use; a DPI range picks among these when any falls inside it."""
BILEVEL_SHARE = 0.3
"""Share of TIFF/PDF scans (at 200 DPI or more) saved black-and-white, as fax-mode scanners do."""


@dataclass(frozen=True)
class GeneratedInbox:
    """What ``generate_inbox`` wrote: the folder, the invoice files (in index order) and the two CSVs."""

    folder: Path
    files: list[Path]
    ground_truth_csv: Path
    labels_csv: Path
    suppliers_csv: Path


def derive_seed(seed: int, index: int, purpose: str) -> int:
    """A 64-bit seed for one purpose of one invoice; stable across processes, platforms, Pythons."""
    digest = hashlib.sha256(f"invoice-synth:{seed}:{index}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def invoice_content(seed: int, index: int) -> SyntheticInvoice:
    """The content of invoice ``index`` of a run with ``seed`` (without rendering anything)."""
    return make_invoice(random.Random(derive_seed(seed, index, "content")))


@dataclass(frozen=True)
class _Job:
    seed: int
    index: int
    folder: str
    name_width: int
    degradation: float
    formats: tuple[str, ...]
    dpi_range: tuple[int, int]


def _choose_dpi(rng: random.Random, low: int, high: int) -> int:
    common = [d for d in COMMON_DPIS if low <= d <= high]
    return rng.choice(common) if common else rng.randint(low, high)


def _choose_format(seed: int, index: int, formats: tuple[str, ...], pages: int) -> str:
    """The format of invoice ``index``: each block of ``len(formats)`` consecutive invoices uses every format
    once, in an order drawn per block, so even a six-file demo inbox shows the whole mix. A multi-page invoice
    that drew PNG or JPEG goes to TIFF or PDF instead, when the caller allows one."""
    block, position = divmod(index, len(formats))
    order = list(formats)
    random.Random(derive_seed(seed, block, "format-block")).shuffle(order)
    fmt = order[position]
    multi = [f for f in formats if f in MULTI_PAGE]
    if pages > 1 and fmt not in MULTI_PAGE and multi:
        fmt = random.Random(derive_seed(seed, index, "format")).choice(multi)
    return fmt


def produce(job: _Job) -> dict[str, str]:
    """Make, render, degrade and save one invoice; return its ground-truth row."""
    invoice = invoice_content(job.seed, job.index)
    style = house_style(invoice.supplier)
    drafts = compose(invoice, style)

    # One stream per decision, so that e.g. a narrower DPI range never changes which format an invoice gets.
    def stream(purpose: str) -> random.Random:
        return random.Random(derive_seed(job.seed, job.index, purpose))

    dpi = _choose_dpi(stream("dpi"), *job.dpi_range)
    fmt = _choose_format(job.seed, job.index, job.formats, len(drafts))
    look = stream("look")
    level = job.degradation * look.uniform(0.7, 1.3)
    colour_draw, bilevel_draw, quality_draw = look.random(), look.random(), look.uniform(80, 92)
    scan_delay = look.randint(0, 20)
    scan_time = time(look.randint(8, 18), look.randint(0, 59), look.randint(0, 59))
    # Colour scans are mostly kept as JPEG or PDF; grey is the office default everywhere else.
    colour = style.accent is not None and colour_draw < (0.6 if fmt in ("jpeg", "pdf") else 0.1)
    bilevel = fmt in MULTI_PAGE and dpi >= 200 and bilevel_draw < BILEVEL_SHARE
    quality = 95 if level <= 0 else max(35, min(95, round(quality_draw - 10 * level)))
    scanned_at = datetime.combine(invoice.issue_date + timedelta(days=scan_delay), scan_time)

    scan = np.random.default_rng(derive_seed(job.seed, job.index, "scan"))
    pages = [degrade(paint(draft, dpi, "RGB" if colour else "L"), scan, level, dpi) for draft in drafts]
    if bilevel:
        pages = [to_bilevel(page) for page in pages]

    name = f"inv-{job.index:0{job.name_width}d}{EXTENSIONS[fmt]}"
    written = save_pages(
        pages, Path(job.folder) / name, fmt, dpi, jpeg_quality=quality, scanned_at=scanned_at
    )
    return ground_truth_row(invoice, file=name, layout=style.layout, fmt=fmt, dpi=dpi, pages=written)


def _spawn_can_import_main() -> bool:
    """False when ``__main__`` names a file that does not exist (code piped on stdin): spawned workers would
    fail to re-import it, so the generator then runs in-process instead of crashing."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def _init_worker() -> None:
    """Worker processes each use one OpenCV thread: parallelism comes from the processes."""
    cv2.setNumThreads(1)


def generate_inbox(
    out_dir: str | Path,
    count: int,
    seed: int,
    *,
    degradation: float = 1.0,
    formats: Sequence[str] = ("png", "jpeg", "tiff", "pdf"),
    dpi_range: tuple[int, int] = (150, 300),
    workers: int | None = None,
) -> GeneratedInbox:
    """Write ``count`` labelled invoice scans plus ``ground_truth.csv``, ``labels.csv`` and the
    mill's supplier register ``suppliers.csv`` into ``out_dir``.

    ``degradation`` scales the scan effects (0 clean, 1 normal, 2 heavy; each invoice varies around it).
    ``formats`` is the mix to draw from (``png``, ``jpeg``/``jpg``, ``tiff``/``tif``, ``pdf``). ``workers``
    defaults to the CPU count; the files do not depend on it. Files are named ``inv-00042.png`` etc.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if degradation < 0:
        raise ValueError("degradation must be >= 0")
    fmts = tuple(dict.fromkeys(normalize_format(f) for f in formats))
    if not fmts:
        raise ValueError("at least one format is required")
    low, high = int(dpi_range[0]), int(dpi_range[1])
    if not 50 <= low <= high:
        raise ValueError(f"invalid dpi_range {dpi_range!r}")

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(max(count - 1, 0))))
    jobs = [_Job(seed, i, str(folder), width, float(degradation), fmts, (low, high)) for i in range(count)]

    n_workers = max(1, min(workers or os.cpu_count() or 1, count))
    if n_workers == 1 or not _spawn_can_import_main():
        rows = [produce(job) for job in jobs]
    else:
        # "spawn" is safe when the caller has threads (Dagster, web servers), unlike fork.
        context = multiprocessing.get_context("spawn")
        chunk = max(1, min(8, count // (n_workers * 4)))
        with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_init_worker) as pool:
            rows = list(pool.map(produce, jobs, chunksize=chunk))

    ground_truth_csv = folder / GROUND_TRUTH_NAME
    labels_csv = folder / LABELS_NAME
    write_csvs(rows, ground_truth_csv, labels_csv)
    suppliers_csv = folder / SUPPLIERS_NAME
    write_supplier_register(SUPPLIERS, suppliers_csv)
    files = [folder / row["file"] for row in rows]
    return GeneratedInbox(folder, files, ground_truth_csv, labels_csv, suppliers_csv)
