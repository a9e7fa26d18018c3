"""`invoices extract` and `invoices predict`: files in, one contract JSON line each out (no Dagster)."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from invoice_assets.documents.media import UnreadableDocument
from invoice_assets.extraction import extract_fields
from invoice_assets.extraction.json_line import error_json, invoice_json, prediction_fields
from invoice_assets.intake.storage import is_invoice_candidate
from invoice_assets.ml.predictions import to_predictions
from invoice_assets.ocr.reader import read_documents
from invoice_assets.ocr.tesseract import OcrSettings
from invoice_assets.registry.artifacts import MissingLiteRtModel
from invoice_assets.registry.champion import NoChampion, load_champion
from invoice_assets.registry.mlflow_registry import MlflowRegistry
from invoice_assets.settings import load_settings


def expand_paths(paths: Sequence[str]) -> list[Path]:
    """Files as given; a folder stands for the invoice files inside it."""
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


def extract_rows(paths: Sequence[Path], workers: int | None = None) -> Iterator[tuple[dict, str | None]]:
    """The contract's JSON object for each path, in the order given, with the document's text (None for
    a file that could not be read, whose object is an error row)."""
    readable = list(dict.fromkeys(p for p in paths if p.is_file()))
    done: dict[Path, tuple[dict, str | None]] = {}
    results = read_documents(readable, OcrSettings(), workers=workers)
    for path in paths:
        while path.is_file() and path not in done:
            finished, outcome = next(results)
            if isinstance(outcome, UnreadableDocument):
                done[finished] = (error_json(str(finished), outcome.reason), None)
            else:
                sha256 = hashlib.sha256(finished.read_bytes()).hexdigest()
                fields = extract_fields(outcome.text).to_record()
                done[finished] = (
                    invoice_json(str(finished), sha256, fields, outcome.confidence),
                    outcome.text,
                )
        if path.is_file():
            row, text = done[path]
            yield dict(row), text
        elif path.exists():
            yield error_json(str(path), "not a regular file"), None
        else:
            yield error_json(str(path), "no such file; check the path"), None


def cmd_extract(args: argparse.Namespace) -> int:
    failed = 0
    for row, _ in extract_rows(expand_paths(args.paths), workers=args.workers):
        failed += "error" in row
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_predict(args: argparse.Namespace) -> int:
    settings = load_settings()
    registry = MlflowRegistry(settings.mlflow_tracking_uri, settings.mlflow_artifacts)
    try:
        champion = load_champion(registry)
    except NoChampion as error:
        print(str(error), file=sys.stderr)
        return 2
    except MissingLiteRtModel as error:
        print(f"the champion model cannot be used: {error}", file=sys.stderr)
        return 2
    version, classifier = champion.version, champion.classifier
    failed = 0
    for row, text in extract_rows(expand_paths(args.paths), workers=args.workers):
        if text is None:
            failed += 1
        else:
            (prediction,) = to_predictions(classifier.predict_proba([text]))
            row.update(prediction_fields(prediction.label, prediction.probability, version))
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failed else 0
