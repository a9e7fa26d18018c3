"""The `invoices` command (DESIGN.md section 2). Results on stdout, progress and logs on stderr."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from invoice_assets.settings import PlatformSettings, load_settings

DEMO_SEED = 7


def _expand(paths: Sequence[str]) -> list[Path]:
    """Files as given; a folder stands for the invoice files inside it."""
    from resources.storage import is_invoice_candidate

    expanded: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            expanded.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and is_invoice_candidate(p.name)
            )
        else:
            expanded.append(path)
    return expanded


def extract_rows(paths: Sequence[Path], workers: int | None = None) -> Iterator[dict]:
    """The contract's JSON object for each path, in the order given; unreadable files give an error row."""
    from invoice_assets.documents import UnreadableDocument
    from invoice_assets.extraction import extract_fields
    from invoice_assets.ocr import OcrSettings, read_documents
    from invoice_assets.results import error_json, invoice_json

    readable = list(dict.fromkeys(p for p in paths if p.is_file()))
    done: dict[Path, dict] = {}
    results = read_documents(readable, OcrSettings(), workers=workers)
    for path in paths:
        while path.is_file() and path not in done:
            finished, outcome = next(results)
            if isinstance(outcome, UnreadableDocument):
                done[finished] = error_json(str(finished), outcome.reason)
            else:
                sha256 = hashlib.sha256(finished.read_bytes()).hexdigest()
                fields = extract_fields(outcome.text).to_record()
                done[finished] = invoice_json(str(finished), sha256, fields, outcome.confidence)
        if path.is_file():
            yield done[path]
        elif path.exists():
            yield error_json(str(path), "not a regular file")
        else:
            yield error_json(str(path), "no such file; check the path")


def cmd_extract(args: argparse.Namespace) -> int:
    failed = 0
    for row in extract_rows(_expand(args.paths), workers=args.workers):
        failed += "error" in row
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from invoice_assets.definitions import build_defs
    from invoice_assets.runner import materialize_new_batches, open_instance
    from invoice_assets.summary import etl_summary
    from invoice_assets.synth import generate_inbox

    settings = load_settings()
    if settings.inbox_is_s3:
        print(
            "invoices demo runs on a local inbox: unset INVOICES_INBOX or point it at a folder",
            file=sys.stderr,
        )
        return 2
    demo_folder = Path(settings.inbox) / f"demo-{args.seed}"
    print(f"generating {args.count} synthetic invoices into {demo_folder}", file=sys.stderr)
    generated = generate_inbox(demo_folder, args.count, args.seed)
    instance = open_instance(settings)
    runs = materialize_new_batches(build_defs(settings), instance)
    summary = etl_summary(settings.database_url)
    _print_demo_summary(settings, generated.labels_csv, runs, summary)
    return 0 if all(r.success for r in runs) else 1


def _print_demo_summary(settings: PlatformSettings, labels_csv: Path, runs: list, summary: dict) -> None:
    ok = sum(r.success for r in runs)
    print(
        f"runs: {ok}/{len(runs)} succeeded"
        + (" (no new files: the inbox was already received)" if not runs else "")
    )
    print(
        f"files: {summary['files']} received, {summary['documents']} documents, "
        f"{summary['duplicates']} duplicates, {summary['quarantined']} quarantined"
    )
    print(
        f"fields found: invoice number {summary['number_share']:.0%}, date {summary['date_share']:.0%}, "
        f"total {summary['total_share']:.0%}; arithmetically consistent {summary['consistent_share']:.0%}; "
        f"mean OCR confidence {summary['mean_confidence']:.1f}"
    )
    print(f"labels for training: {labels_csv}")
    print("the ML half (classifier, F1, drift) is not built yet: this demo stops after the ETL assets")
    print(f"tables: {settings.database_url}")
    print(
        f"open the UI: DAGSTER_HOME={settings.dagster_home} INVOICES_HOME={settings.home} "
        ".venv/bin/dagster dev -w workspace.yaml   (then http://127.0.0.1:3000)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invoices", description="Textile maintenance invoice platform.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="generate a demo inbox and materialize the asset graph locally")
    demo.add_argument("--count", type=int, default=30, help="synthetic invoices to generate (default 30)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="generator seed (same seed, same files)")
    demo.set_defaults(handler=cmd_demo)

    extract = commands.add_parser("extract", help="OCR and field extraction; one JSON object per line")
    extract.add_argument("paths", nargs="+", help="invoice files (PDF, PNG, JPEG, TIFF) or folders of them")
    extract.add_argument("--workers", type=int, default=None, help="OCR processes (default: one per core)")
    extract.set_defaults(handler=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
