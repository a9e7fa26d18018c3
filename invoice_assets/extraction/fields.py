"""Invoice text → invoice fields, with the arithmetic cross-checks that choose among OCR candidates.

How a field is found:

1. Labels (`labels.py`) announce fields; the value is in the label's *segment* (the rest of its line up
   to the next label) or, when the segment holds none, in the cells printed under the label (table-style
   headers: a row of labels over a row of values).
2. Every label occurrence yields candidates with a score (specific labels outrank generic ones).
3. Amounts are chosen *together*: of all (subtotal, tax, total) candidate combinations, the one where
   subtotal + tax = total and the line items add up to the subtotal wins, so a misread or a repeated
   "Total" elsewhere on the page does not decide the result. Disagreements that remain are flagged.
4. The supplier is the issuer: a "Proveedor/Supplier" label if printed, else the most company-like name
   at the top of the first page, outside the customer block.

Nothing here knows a particular layout; the synthetic invoices and the real ones in the tests keep it so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise, product
from typing import Any

from invoice_assets.extraction.amounts import CURRENCY_CODES, Money, find_amounts, find_currency
from invoice_assets.extraction.dates import find_dates
from invoice_assets.extraction.items import LineItem, extract_line_items, header_columns
from invoice_assets.extraction.labels import LabelHit, find_labels
from invoice_assets.extraction.text import Cell, Line, cells_below, fold, overlap, split_lines

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


@dataclass(frozen=True)
class Candidate:
    value: Any
    score: float
    line: int = -1


def extract_fields(text: str) -> InvoiceFields:
    """Read the fields of one invoice from its text (all pages)."""
    lines = split_lines(text)
    hits = [hit for line in lines for hit in find_labels(line)]
    fields = InvoiceFields()
    if not lines:
        fields.flags.append("no text")
        return fields
    fields.invoice_number = _best(_number_candidates(lines, hits))
    fields.date = _best(_date_candidates(lines, hits))
    fields.customer = _best(_customer_candidates(lines, hits))
    fields.supplier = _best(_supplier_candidates(lines, hits, fields.customer))
    fields.lines = extract_line_items(lines)
    amounts = {kind: _amount_candidates(lines, hits, kind) for kind in ("subtotal", "tax", "total")}
    amounts["total"] = _prefer_larger_totals(amounts["total"]) + _fallback_totals(lines)
    line_amounts = [item.amount for item in fields.lines if item.amount is not None]
    line_sum = sum(line_amounts, Decimal("0")) if line_amounts else None
    _choose_amounts(fields, amounts, _tax_rates(hits), line_sum)
    fields.currency = _currency(lines)
    _check(fields)
    return fields


def _best(candidates: Iterable[Candidate]) -> Any:
    """The value with the highest score (earliest on ties)."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.line))
    return ranked[0].value if ranked else None


# --------------------------------------------------------------------------------------------------
# where a label's value is
# --------------------------------------------------------------------------------------------------


def _is_label_row(line: Line, hits_on_line: list[LabelHit]) -> bool:
    """A line that only holds labels (the header of values printed on the next line)."""
    if len(hits_on_line) < 2:
        return False
    covered = sum(h.end - h.start for h in hits_on_line)
    return covered >= 0.5 * len(line.text.replace(" ", ""))


def _below(lines: list[Line], hit: LabelHit, max_lines: int = 2) -> list[tuple[Line, Cell]]:
    """Cells printed under a label (same columns, next lines)."""
    return list(cells_below(lines, hit.line.index, hit.start, hit.end, max_lines=max_lines))


def _row_value(lines: list[Line], hit: LabelHit, row: list[LabelHit]) -> Cell | None:
    """The value of a label in a row of labels: the matching cell of the next line.

    With as many value cells as labels they pair up in order; otherwise the cell aligned with the label
    (left edges, or right edges for right-aligned columns) is taken.
    """
    following = hit.line.index + 1
    if following >= len(lines) or lines[following].page != hit.line.page:
        return None
    cells = [cell for cell in lines[following].cells if re.search(r"\w", cell.text)]
    if not cells:
        return None
    labels = sorted(row, key=lambda h: h.start)
    if len(cells) == len(labels):
        return cells[labels.index(hit)]
    own = hit.line.cell_at(hit.start)
    right = own.end if own else hit.end

    def misalignment(cell: Cell) -> int:
        return min(abs(cell.start - hit.start), abs(cell.end - right))

    best = min(cells, key=misalignment)
    return best if misalignment(best) <= 6 else None


