"""Lay an invoice out on A4 pages and paint the pages as images.

Two steps, on purpose. ``compose`` turns content and house style into a list of drawing operations in
points (1/72 inch); it measures text at a fixed size, so the layout is identical at every DPI, and it is
cheap enough to run on hundreds of invoices in a test (``page_text`` then gives exactly the words
printed). ``paint`` rasterizes operations at a DPI. Degradation (scan look) is a separate module.

The five layouts:

* ``classic``: supplier top left, big title top right over a boxed number/date block, customer left, fully
  gridded table, boxed totals on the right.
* ``modern``: big title top left with the number/date lines below it, supplier right-aligned top right,
  boxed customer on the right, table with header rule only, totals on the right.
* ``compact``: supplier centred, title centred, number and date on one line, table with a rule under each
  row, totals block on the left.
* ``band``: dark band with the title in white, supplier left and boxed customer right, number/date/due as
  a small grid (labels above values), zebra table with a code column, totals as a row (labels above
  values).
* ``ledger``: supplier left, title and number/date/due lines right, heavy rule, table with a double rule
  under the header, totals on the right with only the grand total boxed.

Long invoices continue on further pages: the first page says "Suma y sigue" (or the template's
equivalent), later pages repeat the supplier name and the invoice number, and the totals are printed on
the last page.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from invoice_assets.synth.content import LineItem, SyntheticInvoice
from invoice_assets.synth.fonts import load_font, text_width
from invoice_assets.synth.formats import format_date, format_quantity
from invoice_assets.synth.style import HouseStyle

PAGE_W = 595.28
PAGE_H = 841.89
A4_INCHES = (210 / 25.4, 297 / 25.4)
WHITE = (255, 255, 255)
LIGHT = (228, 228, 228)
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Text:
    """A run of text; ``y`` is the top of the line box, ``align`` anchors ``x`` left, right or centre."""

    x: float
    y: float
    text: str
    family: str
    bold: bool
    size: float
    fill: Color
    align: str = "left"


@dataclass(frozen=True)
class Rule:
    """A straight line."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    fill: Color


@dataclass(frozen=True)
class Box:
    """A rectangle, filled and/or outlined."""

    x0: float
    y0: float
    x1: float
    y1: float
    fill: Color | None = None
    outline: Color | None = None
    width: float = 0.8


@dataclass
class PageDraft:
    """The drawing operations of one page, in painting order."""

    ops: list[Text | Rule | Box] = field(default_factory=list)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        style: HouseStyle,
        *,
        size: float | None = None,
        bold: bool = False,
        fill: Color | None = None,
        align: str = "left",
    ) -> None:
        """Add a text run in the style's family (default body size and ink)."""
        self.ops.append(Text(x, y, text, style.family, bold, size or style.body_pt, fill or style.ink, align))

    def rule(self, x0: float, y0: float, x1: float, y1: float, fill: Color, width: float = 0.8) -> None:
        """Add a line."""
        self.ops.append(Rule(x0, y0, x1, y1, width, fill))

    def box(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        fill: Color | None = None,
        outline: Color | None = None,
        width: float = 0.8,
    ) -> None:
        """Add a rectangle."""
        self.ops.append(Box(x0, y0, x1, y1, fill, outline, width))


_NO_BREAK_AFTER = frozenset({"nº", "no."})


def wrap(text: str, width: float, family: str, bold: bool, size: float) -> list[str]:
    """Greedy word wrap to ``width`` points (a word longer than the width gets a line of its own)."""
    words: list[str] = []
    for word in text.split():
        if words and words[-1] in _NO_BREAK_AFTER:
            words[-1] = f"{words[-1]} {word}"  # keep "nº 12" together, as word processors do
        else:
            words.append(word)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, family, bold, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def line_height(size: float) -> float:
    """Baseline-to-baseline distance for ``size``: 1.3 em, as most billing programs print."""
    return size * 1.3


@dataclass(frozen=True)
class _Column:
    key: str
    header: str
    width: float
    align: str


