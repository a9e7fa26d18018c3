"""The printed labels that announce each invoice field, in Spanish, English, French, German, Dutch, Polish.

Patterns match folded text (see `text.fold`) at word boundaries, each with a weight: specific labels
("Fecha de emisión") outrank generic ones ("Fecha"), and where labels overlap the longest wins ("Subtotal"
is not "Total"). `OTHER` lists labels of fields not extracted (tax id, phone...): a value ends where the
next label starts, so "Cliente: Textil Mariola S.A.  CIF: A0317624" gives the customer without the tax id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from invoice_assets.extraction.text import Line

# "nº" as printed and as OCR misreads it (n°, no, n*, n2, n*2, nª, n®, n%, n?)
_NO = r"(?:n\s?(?:[º°oª2]|[^\w\s]){1,2}\.?|n\.\s?[º°o]|num\.?|numero|no\.?|nr\.?|nro\.?|nbr\.?|number|#)"

_LABELS: dict[str, list[tuple[str, int]]] = {
    "number": [
        (rf"{_NO}\s*(?:de\s+)?(?:la\s+)?factura", 10),
        (rf"[fpe]actura\s*(?:{_NO}|numero)", 10),  # OCR reads the F of "Factura nº" as P or E
        (rf"invoice\s*(?:{_NO}|id|ref\.?)", 10),
        (r"invoice\s*#", 10),
        (rf"inv\.?\s*{_NO}", 9),
        (rf"{_NO}\s*(?:de\s+)?facture", 10),
        (r"facture\s*(?:n\s?[º°o]|numero|no\.?)", 10),
        (r"rechnungs?\s*-?\s*(?:nr|nummer|no)\.?", 10),
        (r"rechnung\s+nr\.?", 10),
        (r"factuur\s*-?\s*(?:nummer|nr|no)\.?", 10),
        (r"faktur[ay]\s*(?:vat\s*)?(?:nr|numer)\.?", 10),
        (r"nr\.?\s+faktury", 10),
        (r"numero\s+(?:de\s+)?documento", 6),
        (
            r"(?:factura|invoice|facture|factuur|rechnung|faktura)(?:\s+(?:vat|simplificada|rectificativa|proforma))?",
            4,
        ),
        (rf"(?:receipt|recibo|ticket|bill)\s*{_NO}", 5),
        (r"booking\s+id", 3),
    ],
    "date": [
        (r"fecha\s+(?:de\s+)?(?:la\s+)?(?:emision|factura|expedicion)", 10),
        (r"fecha\s+factura", 10),
        (r"(?:invoice|billing|issue)\s+date", 10),
        (r"date\s+of\s+(?:issue|invoice)", 10),
        (r"date\s+(?:de\s+)?(?:la\s+)?facture|date\s+d['’]emission", 10),
        (r"factuur\s?datum", 10),
        (r"rechnungs\s?datum", 10),
        (r"data\s+(?:wystawienia|faktury)", 10),
        (r"issued(?:\s+on)?", 7),
        (r"fecha|date|datum|dated", 6),
    ],
    "subtotal": [
        (r"base\s+imponible", 10),
        (r"sub\s?-?\s?total(?:es)?", 9),
        (r"importe\s+neto|total\s+neto|neto\s+total", 9),
        (r"total\s+(?:sin|antes\s+de)\s+(?:iva|impuestos)", 9),
        (r"total\s+(?:ht|hors\s+taxes?)|montant\s+(?:total\s+)?ht", 9),
        (r"(?:net\s+amount|net\s+total|total\s+net|amount\s+before\s+tax|taxable\s+amount)", 9),
        (r"total\s+excl(?:\.|uding|usive)?\s+(?:of\s+)?(?:vat|tax|gst)", 9),
        (
            r"total(?:\s+(?:sales|amount))?\s*\(?(?:excl(?:\.|uding|usive)?|exclusive\s+of|before|without)\s+"
            r"(?:vat|tax|gst)\)?",
            10,
        ),
        (r"exclusief\s+btw|totaal\s+excl(?:\.|usief)?\s+btw|subtotaal", 9),
        (r"nettobetrag|summe\s+netto|zwischensumme|warto[sś][cć]\s+netto|razem\s+netto", 9),
        (r"neto|netto", 5),
    ],
    "tax": [
        (r"cuota\s+(?:de\s+)?(?:iva|i\.v\.a\.)|total\s+(?:iva|i\.v\.a\.|impuestos)", 10),
        (r"(?:vat|tax|gst)\s+amount|total\s+(?:vat|tax|gst)|sales\s+tax|montant\s+tva|total\s+tva", 10),
        (r"btw\s+bedrag|kwota\s+vat|umsatzsteuer|mehrwertsteuer", 10),
        (r"i\.v\.a\.?|iva|igic|vat|tva|btw|mwst\.?|ust\.?|gst|tax|impuestos?|podatek", 8),
    ],
    "total": [
        (r"total\s+(?:factura|a\s+pagar|to\s+pay|due|amount\s+due|amount|invoice|ttc|general)", 10),
        (r"(?:importe|invoice|grand|factuur)\s+total|totaal\s?bedrag|totale?\s+(?:eur|€)", 10),
        (r"(?:amount|balance|total)\s+due|net\s+a\s+payer|somme\s+a\s+payer|te\s+betalen|zu\s+zahlen", 10),
        (
            r"gesamtbetrag|rechnungsbetrag|endbetrag|do\s+zap[lł]aty|nale[zż]no[sś][cć](?:\s+og[oó][lł]em)?",
            10,
        ),
        (r"total\s*\(?\s*(?:iva|impuestos|vat|tax)\s+(?:incluido|incluidos|included|incl\.?)\s*\)?", 10),
        (r"total\s+for\s+this\s+invoice", 10),
        (
            r"total(?:\s+(?:sales|amount|after\s+adj(?:ustment)?\.?))?\s*\(?(?:incl(?:\.|udes|uding|usive)?|inclusive\s+of)"
            r"\s+(?:vat|tax|gst)\)?",
            10,
        ),
        (r"(?:rounded|nett?|grand)\s+total|total\s+after\s+(?:adj(?:ustment)?|rounding)\.?", 10),
        (r"total|totaal|summe|razem|gesamt|montant\s+ttc", 7),
    ],
    "customer": [
        (r"facturar\s+a|datos\s+del\s+cliente|bill(?:ed)?\s+to|invoice\s+to|sold\s+to|nabywca", 10),
        (
            r"cliente|customer|client|destinatario|factuuradres|rechnungsempf[aä]nger|kunde|buyer|adquiriente",
            8,
        ),
        (r"billing\s+address", 8),
    ],
    "supplier": [
        (r"proveedor|emisor|supplier|vendor|sold\s+by|seller|service\s+provider|sprzedawca|fournisseur", 8),
        (r"leverancier|verk[aä]ufer|remit\s+to", 8),
    ],
}

# Labels of things we do not extract; they end the value of the label before them.
OTHER: list[str] = [
    r"(?:c\.?\s?i\.?\s?f|n\.?\s?i\.?\s?f|n\.?\s?i\.?\s?e|d\.?\s?n\.?\s?i)\b\.?",
    r"(?:vat|tax|btw|tva|ust|iva)\s*(?:-\s*)?(?:id|no\.?|nr\.?|nummer|number|reg(?:istration)?\.?|intra\w*|/tin)",
    r"(?:n[º°o]\.?|numero)\s+(?:de\s+)?(?:tva|iva|vat|cliente|client|pedido|albaran|contrato)",
    r"uw\s+btw\s+nummer|ust-?id(?:nr)?|steuer-?nr|siret|siren|kvk|gstin|cin|nip|regon",
    r"iban|bic|swift|cuenta|account(?:\s+(?:no|number))?|bank(?:verbindung)?|banco",
    r"tel(?:efono|ephone|\.)?|phone|tfno\.?|movil|mobile|fax|e-?mail|correo|web(?:site)?",
    r"(?:cliente|customer|client|klant|kunden?)\s*(?:n[º°o]\.?|no\.?|nr\.?|number|numero|id|ref\.?|code|codigo)",
    r"(?:codigo|cod\.|ref\.?)\s+(?:de\s+)?cliente|klantnummer|kundennr\.?|id\.?\s?client",
    r"pedido|order(?:\s+(?:no|number|id|date|#))?|orden|albaran|delivery\s+note|bestellung|ordernummer",
    r"p\.?o\.?\s+(?:number|no\.?)|purchase\s+order|su\s+referencia|your\s+ref(?:erence)?|referencia|reference",
    r"forma\s+de\s+pago|payment\s+(?:terms|method|mode)|metodo\s+de\s+pago|condiciones\s+de\s+pago",
    r"modes?\s+de\s+reglement|zahlungs\w+|betaal\w+",
    r"(?:fecha\s+(?:de\s+)?)?vencimiento|due\s+date|date\s+due|payment\s+due|vervaldatum|date\s+limite",
    r"echeance|f[aä]llig\w*|termin\s+p[lł]atno[sś]ci",
    r"(?:fecha\s+(?:de\s+)?)?(?:pedido|entrega|servicio|operacion)|(?:order|delivery|service)\s+date",
    r"orderdatum|leveringsdatum|lieferdatum|data\s+sprzeda[zż]y|check\s+(?:in|out)",
    r"periodo(?:\s+de\s+facturacion)?|billing\s+period|period|zeitraum|periode",
    r"pagina|page|seite|hoja|sheet",
    r"total\s+(?:qty|quantity|items?|item\s+sold|units|uds\.?|unidades)|item\s+count|n[º°o]\s+de\s+art[ií]culos",
    r"contrato|contract|direccion|address|domicilio|adresse|adres",
    r"precios?\s+(?:con\s+)?iva\s+incluido|iva\s+incluido|incl\.?\s+(?:vat|btw|iva)|inclusief\s+btw",
    r"prijzen\s+zijn|prices\s+(?:include|incl)",
]


@dataclass(frozen=True)
class LabelHit:
    """A label found on a line: which field it announces, how specific it is, where it is."""

    field: str
    weight: int
    line: Line
    start: int
    end: int
    segment_end: int  # where the next label on the same line starts (or the line ends)

    @property
    def segment(self) -> str:
        """The text between this label and the next label on its line."""
        return self.line.text[self.end : self.segment_end]


def _compile(pattern: str) -> re.Pattern[str]:
    # a label never spans a column gap: between its words there is exactly one space (or none)
    pattern = pattern.replace(r"\s+", " ").replace(r"\s*", " ?").replace(r"\s?", " ?")
    return re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z])")


_COMPILED: list[tuple[str, int, re.Pattern[str]]] = [
    (field, weight, _compile(pattern)) for field, patterns in _LABELS.items() for pattern, weight in patterns
] + [("other", 0, _compile(pattern)) for pattern in OTHER]


@lru_cache(maxsize=8192)
def find_labels(line: Line) -> tuple[LabelHit, ...]:
    """The labels on a line, left to right; overlapping matches resolved in favour of the longest.

    Cached: fields, line items and parties all ask about the same lines."""
    matches: list[tuple[int, int, str, int]] = []
    for field, weight, pattern in _COMPILED:
        for match in pattern.finditer(line.folded):
            if match.end() > match.start():
                matches.append((match.start(), match.end(), field, weight))
    matches.sort(key=lambda m: (-(m[1] - m[0]), m[0], -m[3]))
    chosen: list[tuple[int, int, str, int]] = []
    for candidate in matches:
        if all(candidate[1] <= c[0] or candidate[0] >= c[1] for c in chosen):
            chosen.append(candidate)
    chosen.sort()
    hits = []
    for position, (start, end, field, weight) in enumerate(chosen):
        segment_end = chosen[position + 1][0] if position + 1 < len(chosen) else len(line.text)
        hits.append(LabelHit(field, weight, line, start, end, segment_end))
    return tuple(hits)
