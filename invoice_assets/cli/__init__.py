"""The `invoices` command (docs/contract.md): one module per group of commands. Results go to stdout,
progress and logs to stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from invoice_assets.cli.demo import DEMO_SEED, cmd_demo
from invoice_assets.cli.files import cmd_extract, cmd_predict
from invoice_assets.cli.graph import cmd_drift, cmd_train
from invoice_assets.cli.serve import cmd_serve
from invoice_assets.ocr.cpus import WorkerCountError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="invoices", description="Textile maintenance invoice platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    runs_dagster = argparse.ArgumentParser(add_help=False)
    runs_dagster.add_argument(
        "--verbose",
        action="store_true",
        help="print Dagster's full event log here, not in $INVOICES_HOME/logs/invoices.log",
    )

    demo = commands.add_parser(
        "demo", parents=[runs_dagster], help="generate a demo inbox and materialize the asset graph locally"
    )
    demo.add_argument("--count", type=int, default=300, help="synthetic invoices to generate (default 300)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="generator seed (same seed, same files)")
    demo.set_defaults(handler=cmd_demo)

    extract = commands.add_parser("extract", help="OCR and field extraction; one JSON object per line")
    extract.add_argument("paths", nargs="+", help="invoice files (PDF, PNG, JPEG, TIFF) or folders of them")
    extract.add_argument(
        "--workers",
        type=int,
        default=None,
        help="OCR processes (default: INVOICES_OCR_WORKERS, else one per available CPU)",
    )
    extract.set_defaults(handler=cmd_extract)

    train = commands.add_parser(
        "train", parents=[runs_dagster], help="ETL an inbox, load labels, train and gate a classifier"
    )
    train.add_argument(
        "--inbox", required=True, help="folder or s3://bucket/prefix of invoices (the inbox of this run)"
    )
    train.add_argument(
        "--labels", action="append", help="labels CSV (file,label), a path or an s3:// URI; may repeat"
    )
    train.set_defaults(handler=cmd_train)

    predict = commands.add_parser("predict", help="like extract, plus label, probability, model_version")
    predict.add_argument("paths", nargs="+", help="invoice files or folders of them")
    predict.add_argument(
        "--workers",
        type=int,
        default=None,
        help="OCR processes (default: INVOICES_OCR_WORKERS, else one per available CPU)",
    )
    predict.set_defaults(handler=cmd_predict)

    drift = commands.add_parser(
        "drift", parents=[runs_dagster], help="drift of a folder of invoices against the champion's data"
    )
    drift.add_argument("--inbox", required=True, help="folder of invoices: the current window")
    drift.set_defaults(handler=cmd_drift)

    serve = commands.add_parser("serve", help="the online classification service (HTTP, key in X-API-Key)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="service processes (default 1)")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except WorkerCountError as error:
        print(f"invoices: {error}", file=sys.stderr)
        return 2
