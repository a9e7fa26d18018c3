"""Reading labels CSVs (docs/contract.md): a header with at least `file` and `label`.

Nothing is dropped silently: rows with a label value the classifier does not know, rows without a file
name, and CSVs without the two columns are all reported back, so the asset can list them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from invoice_assets.ml.labels import LABELS


@dataclass(frozen=True)
class LabelRow:
    file: str
    label: str
    line: int


@dataclass
class ParsedLabels:
    source: str
    rows: list[LabelRow] = field(default_factory=list)
    unknown_labels: list[dict[str, str]] = field(default_factory=list)
    problem: str | None = None  # set when the whole file is unusable


def normalize_label(value: str) -> str | None:
    """`Corrective ` → `corrective`; anything outside LABELS → None."""
    cleaned = value.strip().lower()
    return cleaned if cleaned in LABELS else None


def parse_labels_csv(text: str, source: str) -> ParsedLabels:
    parsed = ParsedLabels(source=source)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    if "file" not in columns or "label" not in columns:
        parsed.problem = (
            f"no `file` and `label` columns (found: {', '.join(reader.fieldnames or []) or 'none'})"
        )
        return parsed
    for line, record in enumerate(reader, start=2):
        name = PurePosixPath((record.get(columns["file"]) or "").strip()).name
        raw_label = record.get(columns["label"]) or ""
        label = normalize_label(raw_label)
        if not name or label is None:
            parsed.unknown_labels.append(
                {"source": source, "line": str(line), "file": name, "label": raw_label}
            )
            continue
        parsed.rows.append(LabelRow(file=name, label=label, line=line))
    return parsed
