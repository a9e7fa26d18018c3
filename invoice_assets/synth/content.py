"""What an invoice says: parties, number, dates, line items, totals and the maintenance class.

Content is drawn from a caller-supplied ``random.Random`` and nothing else, so the same seed always yields
the same invoice, and the content of invoice *i* does not depend on how it is later rendered or degraded.
Money is ``Decimal`` throughout: amounts are rounded half-up to cents exactly like a billing program
would, so the ground truth arithmetic holds to the cent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from invoice_assets.synth.catalog import CUSTOMERS, SUPPLIERS, Customer, Supplier
from invoice_assets.synth.vocabulary import (
    GENERIC_PARTS,
    LITERAL_PREFIX,
    MACHINES,
    MILL_MACHINES,
    PERIODS,
    SEASONS,
    SERVICE_HOURS,
    TEMPLATES,
    LineTemplate,
)

LABELS: tuple[str, str] = ("corrective", "preventive")
VAT_RATE = Decimal("0.21")
CURRENCY = "EUR"
CENT = Decimal("0.01")
FIRST_DATE = date(2024, 1, 1)
LAST_DATE = date(2026, 12, 31)

# How many lines an invoice has (1..14): most are short, a few are long enough to need a second page.
_LINE_COUNT_WEIGHTS = (10, 14, 14, 13, 11, 9, 7, 6, 5, 5, 4, 4, 3, 3)
LITERAL_SHARE = 0.17
"""Share of invoices that name their class literally (correctivo/preventivo...)."""
MIXED_SHARE = 0.4
"""Among invoices with three or more classified lines, the share that also has other-class lines."""


def money(value: Decimal | float | str | int) -> Decimal:
    """Round to cents half-up, the way invoicing software does (never banker's rounding)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineItem:
    """One invoice line. ``kind`` is the line's own class (or ``neutral``); it is not printed."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    kind: str


@dataclass(frozen=True)
class SyntheticInvoice:
    """The content of one invoice, independent of how it looks on paper."""

    invoice_number: str
    issue_date: date
    due_date: date
    supplier: Supplier
    customer: Customer
    lines: tuple[LineItem, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    label: str
    reference: str | None = None
    note: str | None = None
    currency: str = CURRENCY
    vat_rate: Decimal = VAT_RATE

    @property
    def language(self) -> str:
        """Suppliers always invoice in their own language, so the invoice language is the supplier's."""
        return self.supplier.language

    @property
    def is_mixed(self) -> bool:
        """True when lines of both classes are present (the label is then the majority class)."""
        kinds = {line.kind for line in self.lines}
        return {"corrective", "preventive"} <= kinds

    def text(self) -> str:
        """The class-relevant words (descriptions, reference, note), for quick content checks."""
        parts = [line.description for line in self.lines]
        parts += [p for p in (self.reference, self.note) if p]
        return "\n".join(parts)


def _thousands(n: int, language: str) -> str:
    sep = "." if language == "es" else ","
    return f"{n:,}".replace(",", sep)


@dataclass(frozen=True)
class _Machine:
    """A machine of the customer's plant as it is named on this invoice (with its plant number, if any)."""

    key: str
    name: str


def _plant_machines(rng: random.Random, kind: str, language: str) -> list[_Machine]:
    """One to three machines the invoice is about: real invoices concern a few, named consistently."""
    keys = rng.sample(MILL_MACHINES[kind], k=rng.choice((1, 1, 2, 2, 3)))
    numbered = (
        rng.choice(("es_no", "short", "plain"))
        if language == "es"
        else rng.choice(("no", "hash", "short", "plain"))
    )
    machines = []
    for key in keys:
        term = MACHINES[key][0]
        base = term.es if language == "es" else term.en
        k = rng.randint(1, 36)
        name = {
            "es_no": f"{base} nº {k}",
            "no": f"{base} no. {k}",
            "hash": f"{base} #{k}",
            "short": f"{base} {k:02d}",
            "plain": base,
        }[numbered]
        machines.append(_Machine(key, name))
    return machines


def _fill(template: LineTemplate, rng: random.Random, language: str, machines: list[_Machine]) -> str:
    """Fill a template's slots; every slot is drawn even if unused so the random stream stays simple."""
    machine = rng.choice(machines)
    machine_term, specific = MACHINES[machine.key]
    part = rng.choice(specific) if specific and rng.random() < 0.55 else rng.choice(GENERIC_PARTS)
    period = rng.choice(PERIODS)
    season = rng.choice(SEASONS)
    hours = _thousands(rng.choice(SERVICE_HOURS), language)
    contract = rng.choice(("CM-{y}/{k:02d}", "nº {y}-{k:03d}", "MANT-{k:04d}", "{k:03d}/{y}")).format(
        y=rng.choice((24, 25, 26)), k=rng.randint(1, 450)
    )
    notice = rng.choice(("nº {k}", "{k}", "AV-{k}")).format(k=rng.randint(1000, 9999))
    lang = 0 if language == "es" else 1
    values = {
        "m": machine.name,
        "p": part.es if lang == 0 else part.en,
        "o": "a" if part.feminine else "o",
        "om": "a" if machine_term.feminine else "o",
        "h": hours,
        "per": period[lang],
        "Per": period[lang].capitalize(),
        "season": season[lang],
        "c": contract,
        "n": notice,
    }
    text = (template.es if lang == 0 else template.en).format(**values)
    return text[0].upper() + text[1:]


def _price(pricing: str, rng: random.Random) -> tuple[Decimal, Decimal]:
    """Quantity and unit price for a pricing kind; ranges are plausible Spanish workshop rates in EUR."""
    if pricing == "labour":
        qty = Decimal(rng.randint(2, 32)) / 2
        unit = money(rng.choice((32, 35, 38, 40, 42, 45, 48, 52, 55, 60, 65)) + rng.choice((0, 0, 0.5)))
    elif pricing == "part":
        qty = Decimal(rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 6, 8)))
        unit = money(max(4.0, round(rng.lognormvariate(4.3, 1.1), 2)))
    elif pricing == "callout":
        qty = Decimal(1)
        unit = money(rng.choice((60, 75, 90, 120, 150, 180, 240)) + rng.choice((0, 0, 0.5)))
    elif pricing == "service":
        qty = Decimal(rng.choice((1, 1, 1, 2)))
        unit = money(round(rng.uniform(180, 3200), 2))
    elif pricing == "visit":
        qty = Decimal(1)
        unit = money(rng.choice((150, 220, 275, 340, 420, 560, 780, 1100)))
    elif pricing == "travel":
        qty = Decimal(1)
        unit = money(rng.choice((25, 30, 35, 45, 60, 75, 95)))
    elif pricing == "mileage":
        qty = Decimal(rng.randint(12, 240))
        unit = money(rng.choice(("0.35", "0.40", "0.45", "0.50", "0.55")))
    elif pricing == "consumable":
        qty = Decimal(1)
        unit = money(round(rng.uniform(8, 120), 2))
    else:
        raise ValueError(f"unknown pricing kind {pricing!r}")
    unit = max(unit, CENT)
    return qty, unit


