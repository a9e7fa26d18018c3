"""The parties: the supplier (the issuer) and the customer.

The customer follows its label ("Cliente", "Bill to", ...), on the same line or under it. The supplier is
the issuer: a "Proveedor/Supplier" label if printed, else the most company-like name at the top of the
first page outside the customer block. Where OCR lost the customer label, the name blocks printed above
tax ids (both parties must show theirs) still tell the two apart.
"""

from __future__ import annotations

import re
from itertools import pairwise

from invoice_assets.extraction.items import header_columns
from invoice_assets.extraction.labels import LabelHit, find_labels
from invoice_assets.extraction.text import Cell, Line, fold, overlap, split_lines
from invoice_assets.extraction.values import Candidate, cells_under

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
    name = re.sub(r"^(?:[^\w(¡¿\"]|_)+", "", name)
    name = re.sub(r"[^\w.)\"]+$", "", name)
    name = re.sub(r"\.{2,}$", ".", name)
    name = re.sub(r"(?<= )[.,:;'‘’`](?=[^\W\d_])", "", name)  # a speck before a word ("Paños .y Lanas")
    # punctuation OCR put between two words instead of a space ("Industrial.Crevillent")
    name = re.sub(r"(?<=[^\W\d_]{3})[.:;,](?=[A-ZÁÉÍÓÚÑÇ])", " ", name)
    # OCR's "S:L." / "S,A" for the legal forms S.L. and S.A. (and S.L.U., S.A.U.)
    name = re.sub(
        r"\bS ?[.,:;] ?([LA])(?: ?[.,:;] ?(U))?[.,:;]?$",
        lambda m: f"S.{m[1]}." + (f"{m[2]}." if m[2] else ""),
        name,
    )
    return name if len(re.findall(r"[^\W\d_]", name)) >= 3 else None


def _starts_cell(hit: LabelHit) -> bool:
    """A label that opens a cell; the same words inside prose ("at the customer's premises") are not one."""
    cell = hit.line.cell_at(hit.start)
    return cell is not None and not re.search(r"[^\W_]", hit.line.text[cell.start : hit.start])


def customer_candidates(lines: list[Line], hits: list[LabelHit]) -> list[Candidate]:
    candidates = []
    for hit in hits:
        if hit.field != "customer" or not _starts_cell(hit):
            continue
        same = re.sub(r"^[\s:.\-]+", "", hit.segment).split("  ")[0]
        name = _clean_name(same) if same else None
        if name and not find_labels_in(name):
            candidates.append(Candidate(name, hit.weight + 1, hit.line.index))
            continue
        for line, cell in cells_under(lines, hit, max_lines=2):
            if overlap(cell.start, cell.end, hit.start - 2, hit.end + 2) <= 0:
                continue
            name = _clean_name(cell.text)
            if name and not find_labels_in(name) and not _NOT_A_NAME.search(fold(name)):
                candidates.append(Candidate(name, hit.weight, line.index))
                break
    return candidates


def other_party(lines: list[Line], supplier: str | None) -> str | None:
    """The customer when OCR lost its label: the first name block above a tax id that is not the
    supplier's (both parties must print their tax ids under their names)."""
    for _, cell in _party_names(lines):
        name = _clean_name(cell.text)
        if name and (supplier is None or fold(name) != fold(supplier)):
            return name
    return None


_TAX_ID = re.compile(
    r"^\W*(?:c\.?i\.?f|n\.?i\.?f|n\.?i\.?e|vat(?: no\.?| number| reg\w*)?|btw|tva|tax id|nip)\b"
)


def _span(cell: Cell) -> tuple[int, int]:
    """The columns of a cell's words, without the OCR specks ("-* |") at its edges."""
    lead = len(cell.text) - len(re.sub(r"^[^\w(\"]+", "", cell.text))
    tail = len(cell.text) - len(re.sub(r"[^\w.)\"]+$", "", cell.text))
    return cell.start + lead, cell.end - tail


def _aligned(a: Cell, b: Cell) -> bool:
    """Two cells of one block: same left edge, or same right edge (right-aligned letterheads)."""
    (a_start, a_end), (b_start, b_end) = _span(a), _span(b)
    return abs(a_start - b_start) <= 3 or abs(a_end - b_end) <= 3


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
                _aligned(cell, other) and _TAX_ID.match(fold(other.text)) for other in below.cells
            )
            if above_tax_id and not _TAX_ID.match(fold(cell.text)) and _clean_name(cell.text):
                found.append((line, cell))
    return found


def _name_like(cell: Cell) -> bool:
    """Words that could be (part of) a company name: no digits, not a title, label, address or logo."""
    folded = fold(cell.text).strip()
    return bool(
        _clean_name(cell.text)
        and not re.fullmatch(r"[A-Z]{1,4}", cell.text.strip())  # a logo's initials
        and not re.search(r"\d", cell.text)
        and not (_TITLE.match(folded) or _NOT_A_NAME.search(folded) or _ADDRESS.match(folded))
        and not find_labels_in(cell.text.strip())
    )


def _merged(cells: list[Cell], max_gap: int = 10) -> list[Cell]:
    """Neighbouring name-like cells joined: big bold letterheads are spaced so widely that OCR's word
    gaps look like column gaps ("Bobinados      Eléctricos Cocentaina S.L.")."""
    out: list[Cell] = []
    for cell in cells:
        if out and cell.start - out[-1].end <= max_gap and _name_like(out[-1]) and _name_like(cell):
            out[-1] = Cell(f"{out[-1].text} {cell.text}", out[-1].start, cell.end)
        else:
            out.append(cell)
    return out


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


def supplier_candidates(lines: list[Line], hits: list[LabelHit], customer: str | None) -> list[Candidate]:
    candidates = []
    for hit in hits:
        if hit.field != "supplier" or not _starts_cell(hit):
            continue
        same = re.sub(r"^[\s:.\-]+", "", hit.segment).split("  ")[0]
        name = _clean_name(same) if same.strip() else None
        if not name:
            under = cells_under(lines, hit, max_lines=1)
            name = _clean_name(under[0][1].text) if under else None
        if name and not find_labels_in(name):
            candidates.append(Candidate(name, 20, hit.line.index))
    region = _customer_region(lines, hits)
    parties = {(line.index, cell.start) for line, cell in _party_names(lines)}
    top = [line for line in lines if line.page == lines[0].page][:18]
    for rank, line in enumerate(top):
        if header_columns(line):
            break
        label_columns = {h.start for h in hits if h.line is line}
        for cell in _merged([c for c in line.cells if (line.index, c.start) not in region]):
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
