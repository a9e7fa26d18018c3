"""`invoices serve`: the online classification service under uvicorn."""

from __future__ import annotations

import argparse
import sys

from invoice_assets.service.server import run_server
from invoice_assets.service.settings import ServiceConfigError, load_service_settings


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        load_service_settings()
    except ServiceConfigError as error:
        print(f"invoices serve: {error}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("invoices serve: --workers must be at least 1", file=sys.stderr)
        return 2
    run_server(args.host, args.port, args.workers)
    return 0
