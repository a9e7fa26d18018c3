"""Where a label's value is: its own segment, the cell under it, or the matching cell of a row of values.

Shared by every field: a candidate is a value with a score (how specific the label that led to it is),
and the highest score wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from invoice_assets.extraction.labels import LabelHit
from invoice_assets.extraction.text import Cell, Line, cells_below


@dataclass(frozen=True)
class Candidate:
    """A possible value of a field and how much its label vouches for it (`line`: where it was read;
    -2 marks a value computed from other fields)."""

    value: Any
    score: float
    line: int = -1


def best(candidates: Iterable[Candidate]) -> Any:
    """The value with the highest score (earliest on ties)."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.line))
    return ranked[0].value if ranked else None


def is_label_row(line: Line, hits_on_line: list[LabelHit]) -> bool:
    """A line that only holds labels (the header of values printed on the next line)."""
    if len(hits_on_line) < 2:
        return False
    covered = sum(h.end - h.start for h in hits_on_line)
    return covered >= 0.5 * len(line.text.replace(" ", ""))


def cells_under(lines: list[Line], hit: LabelHit, max_lines: int = 2) -> list[tuple[Line, Cell]]:
    """Cells printed under a label (same columns, next lines)."""
    return list(cells_below(lines, hit.line.index, hit.start, hit.end, max_lines=max_lines))


def row_value(lines: list[Line], hit: LabelHit, row: list[LabelHit]) -> Cell | None:
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


def values_near(lines: list[Line], hit: LabelHit, row: list[LabelHit]) -> list[Cell]:
    """Where to look for a label's value when its own segment holds none: the next line's matching cell
    for a row of labels, the cells under it for a label standing alone in its cell ("Fecha:" over
    "27/11/2026"). A label that is only part of a longer cell ("Precio sin IVA") has no value below."""
    if is_label_row(hit.line, row):
        cell = row_value(lines, hit, row)
        return [cell] if cell else []
    own = hit.line.cell_at(hit.start)
    if own is None or re.search(r"\w", own.text[: hit.start - own.start] + own.text[hit.end - own.start :]):
        return []
    return [cell for _, cell in cells_under(lines, hit)]


def hits_by_line(hits: list[LabelHit]) -> dict[int, list[LabelHit]]:
    grouped: dict[int, list[LabelHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.line.index, []).append(hit)
    return grouped


def first_cell(segment: str) -> str:
    """The value right after a label: its segment up to the first column gap."""
    return re.split(r"\s{2,}", re.sub(r"^[\s:.\-]+", "", segment), maxsplit=1)[0]
