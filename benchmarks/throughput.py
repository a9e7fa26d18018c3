"""ETL throughput against a plain loop of `tesseract` CLI calls, and peak memory by batch size.

    .venv/bin/python benchmarks/throughput.py                 # 50 and 500 files (about half an hour)
    .venv/bin/python benchmarks/throughput.py --sizes 20 60   # a quicker look

For each size it generates that many synthetic invoices (a fixed benchmark seed), then
1. runs the baseline: one single-threaded `tesseract --psm 6 -l spa+eng` process per core over the
   same pages (PDF pages are rendered to PNG beforehand and that rendering is not timed, in the
   baseline's favour);
2. materializes the ETL graph (raw_invoices → ocr_pages → invoice_fields) over the same files as one
   batch on a fresh home and an ephemeral Dagster instance, in a child process whose peak memory
   (the sum of the resident sets of the process and its OCR workers) is sampled from /proc.
It prints files per second for both and their ratio, and the peak memory per size with the ratio of the
largest to the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 424242


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def page_images(files: list[Path], folder: Path) -> list[Path]:
    """Every page as a file tesseract reads directly (PDF pages rendered to PNG, untimed)."""
    import pypdfium2 as pdfium

    pages: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        if path.suffix.lower() != ".pdf":
            pages.append(path)
            continue
        document = pdfium.PdfDocument(str(path))
        for number, page in enumerate(document, 1):
            target = folder / f"{path.stem}-p{number}.png"
            page.render(scale=200 / 72).to_pil().save(target)
            pages.append(target)
    return pages


def tesseract_loop(pages: list[Path], workers: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: Path) -> None:
        subprocess.run(
            ["tesseract", str(page), "stdout", "-l", "spa+eng", "--psm", "6"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return time.perf_counter() - started


def etl_child(inbox: str, home: str) -> None:
    """Run inside the measured child process: one batch over `inbox`, timing printed as JSON."""
    from dagster import DagsterInstance, RunConfig, materialize

    from invoice_assets.defs.etl import RawInvoicesConfig, etl_assets
    from invoice_assets.defs.partitions import batch_partitions
    from invoice_assets.settings import load_settings
    from resources.environment import build_resources

    settings = load_settings({"INVOICES_HOME": home, "INVOICES_INBOX": inbox})
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(batch_partitions.name, ["bench"])
    started = time.perf_counter()
    result = materialize(
        etl_assets, partition_key="bench", instance=instance, resources=build_resources(settings),
        run_config=RunConfig(ops={"raw_invoices": RawInvoicesConfig(batch_size=100_000)}),
    )  # fmt: skip
    print(json.dumps({"seconds": time.perf_counter() - started, "success": result.success}))


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


def run_etl_measured(inbox: Path, home: Path) -> tuple[float, int]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(inbox), str(home)], stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss_kib(child.pid))
        time.sleep(0.1)
    outcome = json.loads(child.stdout.read().strip().splitlines()[-1])
    if not outcome["success"]:
        raise SystemExit("the ETL run failed; see the log above")
    return outcome["seconds"], peak


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        etl_child(*args.child)
        return

    from invoice_assets.synth import generate_inbox

    workers = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / f"inbox-{size}"
            log(f"[{size}] generating {size} invoices")
            generated = generate_inbox(folder, size, SEED)
            pages = page_images(generated.files, Path(tmp) / f"pages-{size}")
            log(f"[{size}] baseline: tesseract CLI over {len(pages)} pages, {workers} processes")
            baseline = tesseract_loop(pages, workers)
            log(f"[{size}] ETL graph over {size} files")
            seconds, peak_kib = run_etl_measured(folder, Path(tmp) / f"home-{size}")
            rows.append((size, len(pages), baseline, seconds, peak_kib))

    print(f"{'files':>6} {'pages':>6} {'tesseract f/s':>14} {'ETL f/s':>9} {'ratio':>6} {'peak MiB':>9}")
    for size, page_count, baseline, seconds, peak in rows:
        ratio = baseline / seconds
        figures = f"{size / baseline:>14.2f} {size / seconds:>9.2f} {ratio:>6.2f} {peak / 1024:>9.0f}"
        print(f"{size:>6} {page_count:>6} {figures}")
    if len(rows) > 1:
        print(f"peak memory {rows[-1][0]} vs {rows[0][0]} files: {rows[-1][4] / rows[0][4]:.2f}x")


if __name__ == "__main__":
    main()
