"""Line items: find the table header, then read each row's description, quantity, unit price and amount.

Two independent signals, so neither an unusual header nor one misread number loses a row: the header
names the columns (a number belongs to the column it sits under), and in a real row quantity × unit price
= amount to the cent, which picks the right triple among a line's numbers. The table ends at the first
summary line; a line without money continues the description of the row above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from invoice_assets.extraction.amounts import Money, find_amounts
from invoice_assets.extraction.labels import find_labels
from invoice_assets.extraction.text import Line, fold

CENT = Decimal("0.01")

_HEADER_WORDS: dict[str, str] = {
    "description": r"descripcion|concepto|detalle|description|designation|details?|articulo|item|items|"
    r"omschrijving|beschreibung|bezeichnung|product|producto|servicio|service|nazwa(?:\s+towaru)?|"
    r"title|trabajos?\s+realizados|work",
    "quantity": r"cantidad|cant\.?|uds\.?|unidades|ud\.?|qty\.?|quantity|nombre|quantite|qte|aantal|"
    r"hoeveelheid|menge|ilo[sś][cć]|horas|hours|hrs|units?",
    "unit_price": r"precio(?:\s+unit(?:ario|\.)?)?|p\.?\s?unit(?:ario)?\.?|p\.u\.?(?:\s+ht)?|unit\s+price|"
    r"price|rate|prix(?:\s+unitaire)?|prijs(?:\s+per\s+stuk)?|preis|einzelpreis|vk-preis|cena|tarifa|"
    r"unit\s+cost|€/ud",
    "amount": r"importe|total|amount|montant(?:\s+ht)?|bedrag|betrag|zeilenbetrag|gesamt|"
    r"warto[sś][cć]|line\s+total|subtotal|prijs\s+incl\.?\s+btw|net",
    "other": r"iva|vat|tax(?:es)?|dto\.?|descuento|discount|disc\.?%?|btw|ref\.?|referencia|codigo|code|"
    r"pos\.?|rabatt|%",
}
_HEADER_RES = {kind: re.compile(rf"(?<![a-z])(?:{words})(?![a-z])") for kind, words in _HEADER_WORDS.items()}


@dataclass(frozen=True)
class LineItem:
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class _Column:
    kind: str
    start: int
    end: int


def header_columns(line: Line) -> list[_Column] | None:
    """The columns named by a table header line, or None if the line is not a header.

    A header names an amount or a price column and a description or quantity column, and has no money
    on it.
    """
    if any(m.has_decimals for m in find_amounts(line.text)):
        return None
    columns: list[_Column] = []
    taken: list[tuple[int, int]] = []
    for kind in ("unit_price", "amount", "quantity", "description", "other"):
        for match in _HEADER_RES[kind].finditer(line.folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            columns.append(_Column(kind, match.start(), match.end()))
    kinds = {c.kind for c in columns}
    if not ({"amount", "unit_price"} & kinds and {"description", "quantity"} & kinds and len(columns) >= 3):
        return None
    # words of a header that is not ours (prose mentioning "total price") rarely fill most of the line
    covered = sum(c.end - c.start for c in columns)
    if covered < 0.4 * len(line.text.replace(" ", "")):
        return None
    return sorted(columns, key=lambda c: c.start)


def _is_summary(line: Line) -> bool:
    """A totals line ("Base imponible 1.000,00") or a row of totals labels over their values."""
    summary = [hit for hit in find_labels(line) if hit.field in {"subtotal", "tax", "total"}]
    has_money = any(m.has_decimals for m in find_amounts(line.text))
    return (bool(summary) and has_money) or (len(summary) >= 2 and not has_money)


def _column_of(money: Money, columns: list[_Column]) -> str:
    """The header column a number sits under: most overlap, else the nearest header word."""

    def distance(column: _Column) -> float:
        shared = min(money.end, column.end) - max(money.start, column.start)
        if shared > 0:
            return -shared
        return min(abs(money.start - column.end), abs(column.start - money.end))

    return min(columns, key=distance).kind


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= CENT


def _arithmetic(numbers: list[Money]) -> tuple[Money, Money, Money] | None:
    """(quantity, unit price, amount) among the numbers, in order, with q × p = amount; amount last."""
    if len(numbers) < 3:
        return None
    amount = numbers[-1]
    if not amount.has_decimals:
        return None
    best: tuple[Money, Money, Money] | None = None
    for j in range(len(numbers) - 2, 0, -1):
        for i in range(j - 1, -1, -1):
            q, p = numbers[i], numbers[j]
            product = (q.value * p.value).quantize(CENT)
            if q.value == 0:
                continue
            found = amount
            if not _close(product, amount.value):
                if not (amount.value < 0 < product and _close(product, -amount.value)):
                    continue
                # a speck read as a minus sign: positive quantity and price make a positive amount
                found = replace(amount, value=-amount.value)
            if best is None:
                best = (q, p, found)
            if j == i + 1:  # prefer adjacent q, p (columns next to each other)
                return (q, p, found)
    return best


def _row(line: Line, columns: list[_Column] | None) -> tuple[LineItem, int] | None:
    """Read one table row: the item and the column where its figures start (end of the description)."""
    numbers = find_amounts(line.text)
    if columns:
        description_end = max((c.end for c in columns if c.kind == "description"), default=0)
        numbers = [n for n in numbers if _column_of(n, columns) != "description" or n.start > description_end]
    if not numbers or not any(n.has_decimals for n in numbers):
        return None
    # figures sit right of the description: ignore numbers followed by words (part of the text)
    figures: list[Money] = []
    for number in reversed(numbers):
        tail = line.text[number.end : (figures[-1].start if figures else len(line.text))]
        if re.search(r"[A-Za-zÀ-ÿ]{3,}", tail) and not re.fullmatch(r"\s*(?:[A-Za-z]{1,5}\.?\s*)*", tail):
            break
        figures.append(number)
    figures.reverse()
    while (
        figures
        and not figures[-1].has_decimals
        and not figures[-1].currency
        and any(f.has_decimals for f in figures)
    ):
        figures.pop()  # a speck read as a digit after the amount: a row ends with its amount
    if not figures or not figures[-1].has_decimals:
        return None
    triple = _arithmetic(figures)
    quantity = unit_price = None
    amount = figures[-1]
    if triple:
        q, p, amount = triple
        quantity, unit_price = q.value, p.value
        first = q
    elif columns:
        by_kind: dict[str, Money] = {}
        for number in figures:
            by_kind.setdefault(_column_of(number, columns), number)
        amount = next((n for n in reversed(figures) if _column_of(n, columns) == "amount"), figures[-1])
        q = by_kind.get("quantity")
        p = by_kind.get("unit_price")
        quantity = q.value if q else None
        unit_price = p.value if p and p is not amount else None
        first = min((n for n in (q, p, amount) if n is not None), key=lambda n: n.start)
    else:
        if len(figures) >= 2 and figures[-2].has_decimals:
            unit_price = figures[-2].value
        first = figures[-2] if unit_price is not None else amount
        if len(figures) >= 3 and unit_price is not None:
            quantity = figures[-3].value
            first = figures[-3]
    description = line.text[: first.start].strip()
    description = re.sub(r"\s{2,}", " ", description) or None
    return LineItem(description, quantity, unit_price, amount.value), first.start


def extract_line_items(lines: list[Line]) -> list[LineItem]:
    """All line items of the document (tables may continue on later pages under a repeated header)."""
    items: list[LineItem] = []
    index = 0
    headers = [(i, cols) for i, line in enumerate(lines) if (cols := header_columns(line))]
    if not headers:
        return _rows_without_header(lines)
    for position, (header_index, columns) in enumerate(headers):
        stop = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        index = header_index + 1
        current: LineItem | None = None
        figures_at = 0
        while index < stop:
            line = lines[index]
            index += 1
            if _is_summary(line):
                break
            row = _row(line, columns)
            if row is not None:
                if current is not None:
                    items.append(current)
                current, figures_at = row
                continue
            if current is not None and line.text.strip() and _continues(line, figures_at):
                extra = re.sub(r"\s{2,}", " ", line.text.strip())
                joined = f"{current.description or ''} {extra}".strip()
                current = replace(current, description=joined)
        if current is not None:
            items.append(current)
    return items


def _continues(line: Line, figures_at: int) -> bool:
    """A wrapped description line: text only, left of where the figures of the row start."""
    stripped = line.text.strip()
    if any(m.has_decimals for m in find_amounts(line.text)):
        return False
    if line.text.find(stripped) >= max(figures_at, 1):
        return False
    return not re.match(r"(?:notes?|notas?|observaciones|nota)\b", fold(stripped))


def _rows_without_header(lines: list[Line]) -> list[LineItem]:
    """Without a recognisable header, only rows whose figures multiply out are trusted."""
    items = []
    for line in lines:
        if _is_summary(line):
            continue
        numbers = find_amounts(line.text)
        triple = _arithmetic(numbers)
        if triple and triple[2] is numbers[-1]:
            q, p, amount = triple
            description = re.sub(r"\s{2,}", " ", line.text[: q.start].strip()) or None
            items.append(LineItem(description, q.value, p.value, amount.value))
    return items
