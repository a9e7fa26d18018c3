"""Invoice text → invoice fields: the entry point, the invoice number and date, and the final checks.

`labels` finds the printed labels, `values` the value each announces (in its segment or the cell under
it), every occurrence a scored candidate; `totals` chooses subtotal, tax and total together by the
arithmetic, with the line items of `items`; `parties` finds customer and supplier; `_check` records what
still disagrees as flags. Nothing here knows a particular layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from invoice_assets.extraction.dates import find_dates
from invoice_assets.extraction.items import LineItem, extract_line_items
from invoice_assets.extraction.labels import LabelHit, find_labels
from invoice_assets.extraction.parties import customer_candidates, other_party, supplier_candidates
from invoice_assets.extraction.text import Line, split_lines
from invoice_assets.extraction.totals import (
    amount_candidates,
    choose_amounts,
    document_currency,
    fallback_totals,
    prefer_larger_totals,
    tax_rates,
)
from invoice_assets.extraction.values import (
    Candidate,
    best,
    first_cell,
    hits_by_line,
    is_label_row,
    row_value,
    values_near,
)

CENT = Decimal("0.01")
RECORD_KEYS = (
    "invoice_number",
    "date",
    "supplier",
    "customer",
    "subtotal",
    "tax",
    "total",
    "currency",
    "lines",
)


@dataclass
class InvoiceFields:
    """The fields of one invoice; None where a field could not be read."""

    invoice_number: str | None = None
    date: str | None = None
    supplier: str | None = None
    customer: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    currency: str | None = None
    lines: list[LineItem] = field(default_factory=list)
    lines_match_subtotal: bool | None = None
    totals_match: bool | None = None
    flags: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """The JSON contract's fields (numbers as float, null when unread) plus the check results."""

        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "invoice_number": self.invoice_number,
            "date": self.date,
            "supplier": self.supplier,
            "customer": self.customer,
            "subtotal": number(self.subtotal),
            "tax": number(self.tax),
            "total": number(self.total),
            "currency": self.currency,
            "lines": [
                {
                    "description": item.description,
                    "quantity": number(item.quantity),
                    "unit_price": number(item.unit_price),
                    "amount": number(item.amount),
                }
                for item in self.lines
            ],
            "lines_match_subtotal": self.lines_match_subtotal,
            "totals_match": self.totals_match,
            "flags": list(self.flags),
        }


def extract_fields(text: str) -> InvoiceFields:
    """Read the fields of one invoice from its text (all pages)."""
    lines = split_lines(text)
    hits = [hit for line in lines for hit in find_labels(line)]
    fields = InvoiceFields()
    if not lines:
        fields.flags.append("no text")
        return fields
    fields.invoice_number = best(_number_candidates(lines, hits))
    fields.date = best(_date_candidates(lines, hits))
    fields.customer = best(customer_candidates(lines, hits))
    fields.supplier = best(supplier_candidates(lines, hits, fields.customer))
    if fields.customer is None:
        fields.customer = other_party(lines, fields.supplier)
    fields.lines = extract_line_items(lines)
    amounts = {kind: amount_candidates(lines, hits, kind) for kind in ("subtotal", "tax", "total")}
    amounts["total"] = prefer_larger_totals(amounts["total"]) + fallback_totals(lines)
    line_amounts = [item.amount for item in fields.lines if item.amount is not None]
    line_sum = sum(line_amounts, Decimal("0")) if line_amounts else None
    (fields.subtotal, fields.tax, fields.total), flags = choose_amounts(amounts, tax_rates(hits), line_sum)
    fields.flags.extend(flags)
    fields.currency = document_currency(lines)
    _check(fields)
    return fields


# --------------------------------------------------------------------------------------------------
# invoice number
# --------------------------------------------------------------------------------------------------

_LEAD = re.compile(r"^\W*(?:(?:n[º°o]|no|num|number|nr|de|del)\b\W*)*", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]|\d")


def identifier(text: str) -> str | None:
    """The invoice-number-like token at the start of a label's segment (must contain a digit)."""
    rest = _LEAD.sub("", text, count=1)
    rest = re.sub(r"(?<=[A-Za-z0-9]) ?([-/]) ?(?=[A-Za-z0-9])", r"\1", rest[:60])  # OCR's "INV -10777"
    match = _TOKEN.match(rest)
    if not match:
        return None
    token = match.group(0)
    if not any(ch.isdigit() for ch in token) or len(token) > 40:
        return None
    if find_dates(token) and find_dates(token)[0].end - find_dates(token)[0].start >= len(token) - 1:
        return None
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", token):  # an amount
        return None
    return token


