"""The page text as a grid: lines, cells (runs separated by a column gap) and column positions.

Both the OCR and text-layer paths place words at character columns proportional to their x position
(`documents.layout.layout_text`), so "the value printed under this label" is found by column overlap.
Matching runs on a *folded* copy of each line (lower case, no accents, same length so positions carry
over): OCR drops accents often enough that `Fecha de emision` must match `Fecha de emisión`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

_GAP = re.compile(r"\S+(?: \S+)*")  # cells are separated by two or more spaces


def fold(text: str) -> str:
    """Lower case, accents removed, one character for one character (positions are preserved)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out).replace("ł", "l").replace("ø", "o")


@dataclass(frozen=True)
class Cell:
    """A run of text on a line with no column gap in it; `start`/`end` are character columns."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Line:
    index: int
    page: int
    text: str
    folded: str = field(repr=False)
    cells: tuple[Cell, ...] = field(repr=False)

    def cell_at(self, column: int) -> Cell | None:
        """The cell covering a column, if any."""
        return next((c for c in self.cells if c.start <= column < c.end), None)


def split_lines(text: str) -> list[Line]:
    """The lines of a document's text; pages are separated by blank lines or form feeds."""
    lines: list[Line] = []
    page = 1
    blank_run = 0
    for raw in text.replace("\r\n", "\n").split("\n"):
        if "\f" in raw:
            page += raw.count("\f")
            raw = raw.replace("\f", "")
        raw = raw.replace("\t", "    ").rstrip()
        if not raw.strip():
            blank_run += 1
            continue
        blank_run = 0
        cells = tuple(Cell(m.group(0), m.start(), m.end()) for m in _GAP.finditer(raw))
        lines.append(Line(len(lines), page, raw, fold(raw), cells))
    return lines


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """How many columns two spans share (negative: the gap between them)."""
    return min(a_end, b_end) - max(a_start, b_start)


def cells_below(
    lines: list[Line], index: int, start: int, end: int, *, max_lines: int = 3, slack: int = 2
) -> Iterator[tuple[Line, Cell]]:
    """Cells in the next few lines that sit under the column span [start, end).

    A cell qualifies when it overlaps the span widened by `slack` columns (right-aligned numbers under a
    left-aligned header still touch it). Lines are visited top to bottom.
    """
    for line in lines[index + 1 : index + 1 + max_lines]:
        for cell in line.cells:
            if overlap(cell.start, cell.end, start - slack, end + slack) > 0:
                yield line, cell
