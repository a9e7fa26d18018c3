"""OCR resolution: field accuracy and time per page for PDF pages rendered at several DPIs, and for
high-resolution scans read as they are or shrunk to a ceiling.

    .venv/bin/python benchmarks/resolution.py                       # 100 PDF scans, 50 scans, real PDFs
    .venv/bin/python benchmarks/resolution.py --pdfs 30 --scans 20  # a quicker look

Data, all fixed before the settings were compared:
1. `--pdfs` synthetic PDF scans (no text layer) from the held-out seed 31337, rendered for OCR at each of
   `--dpis` (`OcrSettings.dpi`);
2. `--scans` synthetic PNG and JPEG scans from the same seed made at 400-600 DPI, read at their own
   resolution and shrunk to 300 DPI (`OcrSettings.max_scan_dpi`; "own resolution" sets no ceiling);
3. the 11 real invoice PDFs of tests/fixtures/invoice2data rendered at each DPI (development data: the
   extractor was written against them).
For each comparison it prints per-field accuracy and seconds per page, and names the cheapest setting
that loses nothing: on no field is it more than `--tolerance` points (default 0.5) below the best
setting while a paired sign test on the documents says the loss is not chance (p < 0.05). With 100
invoices one document is a whole point, so a plain "within 0.5 points" would only reward noise.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import (  # noqa: E402
    REAL_DIR,
    percent,
    read_all,
    real_invoices,
    render_pdfs,
    score_real,
    score_synthetic,
    table,
)

from invoice_assets.extraction.suppliers import read_registers  # noqa: E402
from invoice_assets.ocr.cpus import available_cpus  # noqa: E402
from invoice_assets.ocr.reader import DocumentText  # noqa: E402
from invoice_assets.ocr.tesseract import OcrSettings  # noqa: E402

HELD_OUT_SEED = 31337
SCORED = ("invoice_number", "date", "supplier", "customer", "subtotal", "tax", "total", "line amounts")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def synthetic(folder: Path, count: int, formats: tuple[str, ...], dpi_range: tuple[int, int]):
    from invoice_assets.synth import generate_inbox, read_ground_truth

    log(f"generating {count} {'/'.join(formats)} invoices at {dpi_range[0]}-{dpi_range[1]} DPI")
    inbox = generate_inbox(folder, count, HELD_OUT_SEED, formats=formats, dpi_range=dpi_range)
    register, _ = read_registers((p.name, p.read_bytes()) for p in folder.glob("*.csv"))
    return read_ground_truth(inbox.ground_truth_csv), inbox.files, register


Scores = dict[str, list[float]]
"""Per field, each document's score (1 right, 0 wrong; line amounts: the share of its lines found)."""


def measure_synthetic(name: str, data, settings: OcrSettings) -> tuple[Scores, float]:
    """Per-document scores and seconds per page of one setting on a synthetic set."""
    truth, files, register = data
    results, seconds = read_all(files, settings, None, None, name)
    by_name = {path.name: result for path, result in results.items()}
    per_document = [score_synthetic([row], by_name, register) for row in truth]
    pages = sum(len(r.pages) for r in results.values() if isinstance(r, DocumentText))
    return {field: [scores[field] for scores in per_document] for field in SCORED}, seconds / max(pages, 1)


def measure_real(pdfs: tuple[dict, dict], dpi: int, folder: Path) -> tuple[Scores, float]:
    """Per-document scores and seconds per page of the real PDFs rendered at `dpi`."""
    expected, paths = pdfs
    rendered = render_pdfs(paths, dpi, folder / f"real-{dpi}")
    settings = replace(OcrSettings(), dpi=dpi)
    results, seconds = read_all(list(rendered.values()), settings, None, None, f"real @ {dpi} DPI")
    texts = {stem: results[path].text for stem, path in rendered.items()}
    scores: Scores = {}
    for stem, exp in expected.items():
        for field, (right, total) in score_real({stem: exp}, texts).items():
            if total:
                scores.setdefault(field, []).append(float(right))
    pages = sum(len(r.pages) for r in results.values() if isinstance(r, DocumentText))
    return scores, seconds / max(pages, 1)


def sign_test(differences: list[float]) -> float:
    """Two-sided exact sign test of paired per-document differences (McNemar's test for 0/1 scores)."""
    better, worse = sum(d > 0 for d in differences), sum(d < 0 for d in differences)
    n = better + worse
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(better, worse) + 1)) / 2**n
    return min(1.0, 2 * tail)