def _values_near(lines: list[Line], hit: LabelHit, row: list[LabelHit]) -> list[Cell]:
    """Where to look for a label's value when its own segment holds none: the next line's matching cell
    for a row of labels, the cells under it for a label standing alone in its cell ("Fecha:" over
    "27/11/2026"). A label that is only part of a longer cell ("Precio sin IVA") has no value below."""
    if _is_label_row(hit.line, row):
        cell = _row_value(lines, hit, row)
        return [cell] if cell else []
    own = hit.line.cell_at(hit.start)
    if own is None or re.search(r"\w", own.text[: hit.start - own.start] + own.text[hit.end - own.start :]):
        return []
    return [cell for _, cell in _below(lines, hit)]


def _hits_by_line(hits: list[LabelHit]) -> dict[int, list[LabelHit]]:
    grouped: dict[int, list[LabelHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.line.index, []).append(hit)
    return grouped


# --------------------------------------------------------------------------------------------------
# invoice number
# --------------------------------------------------------------------------------------------------

_LEAD = re.compile(r"^\W*(?:(?:n[º°o]|no|num|number|nr|de|del)\b\W*)*", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]|\d")


def identifier(text: str) -> str | None:
    """The invoice-number-like token at the start of a label's segment (must contain a digit)."""
    rest = _LEAD.sub("", text, count=1)
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


def first_cell(segment: str) -> str:
    """The value right after a label: its segment up to the first column gap."""
    return re.split(r"\s{2,}", re.sub(r"^[\s:.\-]+", "", segment), maxsplit=1)[0]


def _number_candidates(lines: list[Line], hits: list[LabelHit]) -> list[Candidate]:
    by_line = _hits_by_line(hits)
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
        if hit.weight < 6 and not _is_label_row(hit.line, by_line[hit.line.index]):
            continue
        for cell in _values_near(lines, hit, by_line[hit.line.index]):
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
    by_line = _hits_by_line(hits)
    candidates = []
    excluded: set[str] = set()  # dates that belong to other labels (due date, order date...)
    for hit in hits:
        if hit.field in {"other", "number"}:
            dates = find_dates(hit.segment)
            value = find_dates(first_cell(hit.segment))
            if hit.field == "other" and not value and _is_label_row(hit.line, by_line[hit.line.index]):
                cell = _row_value(lines, hit, by_line[hit.line.index])
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
        if hit.segment.strip() and not _is_label_row(hit.line, row) and find_dates(hit.line.text[hit.end :]):
            continue  # the dates on this line belong to other labels
        for cell in _values_near(lines, hit, by_line[hit.line.index]):
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
# amounts
# --------------------------------------------------------------------------------------------------


def _money(amounts: list[Money]) -> list[Money]:
    """Amounts that are plausibly money: with decimals, or with a currency mark."""
    return [m for m in amounts if m.has_decimals or m.currency]


def _amount_candidates(lines: list[Line], hits: list[LabelHit], kind: str) -> list[Candidate]:
    by_line = _hits_by_line(hits)
    candidates: list[Candidate] = []
    for hit in hits:
        if hit.field != kind:
            continue
        found = _money(find_amounts(hit.segment))
        if found:
            for position, money in enumerate(reversed(found)):
                bonus = 2.0 if position == 0 else 0.0
                candidates.append(Candidate(money.value, hit.weight + bonus, hit.line.index))
            continue
        if hit.segment.strip() and not _is_label_row(hit.line, by_line[hit.line.index]):
            continue
        for cell in _values_near(lines, hit, by_line[hit.line.index]):
            found = _money(find_amounts(cell.text))
            if found:
                candidates.append(Candidate(found[-1].value, hit.weight, hit.line.index))
                break
    return candidates


def _fallback_totals(lines: list[Line]) -> list[Candidate]:
    """The largest amount on the page, a weak guess for the total when no total label is readable."""
    amounts = [m.value for line in lines for m in _money(find_amounts(line.text))]
    return [Candidate(max(amounts), 0.5)] if amounts else []


def _prefer_larger_totals(candidates: list[Candidate]) -> list[Candidate]:
    """Among totals, the largest is the grand total more often than not (a VAT summary's "Total" row or
    a page's carried sum are smaller): a small bonus breaks ties between equally labelled candidates."""
    if not candidates:
        return candidates
    largest = max(c.value for c in candidates)
    return [replace(c, score=c.score + 0.5) if c.value == largest else c for c in candidates]


def _distinct(candidates: list[Candidate]) -> list[Candidate | None]:
    """Best-scored candidate per value, plus None (the field may be missing)."""
    best: dict[Decimal, Candidate] = {}
    for candidate in candidates:
        if candidate.value not in best or candidate.score > best[candidate.value].score:
            best[candidate.value] = candidate
    ranked = sorted(best.values(), key=lambda c: -c.score)[:8]
    return [*ranked, None]


def _tax_rates(hits: list[LabelHit]) -> set[Decimal]:
    """VAT rates printed on tax lines ("IVA 21%", "VAT @ 21%"), as fractions."""
    rates = set()
    for hit in hits:
        if hit.field == "tax":
            for match in re.finditer(r"(\d{1,2}(?:[.,]\d{1,2})?) ?%", hit.line.text):
                rates.add(Decimal(match.group(1).replace(",", ".")) / 100)
    return rates


def _with_derived(
    amounts: dict[str, list[Candidate]], line_sum: Decimal | None
) -> dict[str, list[Candidate]]:
    """Add weak candidates computed from the others (total − tax, ...), so one misread figure can be
    recovered when the rest of the arithmetic (line items, VAT rate) vouches for the result."""
    top = {kind: _distinct(found)[:3] for kind, found in amounts.items()}
    derived: dict[str, list[Candidate]] = {kind: list(found) for kind, found in amounts.items()}
    for s, t, g in product(top["subtotal"], top["tax"], top["total"]):
        if s is not None and g is not None and t is None:
            derived["tax"].append(Candidate(g.value - s.value, 1.0, -2))
        if t is not None and g is not None and s is None:
            derived["subtotal"].append(Candidate(g.value - t.value, 1.0, -2))
        if s is not None and t is not None and g is None:
            derived["total"].append(Candidate(s.value + t.value, 1.0, -2))
    if line_sum is not None:
        derived["subtotal"].append(Candidate(line_sum, 1.0, -2))
    return derived


def _combinations(
    amounts: dict[str, list[Candidate]], line_sum: Decimal | None, rates: set[Decimal]
) -> tuple[float, tuple[Candidate | None, ...], bool]:
    """The best (subtotal, tax, total) combination, its score and whether other evidence (the lines or
    a printed VAT rate) vouches for it.

    Scores: the label's own score, +15 when subtotal + tax = total (-5 when it does not), +8 when the line
    items add up to the subtotal, +5 when tax = subtotal × a printed VAT rate.
    """
    best_score, best, best_vouched = float("-inf"), (None, None, None), False
    for sub, tax, total in product(*(_distinct(amounts[k]) for k in ("subtotal", "tax", "total"))):
        score = sum(c.score for c in (sub, tax, total) if c is not None)
        s, t, g = (c.value if c is not None else None for c in (sub, tax, total))
        vouched = False
        if s is not None and t is not None and g is not None:
            score += 15 if abs(s + t - g) <= CENT else -5
        if s is not None and g is not None and t is None and s != g:
            score -= 3
        if line_sum is not None and s is not None and abs(line_sum - s) <= CENT:
            score, vouched = score + 8, True
        elif line_sum is not None and s is None and g is not None and abs(line_sum - g) <= CENT:
            score += 4
        if s is not None and t is not None and any(abs((s * r).quantize(CENT) - t) <= CENT for r in rates):
            score, vouched = score + 5, True
        if s is not None and g is not None and s > g:
            score -= 10
        if score > best_score:
            best_score, best, best_vouched = score, (sub, tax, total), vouched
    return best_score, best, best_vouched


def _consistent(chosen: tuple[Candidate | None, ...]) -> bool:
    s, t, g = (c.value if c is not None else None for c in chosen)
    return s is not None and t is not None and g is not None and abs(s + t - g) <= CENT


def _choose_amounts(
    fields: InvoiceFields, amounts: dict[str, list[Candidate]], rates: set[Decimal], line_sum: Decimal | None
) -> None:
    """Pick subtotal, tax and total jointly: the most credible combination that adds up.

    Printed values are tried first. Only when they do not add up are values computed from the others
    (total − tax, the sum of the lines...) admitted, and only if independent evidence (the line items or
    the printed VAT rate) confirms the result; such a value is flagged.
    """
    _, best, _ = _combinations(amounts, line_sum, rates)
    if not _consistent(best):
        _, repaired, vouched = _combinations(_with_derived(amounts, line_sum), line_sum, rates)
        if _consistent(repaired) and vouched:
            best = repaired
    fields.subtotal, fields.tax, fields.total = (c.value if c is not None else None for c in best)
    for name, chosen in zip(("subtotal", "tax", "total"), best, strict=True):
        if chosen is not None and chosen.line == -2:
            printed = [c.value for c in amounts[name] if c.score >= 5 and c.value != chosen.value]
            seen = f"the printed {printed[0]} disagrees" if printed else "no printed value was readable"
            fields.flags.append(f"{name} {chosen.value} computed from the other figures ({seen})")


def _currency(lines: list[Line]) -> str | None:
    """The currency printed most often next to amounts (else anywhere), as an ISO code."""
    counts: Counter[str] = Counter()
    for line in lines:
        for money in find_amounts(line.text):
            if money.currency:
                counts[money.currency] += 1
    if not counts:
        for line in lines:
            code = find_currency(line.text)
            if code in CURRENCY_CODES:
                counts[code] += 1
    return counts.most_common(1)[0][0] if counts else None


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


# --------------------------------------------------------------------------------------------------
# parties
# --------------------------------------------------------------------------------------------------

_LEGAL_FORM = re.compile(
    r"(?<![a-z])(?:s\.?\s?l\.?\s?u?\.?|s\.?\s?a\.?\s?u?\.?|s\.?\s?coop\.?|s\.?\s?l\.?\s?l\.?|sociedad\s+\w+|"
    r"ltd\.?|limited|inc\.?|llc|plc|gmbh|ag|b\.\s?v\.?|n\.\s?v\.?|bv|sas|sarl|s\.?a\.?r\.?l\.?|"
    r"sp\.\s?z\s?o\.?\s?o\.?|spolka\s+akcyjna|s\.?p\.?a\.?|srl|oy|ab|pvt\.?\s+ltd\.?|sdn\.?\s+bhd\.?)"
    r"(?![a-z])\W*$"
)
_TITLE = re.compile(
    r"^(?:factura|invoice|facture|factuur|rechnung|faktura|receipt|recibo|payment\s+receipt|"
    r"tax\s+invoice|copia|copy|kopie\s+factuur|duplicado|original|proforma|abono)\b",
)
_NOT_A_NAME = re.compile(r"@|www\.|https?:|\.(?:com|es|net|org|cat)\b|^\+?\d[\d\s().-]{6,}$|\b\d{5}\b")
_ADDRESS = re.compile(
    r"^(?:c/|calle|avda\.?|avenida|pol\.?|poligon|poligono|ctra\.?|carretera|cami|camino|plaza|pza\.?|"
    r"paseo|passeig|carrer|ronda|rua|parque|partida|unit|block|\d)",
)


def _clean_name(text: str) -> str | None:
    """A party name without OCR specks around it ("* Talleres Ruiz S.L. ‘" → "Talleres Ruiz S.L.")."""
    name = re.sub(r"\s{2,}", " ", text)
    name = re.sub(r"^[^\w(¡¿\"]+", "", name)
    name = re.sub(r"[^\w.)\"]+$", "", name)
    return name if len(re.findall(r"[^\W\d_]", name)) >= 3 else None


def _starts_cell(hit: LabelHit) -> bool:
    """A label that opens a cell; the same words inside prose ("at the customer's premises") are not one."""
    cell = hit.line.cell_at(hit.start)
    return cell is not None and not re.search(r"\w", hit.line.text[cell.start : hit.start])


def _customer_candidates(lines: list[Line], hits: list[LabelHit]) -> list[Candidate]:
    candidates = []
    for hit in hits:
        if hit.field != "customer" or not _starts_cell(hit):
            continue
        same = re.sub(r"^[\s:.\-]+", "", hit.segment).split("  ")[0]
        name = _clean_name(same) if same else None
        if name and not find_labels_in(name):
            candidates.append(Candidate(name, hit.weight + 1, hit.line.index))
            continue
        for line, cell in _below(lines, hit, max_lines=2):
            if overlap(cell.start, cell.end, hit.start - 2, hit.end + 2) <= 0:
                continue
            name = _clean_name(cell.text)
            if name and not find_labels_in(name) and not _NOT_A_NAME.search(fold(name)):
                candidates.append(Candidate(name, hit.weight, line.index))
                break
    if not candidates:
        # no readable customer label: the second party block (the first is the issuer's)
        parties = _party_names(lines)
        if len(parties) >= 2:
            line, cell = parties[1]
            candidates.append(Candidate(_clean_name(cell.text), 2, line.index))
    return candidates


_TAX_ID = re.compile(
    r"^\W*(?:c\.?i\.?f|n\.?i\.?f|n\.?i\.?e|vat(?: no\.?| number| reg\w*)?|btw|tva|tax id|nip)\b"
)


def _party_names(lines: list[Line]) -> list[tuple[Line, Cell]]:
    """Name cells printed directly above a tax id ("CIF: B62185731", "VAT No.: ..."), top to bottom.

    Spanish invoices must show the tax ids of both parties, each under the party's name, so these are
    the issuer's and the customer's names even where OCR lost the "Cliente" label.
    """
    found = []
    for line, below in pairwise(lines):
        if below.page != line.page:
            continue
        for cell in line.cells:
            above_tax_id = any(
                abs(other.start - cell.start) <= 3 and _TAX_ID.match(fold(other.text))
                for other in below.cells
            )
            if above_tax_id and not _TAX_ID.match(fold(cell.text)) and _clean_name(cell.text):
                found.append((line, cell))
    return found


def find_labels_in(text: str) -> bool:
    """Whether a short text is (or starts with) a label, i.e. not a value."""
    line = split_lines(text)
    if not line:
        return False
    return any(hit.start <= 1 for hit in find_labels(line[0]))


def _customer_region(lines: list[Line], hits: list[LabelHit]) -> set[tuple[int, int]]:
    """(line, column) of the cells that belong to the customer block (label and a few lines under it)."""
    region: set[tuple[int, int]] = set()
    for hit in hits:
        if hit.field != "customer" or not _starts_cell(hit):
            continue
        region.add((hit.line.index, hit.start))
        cell = hit.line.cell_at(hit.start)
        left = cell.start if cell else hit.start
        for line in lines[hit.line.index : hit.line.index + 6]:
            for other in line.cells:
                if abs(other.start - left) <= 3 or (line is hit.line and other.start >= hit.start):
                    region.add((line.index, other.start))
    return region


def _supplier_candidates(lines: list[Line], hits: list[LabelHit], customer: str | None) -> list[Candidate]:
    candidates = []
    for hit in hits:
        if hit.field != "supplier" or not _starts_cell(hit):
            continue
        same = re.sub(r"^[\s:.\-]+", "", hit.segment).split("  ")[0]
        name = _clean_name(same) if same.strip() else None
        if not name:
            below = _below(lines, hit, max_lines=1)
            name = _clean_name(below[0][1].text) if below else None
        if name and not find_labels_in(name):
            candidates.append(Candidate(name, 20, hit.line.index))
    region = _customer_region(lines, hits)
    parties = {(line.index, cell.start) for line, cell in _party_names(lines)}
    top = [line for line in lines if line.page == lines[0].page][:18]
    for rank, line in enumerate(top):
        if header_columns(line):
            break
        label_columns = {h.start for h in hits if h.line is line}
        for cell in line.cells:
            if (line.index, cell.start) in region:
                continue
            folded = fold(cell.text).strip()
            if any(cell.start <= column < cell.end for column in label_columns):
                continue
            if _TITLE.match(folded) or _NOT_A_NAME.search(folded) or _ADDRESS.match(folded):
                continue
            name = _clean_name(cell.text)
            if not name or (customer and fold(name) == fold(customer)):
                continue
            letters = sum(ch.isalpha() for ch in name)
            if letters < 0.6 * len(name.replace(" ", "")):
                continue
            score = 10.0 - rank * 0.5
            if _LEGAL_FORM.search(folded):
                score += 8
            if (line.index, cell.start) in parties:
                score += 3
            candidates.append(Candidate(name, score, line.index))
    return candidates