class _Composer:
    """Builds the pages of one invoice in one style. One instance per invoice; not reused."""

    def __init__(self, invoice: SyntheticInvoice, style: HouseStyle) -> None:
        self.inv = invoice
        self.st = style
        self.lab = style.labels
        self.body = style.body_pt
        self.lh = line_height(style.body_pt)
        self.margin = {"classic": 48.0, "modern": 54.0, "compact": 44.0, "band": 42.0, "ledger": 50.0}[
            style.layout
        ]
        self.left = self.margin
        self.right = PAGE_W - self.margin
        self.small = self.body - 1.5
        self.legal = self.legal_lines()
        footer_lines = 3 + len(self.legal)
        self.footer_top = PAGE_H - self.margin - footer_lines * line_height(self.small) - 6

    # ----- small formatting helpers -------------------------------------------------------------------------
    def money(self, value) -> str:
        return self.st.amount.money(value)

    def cell_money(self, value) -> str:
        return self.st.amount.money(value) if self.st.cell_currency else self.st.amount.number(value)

    def date(self, value) -> str:
        return format_date(value, self.st.date_pattern)

    def qty(self, value) -> str:
        return format_quantity(value, self.st.amount.decimal, self.st.fixed_quantity_decimals)

    def w(self, text: str, bold: bool = False, size: float | None = None) -> float:
        return text_width(text, self.st.family, bold, size or self.body)

    # ----- blocks -----------------------------------------------------------------------------------------
    def supplier_lines(self) -> list[str]:
        s = self.inv.supplier
        return [f"{self.st.tax_label}: {s.tax_id}", *s.address, f"{self.lab.phone} {s.phone} · {s.email}"]

    def fit(
        self, texts: Sequence[str], size: float, max_width: float, bold: bool = False, min_size: float = 8.0
    ) -> float:
        """The largest size <= ``size`` (down to ``min_size``) at which every text fits ``max_width``."""
        widest = max((self.w(t, bold, size) for t in texts), default=0.0)
        if widest <= max_width:
            return size
        return max(min_size, size * max_width / widest)

    def lines_fitted(
        self, texts: Sequence[str], size: float, max_width: float, bold: bool = False
    ) -> list[str]:
        """``texts`` wrapped so that none is wider than ``max_width`` at ``size``."""
        return [part for t in texts for part in wrap(t, max_width, self.st.family, bold, size)]

    def supplier_block(
        self, page: PageDraft, x: float, y: float, align: str = "left", max_width: float = 300.0
    ) -> float:
        """Name, tax id, address and contact; shrunk (then wrapped) to stay within ``max_width``."""
        name = self.inv.supplier.name
        size = self.fit([name], self.body + 4, max_width, bold=True, min_size=self.body + 1)
        for part in self.lines_fitted([name], size, max_width, bold=True):
            page.text(x, y, part, self.st, size=size, bold=True, fill=self.st.color(), align=align)
            y += line_height(size)
        y += 2
        lines = self.supplier_lines()
        small = self.fit(lines, self.body - 0.5, max_width, min_size=max(8.0, self.body - 2))
        for line in self.lines_fitted(lines, small, max_width):
            page.text(x, y, line, self.st, size=small, align=align)
            y += line_height(small)
        return y

    def logo(self, page: PageDraft, x: float, y: float, size: float) -> None:
        """A square mark with the supplier's initials, only for templates with a colour accent."""
        if self.st.accent is None:
            return
        words = [
            w for w in self.inv.supplier.name.replace(".", " ").split() if w[:1].isupper() and len(w) > 2
        ]
        initials = "".join(w[0] for w in words[:3]) or "T"
        page.box(x, y, x + size, y + size, fill=self.st.accent)
        page.text(
            x + size / 2,
            y + size * 0.28,
            initials,
            self.st,
            size=size * 0.36,
            bold=True,
            fill=WHITE,
            align="center",
        )

    def meta_items(self) -> list[tuple[str, str]]:
        items = [
            (self.lab.invoice_no, self.inv.invoice_number),
            (self.lab.date, self.date(self.inv.issue_date)),
        ]
        if self.lab.due:
            items.append((self.lab.due, self.date(self.inv.due_date)))
        return items

    def meta_width(self) -> float:
        """Width of the ``label: value`` block (without box)."""
        items = self.meta_items()
        return max(self.w(f"{k}:", bold=True) for k, _ in items) + 10 + max(self.w(v) for _, v in items)

    def meta_lines(
        self, page: PageDraft, x: float, y: float, boxed: bool = False, right_edge: float = 0
    ) -> float:
        """``label: value`` lines; values start at a common column (x is the block's left edge)."""
        items = self.meta_items()
        label_w = max(self.w(f"{k}:", bold=True) for k, _ in items) + 10
        value_w = max(self.w(v) for _, v in items)
        if right_edge:
            x = right_edge - label_w - value_w - (16 if boxed else 0)
        top = y
        pad = 8 if boxed else 0
        y += pad
        for label, value in items:
            page.text(x + pad, y, f"{label}:", self.st, bold=True)
            page.text(x + pad + label_w, y, value, self.st)
            y += self.lh + 2
        if boxed:
            page.box(x, top, x + label_w + value_w + 2 * pad, y + pad - 2, outline=self.st.color(), width=1)
            y += pad
        return y

    def reference_line(self, page: PageDraft, x: float, y: float, align: str = "left") -> float:
        if not self.inv.reference:
            return y
        page.text(x, y, self.inv.reference, self.st, align=align)
        return y + self.lh

    def customer_block(self, page: PageDraft, x: float, y: float, width: float, boxed: bool) -> float:
        """Heading, mill name, tax id and address; shrunk (then wrapped) to fit ``width`` (inside the box)."""
        c = self.inv.customer
        tax = c.tax_id if self.st.language == "es" else f"ES{c.tax_id}"
        pad = 8 if boxed else 0
        inner = width - 2 * pad
        lines = [c.name, f"{self.st.customer_tax_label}: {tax}", *c.address]
        size = self.fit(lines, self.body, inner, bold=True, min_size=max(8.0, self.body - 1.5))
        top = y
        y += pad
        page.text(x + pad, y, f"{self.lab.customer}:", self.st, size=size, bold=True, fill=self.st.color())
        y += line_height(size) + 1
        for part in self.lines_fitted([c.name], size, inner, bold=True):
            page.text(x + pad, y, part, self.st, size=size, bold=True)
            y += line_height(size)
        for line in self.lines_fitted(lines[1:], size, inner):
            page.text(x + pad, y, line, self.st, size=size)
            y += line_height(size)
        if boxed:
            page.box(x, top, x + width, y + pad - 2, outline=self.st.ink, width=0.8)
            y += pad
        return y

    # ----- table ------------------------------------------------------------------------------------------
    def columns(self) -> list[_Column]:
        lab = self.lab
        sample = self.cell_money(max((line.amount for line in self.inv.lines), default=0))
        money_w = max(self.w(sample), self.w(lab.amount, True), self.w(lab.unit_price, True)) + 14
        qty_w = max(self.w(lab.quantity, True), self.w("000,00")) + 14
        cols = [
            _Column("qty", lab.quantity, qty_w, "right"),
            _Column("unit", lab.unit_price, money_w, "right"),
            _Column("amount", lab.amount, money_w, "right"),
        ]
        if self.st.layout == "band":
            cols.insert(0, _Column("code", lab.code, self.w("MMM-000") + 12, "left"))
        used = sum(c.width for c in cols)
        desc = _Column("desc", lab.description, self.right - self.left - used, "left")
        cols.insert(1 if self.st.layout == "band" else 0, desc)
        return cols

    @property
    def row_pad(self) -> float:
        return {"classic": 4.0, "modern": 5.0, "compact": 3.5, "band": 4.5, "ledger": 4.0}[self.st.layout]

    def row_cells(self, line: LineItem) -> dict[str, str]:
        code = f"{line.description[:3].upper()}-{zlib.crc32(line.description.encode()) % 1000:03d}"
        return {
            "code": code,
            "qty": self.qty(line.quantity),
            "unit": self.cell_money(line.unit_price),
            "amount": self.cell_money(line.amount),
        }

    def row_height(self, line: LineItem, desc_width: float) -> float:
        lines = wrap(line.description, desc_width - 10, self.st.family, False, self.body)
        return len(lines) * self.lh + 2 * self.row_pad

    def header_height(self) -> float:
        return self.lh + 2 * self.row_pad + 2

    def draw_table_header(self, page: PageDraft, y: float, cols: list[_Column]) -> float:
        h = self.header_height()
        layout = self.st.layout
        if layout in ("classic", "band"):
            page.box(self.left, y, self.right, y + h, fill=LIGHT)
        x = self.left
        for col in cols:
            tx = x + 5 if col.align == "left" else x + col.width - 5
            page.text(
                tx,
                y + self.row_pad + 1,
                col.header,
                self.st,
                bold=True,
                align=col.align,
                fill=self.st.color() if layout == "modern" else self.st.ink,
            )
            x += col.width
        if layout == "modern":
            page.rule(self.left, y + h, self.right, y + h, self.st.color(), 1.6)
        elif layout in ("compact", "ledger"):
            page.rule(self.left, y, self.right, y, self.st.ink, 0.8)
            page.rule(self.left, y + h, self.right, y + h, self.st.ink, 0.8)
            if layout == "ledger":
                page.rule(self.left, y + h + 2, self.right, y + h + 2, self.st.ink, 0.8)
        return y + h + (3 if layout == "ledger" else 0)

    def draw_rows(
        self, page: PageDraft, y: float, cols: list[_Column], rows: Sequence[LineItem], first_index: int
    ) -> float:
        layout = self.st.layout
        top = y
        desc_col = next(c for c in cols if c.key == "desc")
        for offset, line in enumerate(rows):
            h = self.row_height(line, desc_col.width)
            if layout == "band" and (first_index + offset) % 2 == 1:
                page.box(self.left, y, self.right, y + h, fill=(236, 236, 236))
            cells = self.row_cells(line)
            x = self.left
            for col in cols:
                if col.key == "desc":
                    wrapped = wrap(line.description, col.width - 10, self.st.family, False, self.body)
                    for k, part in enumerate(wrapped):
                        page.text(x + 5, y + self.row_pad + k * self.lh, part, self.st)
                else:
                    tx = x + 5 if col.align == "left" else x + col.width - 5
                    page.text(tx, y + self.row_pad, cells[col.key], self.st, align=col.align)
                x += col.width
            y += h
            if layout in ("classic", "compact"):
                page.rule(self.left, y, self.right, y, self.st.ink, 0.6)
        if layout == "classic":
            page.box(self.left, top - self.header_height(), self.right, y, outline=self.st.ink, width=0.8)
            x = self.left
            for col in cols[:-1]:
                x += col.width
                page.rule(x, top - self.header_height(), x, y, self.st.ink, 0.6)
        elif layout in ("modern", "ledger", "band"):
            page.rule(self.left, y, self.right, y, self.st.ink, 0.8)
        return y

    # ----- totals, notes, footer ------------------------------------------------------------------------
    def totals_rows(self) -> list[tuple[str, str]]:
        inv = self.inv
        return [
            (self.lab.subtotal, self.money(inv.subtotal)),
            (self.lab.tax, self.money(inv.tax)),
            (self.lab.total, self.money(inv.total)),
        ]

    def totals_height(self) -> float:
        if self.st.layout == "band":
            return 2 * (self.lh + 10) + 16
        return 3 * (self.lh + 5) + self.lh * 0.4 + 26

    def draw_totals(self, page: PageDraft, y: float) -> float:
        rows = self.totals_rows()
        layout = self.st.layout
        y += 14
        if layout == "band":
            width = (self.right - self.left) * 0.6
            x0 = self.right - width
            cell = width / 3
            h = self.lh + 10
            page.box(x0, y, self.right, y + h, fill=LIGHT)
            page.box(x0, y, self.right, y + 2 * h, outline=self.st.ink, width=0.8)
            for i, (label, value) in enumerate(rows):
                cx = x0 + (i + 1) * cell - 6
                page.text(cx, y + 5, label, self.st, bold=True, align="right")
                page.text(cx, y + h + 5, value, self.st, bold=i == 2, align="right")
                if i:
                    page.rule(x0 + i * cell, y, x0 + i * cell, y + 2 * h, self.st.ink, 0.6)
            return y + 2 * h
        label_w = max(self.w(label, True, self.body + 1) for label, _ in rows) + 18
        value_w = max(self.w(value, True, self.body + 1) for _, value in rows) + 10
        width = label_w + value_w + 16
        x0 = self.left if layout == "compact" else self.right - width
        top = y
        y += 6
        for i, (label, value) in enumerate(rows):
            grand = i == 2
            size = self.body + 1 if grand else self.body
            if grand:
                y += self.lh * 0.4
                if layout in ("modern", "compact"):
                    page.rule(x0, y - 4, x0 + width, y - 4, self.st.color(), 1.2)
                if layout == "ledger":
                    page.box(x0, y - 4, x0 + width, y + line_height(size) + 2, outline=self.st.ink, width=1.2)
            page.text(
                x0 + 8, y, label if layout == "compact" else f"{label}:", self.st, size=size, bold=grand
            )
            page.text(x0 + width - 8, y, value, self.st, size=size, bold=grand, align="right")
            y += self.lh + 5
        if layout == "classic":
            page.box(x0, top, x0 + width, y + 2, outline=self.st.ink, width=0.8)
        return y + 4

    def notes_height(self) -> float:
        return self.lh + 10 if self.inv.note else 0.0

    def draw_notes(self, page: PageDraft, y: float) -> float:
        if not self.inv.note:
            return y
        y += 10
        page.text(self.left, y, f"{self.lab.notes}: {self.inv.note}", self.st, size=self.body - 0.5)
        return y + self.lh

    def legal_lines(self) -> list[str]:
        """Small print some templates carry (data protection in Spain, terms of payment in English)."""
        if self.st.layout not in ("classic", "modern", "ledger"):
            return []
        s = self.inv.supplier
        if self.st.language == "es":
            text = (
                "De conformidad con el Reglamento (UE) 2016/679 (RGPD) y la LO 3/2018, sus datos forman "
                f"parte de un fichero responsabilidad de {s.name} con la finalidad de gestionar la relación "
                "comercial. Puede ejercer sus derechos de acceso, rectificación, supresión y oposición "
                f"dirigiéndose a {s.email}."
            )
        else:
            text = (
                "Terms: payment is due within the period stated above. Late payment may incur interest and "
                f"recovery costs. Title to parts supplied remains with {s.name} until paid in full. Please "
                "quote our invoice reference with your remittance."
            )
        return wrap(text, self.right - self.left, self.st.family, False, self.small)

    def footer(self, page: PageDraft, number: int, count: int) -> None:
        s = self.inv.supplier
        small = self.small
        y = self.footer_top
        for line in self.legal:
            page.text(self.left, y, line, self.st, size=small)
            y += line_height(small)
        if self.legal:
            y += 4
        page.rule(self.left, y, self.right, y, self.st.color(), 0.6)
        y += 5
        payment = f"{self.lab.payment}. IBAN: {s.iban}"
        page.text(self.left, y, payment, self.st, size=small)
        y += line_height(small)
        page.text(self.left, y, self.registry(), self.st, size=small)
        y += line_height(small)
        if count > 1 or self.st.layout in ("modern", "band"):
            page.text(
                self.right, y, self.lab.page.format(i=number, n=count), self.st, size=small, align="right"
            )

    def registry(self) -> str:
        s = self.inv.supplier
        crc = zlib.crc32(s.tax_id.encode())
        if self.st.language == "en":
            return f"Registered office: {s.address[-1]}. Company no. {crc % 9000000 + 1000000}"
        town = s.address[-1].split("(")[-1].rstrip(")") if "(" in s.address[-1] else s.address[-1][6:]
        return (
            f"Inscrita en el Registro Mercantil de {town}, tomo {crc % 40000 + 1000}, folio {crc % 200 + 1}, "
            f"hoja {s.tax_id[0]}-{crc % 90000 + 10000}"
        )

    # ----- page headers ------------------------------------------------------------------------------------
    def first_page_header(self, page: PageDraft) -> float:
        """Draw everything above the table on page 1 and return where the table starts."""
        layout, st, lab = self.st.layout, self.st, self.lab
        top = self.margin
        if layout == "classic":
            x = self.left
            if st.accent:
                self.logo(page, x, top, 40)
                x += 50
            right_w = max(self.w(lab.title, True, 20), self.meta_width() + 16)
            y_sup = self.supplier_block(page, x, top, max_width=self.right - right_w - 20 - x)
            page.text(self.right, top, lab.title, st, size=20, bold=True, fill=st.color(), align="right")
            y_meta = self.meta_lines(page, 0, top + 34, boxed=True, right_edge=self.right)
            y_meta = self.reference_line(page, self.right, y_meta + 2, align="right")
            y = max(y_sup, y_meta) + 16
            y = self.customer_block(page, self.left, y, 260, boxed=False)
            return y + 18
        if layout == "modern":
            page.text(self.left, top, lab.title, st, size=26, bold=True, fill=st.color())
            y_meta = self.meta_lines(page, self.left, top + 44)
            y_meta = self.reference_line(page, self.left, y_meta)
            title_w = max(self.w(lab.title, True, 26), self.meta_width())
            y_sup = self.supplier_block(
                page, self.right, top, align="right", max_width=self.right - self.left - title_w - 24
            )
            y_cus = self.customer_block(page, self.right - 250, y_sup + 14, 250, boxed=True)
            return max(y_meta, y_cus) + 22
        if layout == "compact":
            full = self.right - self.left
            size = self.fit([self.inv.supplier.name], self.body + 5, full, bold=True)
            page.text(PAGE_W / 2, top, self.inv.supplier.name, st, size=size, bold=True, align="center")
            y = top + line_height(size) + 2
            s = self.inv.supplier
            lines = [
                f"{st.tax_label}: {s.tax_id} · {s.address[0]} · {s.address[1]}",
                f"{lab.phone} {s.phone} · {s.email}",
            ]
            small = self.fit(lines, self.body - 0.5, full)
            for line in self.lines_fitted(lines, small, full):
                page.text(PAGE_W / 2, y, line, st, size=small, align="center")
                y += line_height(small)
            page.rule(self.left, y + 4, self.right, y + 4, st.color(), 1.4)
            y += 14
            page.text(PAGE_W / 2, y, lab.title, st, size=16, bold=True, fill=st.color(), align="center")
            y += line_height(16) + 6
            number, when = self.meta_items()[:2]
            page.text(self.left, y, f"{number[0]}: {number[1]}", st, bold=True)
            page.text(self.right, y, f"{when[0]}: {when[1]}", st, bold=True, align="right")
            y = self.reference_line(page, self.left, y + self.lh + 2)
            y = self.customer_block(page, self.left, y + 10, 280, boxed=False)
            return y + 16
        if layout == "band":
            band = 40
            page.box(0, 0, PAGE_W, band + 8, fill=st.accent or (60, 60, 60))
            page.text(self.right, 12, lab.title, st, size=20, bold=True, fill=WHITE, align="right")
            y_sup = self.supplier_block(page, self.left, band + 22, max_width=self.right - self.left - 256)
            y_cus = self.customer_block(page, self.right - 240, band + 22, 240, boxed=True)
            y = max(y_sup, y_cus) + 14
            items = self.meta_items()
            widest = max(max(self.w(label, True), self.w(value)) for label, value in items) + 14
            cell = min((self.right - self.left) / len(items), max((self.right - self.left) / 4, widest))
            h = self.lh + 8
            page.box(self.left, y, self.left + cell * len(items), y + h, fill=LIGHT)
            page.box(self.left, y, self.left + cell * len(items), y + 2 * h, outline=st.ink, width=0.8)
            for i, (label, value) in enumerate(items):
                cx = self.left + i * cell
                page.text(cx + 6, y + 4, label, st, bold=True)
                page.text(cx + 6, y + h + 4, value, st)
                if i:
                    page.rule(cx, y, cx, y + 2 * h, st.ink, 0.6)
            y += 2 * h + 6
            y = self.reference_line(page, self.left, y)
            return y + 14
        # ledger
        y_sup = self.supplier_block(
            page, self.left, top, max_width=self.right - self.left - self.meta_width() - 24
        )
        page.text(self.right, top, lab.title, st, size=18, bold=True, fill=st.color(), align="right")
        y_meta = self.meta_lines(page, 0, top + 30, right_edge=self.right)
        y = max(y_sup, y_meta) + 8
        page.rule(self.left, y, self.right, y, st.color(), 2.0)
        y = self.customer_block(page, self.left, y + 12, 280, boxed=False)
        y = self.reference_line(page, self.left, y + 4)
        return y + 16

    def next_page_header(self, page: PageDraft) -> float:
        st, lab = self.st, self.lab
        top = self.margin
        page.text(self.left, top, self.inv.supplier.name, st, size=self.body + 2, bold=True, fill=st.color())
        page.text(
            self.right, top, f"{lab.invoice_no}: {self.inv.invoice_number}", st, bold=True, align="right"
        )
        page.text(self.right, top + self.lh + 2, f"({lab.continuation})", st, align="right")
        y = top + 2 * self.lh + 10
        page.rule(self.left, y, self.right, y, st.color(), 1.0)
        return y + 16

    # ----- pagination -------------------------------------------------------------------------------------
    def compose(self) -> list[PageDraft]:
        cols = self.columns()
        desc_width = next(c.width for c in cols if c.key == "desc")
        heights = [self.row_height(line, desc_width) for line in self.inv.lines]
        tail = self.totals_height() + self.notes_height()
        bottom = self.footer_top - 10
        continued_h = self.lh + 10

        pages: list[PageDraft] = []
        chunks: list[tuple[PageDraft, int, int, float]] = []  # page, first row, end row, table top
        start = 0
        while True:
            page = PageDraft()
            y = self.first_page_header(page) if not pages else self.next_page_header(page)
            table_top = y
            body_top = y + self.header_height()
            remaining = heights[start:]
            if body_top + sum(remaining) + tail <= bottom or not remaining:
                chunks.append((page, start, len(heights), table_top))
                pages.append(page)
                break
            fit, used = 0, 0.0
            for h in remaining[:-1]:  # at least one row always moves on with the totals
                if body_top + used + h + continued_h > bottom:
                    break
                fit += 1
                used += h
            fit = max(fit, 1)
            chunks.append((page, start, start + fit, table_top))
            pages.append(page)
            start += fit

        count = len(pages)
        for number, (page, first, end, table_top) in enumerate(chunks, start=1):
            y = self.draw_table_header(page, table_top, cols)
            y = self.draw_rows(page, y, cols, self.inv.lines[first:end], first)
            if number < count:
                page.text(self.right, y + 8, f"{self.lab.continued}...", self.st, bold=True, align="right")
            else:
                y = self.draw_totals(page, y)
                self.draw_notes(page, y)
            self.footer(page, number, count)
        return pages


