"""ETL throughput against the `tesseract` command-line floor on the same files, field accuracy of both,
and peak memory by batch size.

    .venv/bin/python benchmarks/throughput.py                 # 50 and 500 files (about 25 minutes)
    .venv/bin/python benchmarks/throughput.py --sizes 60      # a quicker look

For each size it generates that many synthetic invoices (a fixed benchmark seed; PNG, JPEG and PDF
scans), then, with one process per CPU this process may use,
1. runs the floor (`benchmarks/tesseract_floor.py`): one `tesseract` process per page, the way the
   platform read pages before it kept an engine per worker; rendering and preprocessing are not timed;
2. materializes the ETL graph (raw_invoices → ocr_pages → invoice_fields) over the same files as one
   batch on a fresh home and an ephemeral Dagster instance, in a child process whose peak memory (the
   sum of the resident sets of the process and its OCR workers) is sampled from /proc;
3. scores both readings of the files with the same field extraction against the ground truth.
It prints files per second of both and their ratio, the accuracy of every field for both and the
largest gap, and the peak memory per size with the ratio of the largest to the smallest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import score_synthetic  # noqa: E402
from tesseract_floor import command_loop, page_files  # noqa: E402

from invoice_assets.ocr.cpus import available_cpus  # noqa: E402
from invoice_assets.ocr.reader import DocumentText, PageText  # noqa: E402
from invoice_assets.ocr.tesseract import OcrSettings  # noqa: E402

SEED = 424242
SAMPLE_SECONDS = 1.0
"""How often the child's memory is sampled. Walking /proc ten times a second took a quarter of a core
from the OCR workers on 2 CPUs; the floor runs without a sampler, so sampling must stay cheap."""
FORMATS = ("png", "jpeg", "pdf")
COMPARED = ("invoice_number", "date", "supplier", "customer", "subtotal", "tax", "total", "line amounts")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def etl_child(inbox: str, home: str) -> None:
    """Run inside the measured child process: one batch over `inbox`; timing and page texts as JSON in
    `home`/etl.json (a file: a pipe would fill up and block the child before its parent reads it)."""
    from dagster import DagsterInstance, RunConfig, materialize
    from sqlalchemy import select

    from invoice_assets.defs.etl import RawInvoicesConfig, etl_assets
    from invoice_assets.defs.partitions import batch_partitions
    from invoice_assets.settings import load_settings
    from invoice_assets.store.tables import documents, ocr_pages
    from resources.environment import build_resources

    settings = load_settings({"INVOICES_HOME": home, "INVOICES_INBOX": inbox})
    resources = build_resources(settings)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(batch_partitions.name, ["bench"])
    started = time.perf_counter()
    result = materialize(
        etl_assets, partition_key="bench", instance=instance, resources=resources,
        run_config=RunConfig(ops={"raw_invoices": RawInvoicesConfig(batch_size=100_000)}),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    query = (
        select(documents.c.file_name, ocr_pages.c.text)
        .join(ocr_pages, ocr_pages.c.sha256 == documents.c.sha256)
        .order_by(documents.c.file_name, ocr_pages.c.page)
    )
    texts: dict[str, list[str]] = {}
    with resources["database"].engine.connect() as conn:
        for name, text in conn.execute(query):
            texts.setdefault(name, []).append(text)
    joined = {name: "\n\n".join(parts) for name, parts in texts.items()}
    outcome = {"seconds": seconds, "success": result.success, "texts": joined}
    (Path(home) / "etl.json").write_text(json.dumps(outcome))


def tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def run_etl_measured(inbox: Path, home: Path) -> tuple[float, int, dict[str, str]]:
    child = subprocess.Popen([sys.executable, __file__, "--child", str(inbox), str(home)])
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss_kib(child.pid))
        time.sleep(SAMPLE_SECONDS)
    if child.returncode != 0:
        raise SystemExit(f"the ETL child failed with exit code {child.returncode}; see the log above")
    outcome = json.loads((home / "etl.json").read_text())
    if not outcome["success"]:
        raise SystemExit("the ETL run failed; see the log above")
    return outcome["seconds"], peak, outcome["texts"]


def as_documents(texts: dict[str, str]) -> dict[str, DocumentText]:
    return {name: DocumentText("", [PageText(1, text, 0.0, "ocr")]) for name, text in texts.items()}


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        etl_child(*args.child)
        return

    from invoice_assets.extraction.suppliers import read_registers
    from invoice_assets.synth import generate_inbox, read_ground_truth

    workers = available_cpus()
    settings = OcrSettings()
    rows, accuracy = [], {}
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / f"inbox-{size}"
            log(f"[{size}] generating {size} invoices ({', '.join(FORMATS)})")
            generated = generate_inbox(folder, size, SEED, formats=FORMATS)
            truth = read_ground_truth(generated.ground_truth_csv)
            register, _ = read_registers((p.name, p.read_bytes()) for p in folder.glob("*.csv"))
            pages = page_files(generated.files, Path(tmp) / f"pages-{size}", settings)
            log(f"[{size}] floor: tesseract command over {len(pages)} pages, {workers} at a time")
            floor_seconds, floor_texts = command_loop(pages, settings, workers)
            log(f"[{size}] ETL graph over {size} files")
            seconds, peak_kib, etl_texts = run_etl_measured(folder, Path(tmp) / f"home-{size}")
            rows.append((size, len(pages), floor_seconds, seconds, peak_kib))
            floor_scores = score_synthetic(
                truth, as_documents({path.name: text for path, text in floor_texts.items()}), register
            )
            etl_scores = score_synthetic(truth, as_documents(etl_texts), register)
            accuracy[size] = {field: (floor_scores[field], etl_scores[field]) for field in COMPARED}

    print(f"{workers} OCR processes; files: PNG, JPEG and PDF scans (seed {SEED})")
    print(f"{'files':>6} {'pages':>6} {'command f/s':>12} {'ETL f/s':>9} {'ratio':>6} {'peak MiB':>9}")
    for size, page_count, floor_seconds, seconds, peak in rows:
        figures = f"{size / floor_seconds:>12.2f} {size / seconds:>9.2f} {floor_seconds / seconds:>6.2f}"
        print(f"{size:>6} {page_count:>6} {figures} {peak / 1024:>9.0f}")
    for size, fields in accuracy.items():
        print(f"\nfield accuracy, {size} files: command floor vs ETL")
        for field, (floor, etl) in fields.items():
            print(f"  {field:<16} {100 * floor:6.1f}% {100 * etl:6.1f}%  ({100 * (etl - floor):+.1f})")
        gap = max(abs(etl - floor) for floor, etl in fields.values())
        print(f"  largest gap: {100 * gap:.1f} points")
    if len(rows) > 1:
        print(f"\npeak memory {rows[-1][0]} vs {rows[0][0]} files: {rows[-1][4] / rows[0][4]:.2f}x")


if __name__ == "__main__":
    main()
