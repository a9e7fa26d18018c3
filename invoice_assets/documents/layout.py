"""Words with boxes → text lines laid out as printed, for the PDF text layer and OCR alike."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2 as pdfium


@dataclass(frozen=True)
class Word:
    """A word with its box, in any unit, y growing downwards."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def pdf_page_text(page: pdfium.PdfPage) -> str:
    """The text layer of a PDF page, rebuilt into visual lines by `layout_text`.

    Content-stream order is whatever the producing program wrote (a label and its value are often far
    apart in it), so words are rebuilt from character boxes instead.
    """
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        count = textpage.count_chars()
        if count != len(text):  # a mapping we cannot trust: fall back to stream order
            return text.replace("\r\n", "\n")
        _, page_height = page.get_size()
        words: list[Word] = []
        current: list[str] = []
        box: list[float] = []
        for index, char in enumerate(text):
            if char.isspace() or ord(char) < 32:
                _flush(words, current, box)
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            top, bottom = page_height - top, page_height - bottom
            if current and (left > box[2] + 0.6 * (box[3] - box[1]) or left < box[0] - 1):
                _flush(words, current, box)  # a jump in position with no space in the stream
            if current:
                box[0], box[1] = min(box[0], left), min(box[1], top)
                box[2], box[3] = max(box[2], right), max(box[3], bottom)
            else:
                box[:] = [left, top, right, bottom]
            current.append(char)
        _flush(words, current, box)
        return layout_text(group_lines(words))
    finally:
        textpage.close()


def _flush(words: list[Word], current: list[str], box: list[float]) -> None:
    if current:
        words.append(Word("".join(current), *box))
        current.clear()


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Group positioned words into visual lines (top to bottom, each left to right).

    Two words share a line when their vertical extents overlap by more than half the smaller height
    and they do not overlap horizontally.
    """
    lines: list[tuple[float, float, list[Word]]] = []
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.left)):
        height = max(word.bottom - word.top, 1e-6)
        for number, (top, bottom, members) in enumerate(lines):
            overlap = min(bottom, word.bottom) - max(top, word.top)
            if overlap > 0.5 * min(height, bottom - top) and not any(
                m.left < word.right and word.left < m.right for m in members
            ):
                members.append(word)
                lines[number] = (min(top, word.top), max(bottom, word.bottom), members)
                break
        else:
            lines.append((word.top, word.bottom, [word]))
    lines.sort(key=lambda line: (line[0] + line[1]) / 2)
    return [sorted(members, key=lambda w: w.left) for _, _, members in lines]


def layout_text(lines: Sequence[Sequence[Word]]) -> str:
    """Render lines of positioned words as text whose columns follow the words' x positions.

    One character column is the median character width on the page; each word starts at its column or
    one space after the previous word, whichever is further right. Words closer than about one and a
    half characters, than 0.8 of their own height (large letterhead type has wide word gaps, and a
    short word like "del" says little about its font's width) or than 1.6 times the page's median word
    gap get a single space, so ordinary sentences read normally.
    """
    widths = [(w.right - w.left) / len(w.text) for line in lines for w in line if w.text]
    if not widths:
        return ""
    char_width = max(statistics.median(widths), 1e-6)
    # the page's own word spacing (monospaced type spaces words a whole character cell apart)
    gaps = [
        b.left - a.right for line in lines for a, b in pairwise(line) if 0 < b.left - a.right < 3 * char_width
    ]
    word_space = statistics.median(gaps) if len(gaps) >= 5 else 0.0
    origin = min(w.left for line in lines for w in line)
    rendered: list[str] = []
    for line in lines:
        out = ""
        previous_right: float | None = None
        previous_width = char_width
        previous_height = 0.0
        for word in line:
            column = round((word.left - origin) / char_width)
            own_width = (word.right - word.left) / max(len(word.text), 1)
            local_width = max(char_width, min(own_width, previous_width))  # big type has wide spaces
            height = min(word.bottom - word.top, previous_height) if previous_right is not None else 0.0
            word_gap = max(1.5 * local_width, 0.8 * height, 1.6 * word_space)
            if previous_right is not None and word.left - previous_right < word_gap:
                out += " "
            elif out:
                out += " " * max(1, column - len(out))
            else:
                out = " " * column
            out += word.text
            previous_right, previous_width, previous_height = word.right, own_width, word.bottom - word.top
        rendered.append(out.rstrip())
    return "\n".join(rendered)