def compose(invoice: SyntheticInvoice, style: HouseStyle) -> list[PageDraft]:
    """Lay ``invoice`` out in ``style``: one ``PageDraft`` per page, in points."""
    return _Composer(invoice, style).compose()


def page_text(pages: Sequence[PageDraft]) -> str:
    """All text printed on the pages, one run per line, in drawing order: what a perfect OCR would read."""
    return "\n".join(op.text for page in pages for op in page.ops if isinstance(op, Text))


def page_size_px(dpi: int) -> tuple[int, int]:
    """A4 in pixels at ``dpi`` (2480 x 3508 at 300 DPI)."""
    return round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)


def _gray(color: Color) -> int:
    r, g, b = color
    return (299 * r + 587 * g + 114 * b + 500) // 1000


_ANCHORS = {"left": "la", "right": "ra", "center": "ma"}


def paint(page: PageDraft, dpi: int, mode: str = "L") -> Image.Image:
    """Rasterize one page at ``dpi`` in mode ``L`` (grey) or ``RGB``: crisp, before any scan degradation."""
    width, height = page_size_px(dpi)
    scale = dpi / 72.0
    image = Image.new(mode, (width, height), 255 if mode == "L" else WHITE)
    draw = ImageDraw.Draw(image)

    def ink(color: Color) -> int | Color:
        return _gray(color) if mode == "L" else color

    for op in page.ops:
        if isinstance(op, Text):
            font = load_font(op.family, op.bold, round(op.size * scale))
            draw.text(
                (op.x * scale, op.y * scale), op.text, fill=ink(op.fill), font=font, anchor=_ANCHORS[op.align]
            )
        elif isinstance(op, Rule):
            draw.line(
                (op.x0 * scale, op.y0 * scale, op.x1 * scale, op.y1 * scale),
                fill=ink(op.fill),
                width=max(1, round(op.width * scale)),
            )
        else:
            draw.rectangle(
                (op.x0 * scale, op.y0 * scale, op.x1 * scale, op.y1 * scale),
                fill=None if op.fill is None else ink(op.fill),
                outline=None if op.outline is None else ink(op.outline),
                width=max(1, round(op.width * scale)),
            )
    return image


def render_invoice(
    invoice: SyntheticInvoice, style: HouseStyle, dpi: int, mode: str = "L"
) -> list[Image.Image]:
    """Compose and paint every page of ``invoice``."""
    return [paint(page, dpi, mode) for page in compose(invoice, style)]