def losses(rows: dict[str, tuple[Scores, float]], name: str, tolerance: float) -> list[str]:
    """Fields on which setting `name` is more than `tolerance` points below the best setting and the
    paired sign test says the loss is not chance (p < 0.05)."""
    found = []
    for field, values in rows[name][0].items():
        best = max(rows, key=lambda other: statistics.fmean(rows[other][0][field]))
        reference = rows[best][0][field]
        gap = 100 * (statistics.fmean(reference) - statistics.fmean(values))
        p_value = sign_test([mine - theirs for mine, theirs in zip(values, reference, strict=True)])
        if gap > tolerance and p_value < 0.05:
            found.append(f"{field} (-{gap:.1f} points vs {best}, p={p_value:.3f})")
    return found


def report(title: str, rows: dict[str, tuple[Scores, float]], tolerance: float) -> list[str]:
    """Print the table and the verdicts; return the settings with no significant loss."""
    fields = list(next(iter(rows.values()))[0])
    cells = {
        field: {name: percent(statistics.fmean(rows[name][0][field])) for name in rows} for field in fields
    }
    cells["mean of fields"] = {
        name: percent(statistics.fmean(statistics.fmean(values) for values in scores.values()))
        for name, (scores, _) in rows.items()
    }
    cells["s/page"] = {name: f"{seconds:.2f}" for name, (_, seconds) in rows.items()}
    table(title, cells)
    kept = []
    for name in rows:
        lost = losses(rows, name, tolerance)
        print(f"  {name}: {'; '.join(lost) if lost else 'no significant loss'}")
        if not lost:
            kept.append(name)
    return kept


def cheapest(rows: dict[str, tuple[Scores, float]], kept: list[str]) -> str:
    return min(kept, key=lambda name: rows[name][1]) if kept else "none (every setting loses somewhere)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfs", type=int, default=100, help="synthetic PDF scans")
    parser.add_argument("--scans", type=int, default=50, help="synthetic 400-600 DPI image scans")
    parser.add_argument("--dpis", type=int, nargs="+", default=[200, 250, 300])
    parser.add_argument(
        "--tolerance", type=float, default=0.5, help="accuracy points a cheaper setting may lose"
    )
    parser.add_argument(
        "--real", type=Path, default=REAL_DIR, help="folder of real PDFs with invoice2data JSON"
    )
    args = parser.parse_args()
    log(f"{available_cpus()} OCR workers")
    started = time.perf_counter()
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="resolution-") as tmp:
        scratch = Path(tmp)
        if args.pdfs:
            data = synthetic(scratch / "pdfs", args.pdfs, ("pdf",), (150, 300))
            rows = {
                f"{dpi} DPI": measure_synthetic(
                    f"PDF scans @ {dpi} DPI", data, replace(OcrSettings(), dpi=dpi)
                )
                for dpi in args.dpis
            }
            pdf_rows = rows
            pdf_kept = report(
                f"Synthetic PDF scans, held-out seed {HELD_OUT_SEED}: {args.pdfs} invoices",
                rows,
                args.tolerance,
            )
        if args.scans:
            data = synthetic(scratch / "scans", args.scans, ("png", "jpeg"), (400, 600))
            rows = {
                "own resolution": measure_synthetic(
                    "scans as they are", data, replace(OcrSettings(), max_scan_dpi=None)
                ),
                "shrunk to 300 DPI": measure_synthetic(
                    "scans shrunk to 300 DPI", data, replace(OcrSettings(), max_scan_dpi=300)
                ),
            }
            kept = report(
                f"Synthetic 400-600 DPI scans, held-out seed {HELD_OUT_SEED}: {args.scans}",
                rows,
                args.tolerance,
            )
            verdicts.append(f"scans above 300 DPI: {cheapest(rows, kept)}")
        pdfs = real_invoices(args.real)
        if pdfs:
            rows = {f"{dpi} DPI": measure_real(pdfs, dpi, scratch) for dpi in args.dpis}
            real_kept = report(
                f"Real invoice PDFs rendered for OCR (development data): {len(pdfs[0])}", rows, args.tolerance
            )
            if args.pdfs:
                both = [name for name in pdf_kept if name in real_kept]
                verdicts.append(f"PDF rendering: {cheapest(pdf_rows, both)}")
    print("\ncheapest setting with no significant loss on any data set:")
    for verdict in verdicts:
        print(f"  {verdict}")
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