def _number_candidates(lines: list[Line], hits: list[LabelHit]) -> list[Candidate]:
    by_line = hits_by_line(hits)
    candidates = []
    for hit in hits:
        if hit.field != "number":
            continue
        value = identifier(hit.segment)
        if value:
            candidates.append(Candidate(value, hit.weight + 1, hit.line.index))
            continue
        if hit.segment.strip() and hit.weight < 6:
            continue  # "Factura" followed by prose is a title, not a label
        if hit.weight < 6 and not is_label_row(hit.line, by_line[hit.line.index]):
            continue
        for cell in values_near(lines, hit, by_line[hit.line.index]):
            value = identifier(cell.text)
            if value:
                candidates.append(Candidate(value, hit.weight, hit.line.index))
                break
    # "# 12345" printed on its own under an INVOICE title
    for line in lines[:15]:
        for cell in line.cells:
            match = re.match(r"#\s*(\S+)$", cell.text)
            if match and any(ch.isdigit() for ch in match.group(1)):
                candidates.append(Candidate(match.group(1), 3, line.index))
    return candidates


# --------------------------------------------------------------------------------------------------
# date
# --------------------------------------------------------------------------------------------------


def _date_candidates(lines: list[Line], hits: list[LabelHit]) -> list[Candidate]:
    by_line = hits_by_line(hits)
    candidates = []
    excluded: set[str] = set()  # dates that belong to other labels (due date, order date...)
    for hit in hits:
        if hit.field in {"other", "number"}:
            dates = find_dates(hit.segment)
            value = find_dates(first_cell(hit.segment))
            if hit.field == "other" and not value and is_label_row(hit.line, by_line[hit.line.index]):
                cell = row_value(lines, hit, by_line[hit.line.index])
                value = find_dates(cell.text) if cell else []
            if hit.field == "other" and value:
                excluded.add(value[0].iso)
            if hit.field == "number" and dates:
                # "Facture n° 562044387 du 02 Juillet 2015"
                candidates.append(Candidate(dates[0].iso, 4, hit.line.index))
            continue
        if hit.field != "date":
            continue
        dates = find_dates(hit.segment)
        if dates:
            candidates.append(Candidate(dates[0].iso, hit.weight + 1, hit.line.index))
            continue
        row = by_line[hit.line.index]
        if hit.segment.strip() and not is_label_row(hit.line, row) and find_dates(hit.line.text[hit.end :]):
            continue  # the dates on this line belong to other labels
        for cell in values_near(lines, hit, by_line[hit.line.index]):
            dates = find_dates(cell.text)
            if dates:
                candidates.append(Candidate(dates[0].iso, hit.weight, hit.line.index))
                break
    if not candidates:
        for line in lines:
            dates = [found.iso for found in find_dates(line.text) if found.iso not in excluded]
            if dates:
                return [Candidate(dates[0], 1, line.index)]
    return candidates


# --------------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------------


def _check(fields: InvoiceFields) -> None:
    """Cross-check the figures and record disagreements as flags."""
    s, t, g = fields.subtotal, fields.tax, fields.total
    if s is not None and t is not None and g is not None:
        fields.totals_match = abs(s + t - g) <= CENT
        if not fields.totals_match:
            fields.flags.append(f"subtotal + tax ({s + t}) does not equal total ({g})")
    amounts = [item.amount for item in fields.lines if item.amount is not None]
    if amounts:
        line_sum = sum(amounts, Decimal("0"))
        target = s if s is not None else g
        if target is not None:
            # prices printed tax-inclusive make the lines add up to the total instead
            fields.lines_match_subtotal = abs(line_sum - target) <= CENT or (
                g is not None and abs(line_sum - g) <= CENT
            )
            if not fields.lines_match_subtotal:
                fields.flags.append(f"line items add up to {line_sum}, not the subtotal ({target})")
    for name in ("invoice_number", "date", "total"):
        if getattr(fields, name) is None:
            fields.flags.append(f"no {name.replace('_', ' ')} found")
