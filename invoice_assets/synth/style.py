"""House styles: how each supplier's billing program prints its invoices.

A real workshop always sends the same template, so the look is a property of the supplier, not of the invoice:
layout, typeface, label wording, date and amount conventions. Label wording belongs to the layout (a template
ships with its labels) in the supplier's language; everything else is drawn once per supplier from a generator
seeded with the supplier's tax id, so it never changes between runs or processes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from invoice_assets.synth.catalog import SUPPLIERS, Supplier
from invoice_assets.synth.fonts import available_families
from invoice_assets.synth.formats import AMOUNT_FORMATS, DATE_FORMATS, AmountFormat

LAYOUTS: tuple[str, ...] = ("classic", "modern", "compact", "band", "ledger")
"""The page designs render.py knows (see its module docstring for what each one looks like)."""


@dataclass(frozen=True)
class Labels:
    """Every fixed text a template prints. ``due`` is None when the template shows no due date."""

    title: str
    invoice_no: str
    date: str
    due: str | None
    customer: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    code: str
    subtotal: str
    tax: str
    total: str
    page: str
    continued: str
    continuation: str
    notes: str
    payment: str
    phone: str


def _es(
    title: str,
    invoice_no: str,
    date: str,
    due: str | None,
    customer: str,
    columns: tuple[str, ...],
    totals: tuple[str, str, str],
    page: str = "Página {i} de {n}",
    continued: str = "Suma y sigue",
) -> Labels:
    return Labels(
        title,
        invoice_no,
        date,
        due,
        customer,
        *columns,
        *totals,
        page=page,
        continued=continued,
        continuation="continuación",
        notes="Observaciones",
        payment="Forma de pago: transferencia bancaria",
        phone="Tel.",
    )


def _en(
    title: str,
    invoice_no: str,
    date: str,
    due: str | None,
    customer: str,
    columns: tuple[str, ...],
    totals: tuple[str, str, str],
    page: str = "Page {i} of {n}",
    continued: str = "Continued on next page",
) -> Labels:
    return Labels(
        title,
        invoice_no,
        date,
        due,
        customer,
        *columns,
        *totals,
        page=page,
        continued=continued,
        continuation="continued",
        notes="Notes",
        payment="Payment: bank transfer",
        phone="Tel.",
    )


LABELS: dict[tuple[str, str], Labels] = {
    ("classic", "es"): _es(
        "FACTURA",
        "Factura nº",
        "Fecha",
        None,
        "Cliente",
        ("Descripción", "Cant.", "Precio", "Importe", "Código"),
        ("Base imponible", "IVA (21%)", "TOTAL FACTURA"),
    ),
    ("classic", "en"): _en(
        "INVOICE",
        "Invoice No.",
        "Date",
        None,
        "Bill to",
        ("Description", "Qty", "Unit price", "Amount", "Code"),
        ("Subtotal", "VAT 21%", "Total due"),
    ),
    ("modern", "es"): _es(
        "Factura",
        "Nº Factura",
        "Fecha de emisión",
        "Vencimiento",
        "Facturar a",
        ("Concepto", "Cantidad", "Precio unit.", "Importe", "Código"),
        ("Subtotal", "IVA 21%", "Total"),
        page="Pág. {i}/{n}",
    ),
    ("modern", "en"): _en(
        "Invoice",
        "Invoice #",
        "Invoice date",
        "Due date",
        "Invoice to",
        ("Description", "Quantity", "Rate", "Amount", "Code"),
        ("Net amount", "VAT (21%)", "Total"),
    ),
    ("compact", "es"): _es(
        "FACTURA",
        "Número de factura",
        "Fecha factura",
        None,
        "Datos del cliente",
        ("Descripción", "Uds.", "P. unitario", "Importe", "Código"),
        ("Base imponible", "I.V.A. 21%", "Total a pagar"),
        continued="Continúa en la página siguiente",
    ),
    ("compact", "en"): _en(
        "INVOICE",
        "Invoice number",
        "Date of issue",
        None,
        "Customer",
        ("Description", "Qty", "Price", "Amount", "Code"),
        ("Net total", "VAT @ 21%", "Amount due"),
    ),
    ("band", "es"): _es(
        "FACTURA",
        "Nº de factura",
        "Fecha",
        "Fecha de vencimiento",
        "Cliente",
        ("Descripción", "Cant.", "Precio", "Importe", "Código"),
        ("Base imponible", "Cuota IVA 21%", "TOTAL"),
    ),
    ("band", "en"): _en(
        "TAX INVOICE",
        "Invoice No.",
        "Date",
        "Payment due",
        "Customer",
        ("Description", "Qty", "Unit price", "Line total", "Code"),
        ("Subtotal", "VAT 21%", "TOTAL"),
        continued="Continued overleaf",
    ),
    ("ledger", "es"): _es(
        "Factura",
        "Factura Nº",
        "Fecha",
        "Vencimiento",
        "Cliente",
        ("Concepto", "Cantidad", "Precio", "Importe €", "Ref."),
        ("Base imponible", "IVA 21%", "TOTAL FACTURA"),
    ),
    ("ledger", "en"): _en(
        "Invoice",
        "Invoice No.",
        "Date",
        "Due date",
        "Bill to",
        ("Description of work", "Qty", "Unit price", "Amount", "Item"),
        ("Subtotal", "VAT 21%", "Total due"),
    ),
}
"""Exact label texts per (layout, language): the list an extraction engineer needs."""

ACCENTS: tuple[tuple[int, int, int], ...] = (
    (24, 56, 128),
    (128, 24, 32),
    (24, 92, 56),
    (64, 64, 64),
    (0, 84, 120),
)
INK = (0, 0, 0)


@dataclass(frozen=True)
class HouseStyle:
    """The fixed look of one supplier's invoices."""

    layout: str
    language: str
    family: str
    body_pt: float
    labels: Labels
    amount: AmountFormat
    date_pattern: str
    fixed_quantity_decimals: bool
    cell_currency: bool
    accent: tuple[int, int, int] | None
    ink: tuple[int, int, int]
    tax_label: str
    customer_tax_label: str

    def color(self) -> tuple[int, int, int]:
        """Colour for titles and rules: the accent if the template has one, else the ink."""
        return self.accent or self.ink


def _tax_label(tax_id: str, language: str) -> str:
    if language == "en":
        return "VAT No."
    return "NIF" if tax_id[0].isdigit() else "CIF"


def house_style(supplier: Supplier) -> HouseStyle:
    """The style of ``supplier``: layout by catalogue position, the rest drawn from its tax id."""
    index = SUPPLIERS.index(supplier) if supplier in SUPPLIERS else 0
    rng = random.Random(f"house-style:{supplier.tax_id}")
    language = supplier.language
    families = available_families()
    layout = LAYOUTS[index % len(LAYOUTS)]
    return HouseStyle(
        layout=layout,
        language=language,
        family=families[(index * 4 + 1) % len(families)],
        body_pt=rng.choice((9.0, 9.5, 10.0, 10.0, 10.5)),
        labels=LABELS[(layout, language)],
        amount=rng.choice(AMOUNT_FORMATS[language]),
        date_pattern=rng.choice(DATE_FORMATS[language]),
        fixed_quantity_decimals=rng.random() < 0.4,
        cell_currency=rng.random() < 0.3,
        accent=rng.choice(ACCENTS) if rng.random() < 0.6 else None,
        ink=rng.choice((INK, INK, (24, 24, 24), (32, 32, 40))),
        tax_label=_tax_label(supplier.tax_id, language),
        customer_tax_label="CIF" if language == "es" else "VAT No.",
    )
