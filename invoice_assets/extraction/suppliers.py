"""The supplier register: the mill's own list of the workshops it buys from, keyed by tax id.

When a registered tax id is printed on the page (OCR reads those reliably), the supplier is named as the
register spells it: Tesseract cannot produce some letters of real names (the "è" of "Vallès"; a Catalan
language pack did not help, see docs/decisions.md). The register is a CSV in the inbox with at least the
columns `tax_id` and `name` (others ignored), exported from the mill's ERP.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

REGISTER_COLUMNS = ("tax_id", "name")

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")
_MIN_TAX_ID_LENGTH = 8  # shorter "ids" would match inside ordinary numbers on the page


def compact_tax_id(value: str) -> str:
    """`ES B-62185734` → `ESB62185734`: how an id is compared, whatever its printed punctuation."""
    return _NOT_ALPHANUMERIC.sub("", value.upper())


def _searchable(tax_id: str) -> str:
    """The part of an id that every printed form contains: a Spanish VAT number `ESB62185734` is often
    printed without its `ES` prefix, and `B62185734` is inside both forms."""
    compact = compact_tax_id(tax_id)
    return compact[2:] if compact.startswith("ES") and len(compact) == 11 else compact


def parse_register_csv(text: str) -> dict[str, str] | None:
    """Tax id (compact) → registered name, or None when the CSV is not a supplier register."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    if not all(column in columns for column in REGISTER_COLUMNS):
        return None
    register: dict[str, str] = {}
    for record in reader:
        tax_id = compact_tax_id(record.get(columns["tax_id"]) or "")
        name = (record.get(columns["name"]) or "").strip()
        if len(tax_id) >= _MIN_TAX_ID_LENGTH and name:
            register[tax_id] = name
    return register


@dataclass(frozen=True)
class RegisteredSupplier:
    tax_id: str
    name: str


def find_registered_supplier(text: str, register: Mapping[str, str]) -> RegisteredSupplier | None:
    """The registered supplier whose tax id appears first on the page (line by line, punctuation and
    spaces ignored), or None. Customers are not in the register, so their ids never match."""
    if not register:
        return None
    forms = {_searchable(tax_id): tax_id for tax_id in register}
    for line in text.splitlines():
        compact = compact_tax_id(line)
        if len(compact) < _MIN_TAX_ID_LENGTH:
            continue
        found = [(compact.find(form), tax_id) for form, tax_id in forms.items() if form in compact]
        if found:
            _, tax_id = min(found)
            return RegisteredSupplier(tax_id=tax_id, name=register[tax_id])
    return None


def name_supplier(fields: dict, text: str, register: Mapping[str, str]) -> dict:
    """`fields` (an extraction record) with the supplier named by the register when its tax id is on
    the page; a changed name is listed in `flags` so a person can see where it came from."""
    match = find_registered_supplier(text, register)
    if match is None or match.name == fields.get("supplier"):
        return fields
    note = f"supplier named by the register from tax id {match.tax_id} (OCR read {fields.get('supplier')!r})"
    return {**fields, "supplier": match.name, "flags": [*fields.get("flags", []), note]}


def read_registers(csv_files: Iterable[tuple[str, bytes]]) -> tuple[dict[str, str], list[str]]:
    """Merge every supplier register among `(name, content)` CSV files (labels CSVs and others are not
    registers and are passed over); returns the register and the names of the files it came from."""
    register: dict[str, str] = {}
    sources: list[str] = []
    for name, content in csv_files:
        parsed = parse_register_csv(content.decode("utf-8", errors="replace"))
        if parsed is not None:
            register.update(parsed)
            sources.append(name)
    return register, sources