def _line_kinds(label: str, rng: random.Random) -> list[str]:
    """Choose the class of every line so that ``label`` is a strict majority of the classified lines."""
    count = rng.choices(range(1, len(_LINE_COUNT_WEIGHTS) + 1), weights=_LINE_COUNT_WEIGHTS)[0]
    neutral = 0
    if count >= 2 and rng.random() < 0.45:
        neutral = min(count - 1, rng.choice((1, 1, 1, 2)))
    classified = count - neutral
    other = LABELS[1] if label == LABELS[0] else LABELS[0]
    minority = 0
    if classified >= 3 and rng.random() < MIXED_SHARE:
        minority = rng.randint(1, (classified - 1) // 2)
    kinds = [label] * (classified - minority) + [other] * minority + ["neutral"] * neutral
    rng.shuffle(kinds)
    return kinds


def _invoice_number(supplier: Supplier, issued: date, rng: random.Random) -> str:
    day_of_year = issued.timetuple().tm_yday
    n = supplier.first_number + day_of_year * rng.randint(1, 3) + rng.randint(0, 40)
    return supplier.number_pattern.format(yyyy=issued.year, yy=f"{issued.year % 100:02d}", n=n)


def _reference(language: str, rng: random.Random) -> str | None:
    """A purchase-order or work-order reference on some invoices (class-neutral distractor digits)."""
    if rng.random() >= 0.45:
        return None
    if language == "es":
        pattern = rng.choice(("Pedido nº 4500{k:06d}", "Su ref.: OT-{y}-{j:04d}", "Orden de trabajo {j:05d}"))
    else:
        pattern = rng.choice(("PO 4500{k:06d}", "Your ref.: WO-{y}-{j:04d}", "Work order {j:05d}"))
    return pattern.format(k=rng.randint(0, 999999), j=rng.randint(1, 9999), y=rng.choice((2024, 2025, 2026)))


_NOTES = {
    "es": (
        "Trabajos realizados en las instalaciones del cliente.",
        "Material con garantía de seis meses.",
        "Se entregan al cliente las piezas retiradas.",
        "Mano de obra con garantía de tres meses.",
        "Conforme con el parte de trabajo firmado por el cliente.",
    ),
    "en": (
        "Work carried out at the customer's premises.",
        "Parts carry a six-month warranty.",
        "Removed parts handed over to the customer.",
        "Labour guaranteed for three months.",
        "As per job sheet signed by the customer.",
    ),
}


def make_invoice(rng: random.Random) -> SyntheticInvoice:
    """Draw one invoice from ``rng``. The label is balanced; ties between classes never happen."""
    supplier = rng.choice(SUPPLIERS)
    customer = rng.choice(CUSTOMERS)
    language = supplier.language
    label = rng.choice(LABELS)
    issued = FIRST_DATE + timedelta(days=rng.randint(0, (LAST_DATE - FIRST_DATE).days))
    due = issued + timedelta(days=rng.choice((0, 30, 30, 45, 60, 90)))
    machines = _plant_machines(rng, customer.kind, language)

    kinds = _line_kinds(label, rng)
    literal_at = -1
    if rng.random() < LITERAL_SHARE:
        literal_at = rng.choice([i for i, kind in enumerate(kinds) if kind != "neutral"])

    lines: list[LineItem] = []
    used: set[str] = set()
    for i, kind in enumerate(kinds):
        for _ in range(8):  # avoid repeating the very same description on one invoice
            template = rng.choice(TEMPLATES[kind])
            description = _fill(template, rng, language, machines)
            if description not in used:
                break
        used.add(description)
        if i == literal_at:
            description = LITERAL_PREFIX[(kind, language)] + description[0].lower() + description[1:]
        quantity, unit_price = _price(template.pricing, rng)
        lines.append(LineItem(description, quantity, unit_price, money(quantity * unit_price), kind))

    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    tax = money(subtotal * VAT_RATE)
    return SyntheticInvoice(
        invoice_number=_invoice_number(supplier, issued, rng),
        issue_date=issued,
        due_date=due,
        supplier=supplier,
        customer=customer,
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        label=label,
        reference=_reference(language, rng),
        note=rng.choice(_NOTES[language]) if rng.random() < 0.35 else None,
    )


def majority_label(lines: tuple[LineItem, ...] | list[LineItem]) -> str:
    """The class of the majority of classified lines; the generator guarantees there is no tie."""
    corrective = sum(line.kind == "corrective" for line in lines)
    preventive = sum(line.kind == "preventive" for line in lines)
    if corrective == preventive:
        raise ValueError("tied invoice: equal number of corrective and preventive lines")
    return "corrective" if corrective > preventive else "preventive"
