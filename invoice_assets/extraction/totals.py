"""Subtotal, tax and total: candidates from their labels, chosen jointly by the arithmetic.

The combination where subtotal + tax = total, the line items add up to the subtotal and the tax is a
printed VAT rate of it wins, so a misread figure or a stray "Total" does not decide the result. Values
computed from the others are admitted only when the printed figures cannot be made to add up, only with
independent evidence, and flagged.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from itertools import product

from invoice_assets.extraction.amounts import CURRENCY_CODES, Money, find_amounts, find_currency
from invoice_assets.extraction.labels import LabelHit
from invoice_assets.extraction.text import Line
from invoice_assets.extraction.values import Candidate, hits_by_line, is_label_row, values_near

CENT = Decimal("0.01")


def _money(amounts: list[Money]) -> list[Money]:
    """Amounts that are plausibly money: with decimals, or with a currency mark."""
    return [m for m in amounts if m.has_decimals or m.currency]


def amount_candidates(lines: list[Line], hits: list[LabelHit], kind: str) -> list[Candidate]:
    by_line = hits_by_line(hits)
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
        if hit.segment.strip() and not is_label_row(hit.line, by_line[hit.line.index]):
            continue
        for cell in values_near(lines, hit, by_line[hit.line.index]):
            found = _money(find_amounts(cell.text))
            if found:
                candidates.append(Candidate(found[-1].value, hit.weight, hit.line.index))
                break
    return candidates


def fallback_totals(lines: list[Line]) -> list[Candidate]:
    """The largest amount on the page, a weak guess for the total when no total label is readable."""
    amounts = [m.value for line in lines for m in _money(find_amounts(line.text))]
    return [Candidate(max(amounts), 0.5)] if amounts else []


def prefer_larger_totals(candidates: list[Candidate]) -> list[Candidate]:
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


def tax_rates(hits: list[LabelHit]) -> set[Decimal]:
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


def choose_amounts(
    amounts: dict[str, list[Candidate]], rates: set[Decimal], line_sum: Decimal | None
) -> tuple[tuple[Decimal | None, Decimal | None, Decimal | None], list[str]]:
    """Pick (subtotal, tax, total) jointly: the most credible combination that adds up; and flags.

    Printed values are tried first. Only when they do not add up are values computed from the others
    (total − tax, the sum of the lines...) admitted, and only if independent evidence (the line items or
    the printed VAT rate) confirms the result; such a value is flagged.
    """
    _, best, _ = _combinations(amounts, line_sum, rates)
    if not _consistent(best):
        _, repaired, vouched = _combinations(_with_derived(amounts, line_sum), line_sum, rates)
        if _consistent(repaired) and vouched:
            best = repaired
    flags = []
    for name, chosen in zip(("subtotal", "tax", "total"), best, strict=True):
        if chosen is not None and chosen.line == -2:
            printed = [c.value for c in amounts[name] if c.score >= 5 and c.value != chosen.value]
            seen = f"the printed {printed[0]} disagrees" if printed else "no printed value was readable"
            flags.append(f"{name} {chosen.value} computed from the other figures ({seen})")
    subtotal, tax, total = (c.value if c is not None else None for c in best)
    return (subtotal, tax, total), flags


def document_currency(lines: list[Line]) -> str | None:
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
