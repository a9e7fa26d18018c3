"""How numbers and dates are printed: Spanish and English conventions as real billing programs print them.

Kept apart from layout so that the formats an extractor must parse are listed in one place:

* amounts, Spanish: ``1.234,56 €``, ``1.234,56 EUR``, ``1234,56 €``; English: ``€1,234.56``, ``1234.56 EUR``,
  ``EUR 1,234.56``;
* dates, Spanish: ``27/11/2026``, ``27-11-26``, ``27 de noviembre de 2026``; English: ``2026-11-27``,
  ``Nov 27, 2026``, ``27 NOV 2026``. Numeric dates are always day first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class AmountFormat:
    """Separators and currency placement for money. ``code`` is the exact pattern name used in docs."""

    code: str
    decimal: str
    thousands: str
    prefix: str = ""
    suffix: str = ""

    def number(self, value: Decimal) -> str:
        """The bare number (table cells often omit the currency)."""
        sign = "-" if value < 0 else ""
        whole, cents = f"{abs(value):.2f}".split(".")
        if self.thousands:
            whole = f"{int(whole):,}".replace(",", self.thousands)
        return f"{sign}{whole}{self.decimal}{cents}"

    def money(self, value: Decimal) -> str:
        """The number with its currency mark, e.g. ``1.234,56 €`` or ``€1,234.56``."""
        return f"{self.prefix}{self.number(value)}{self.suffix}"


AMOUNT_FORMATS: dict[str, tuple[AmountFormat, ...]] = {
    "es": (
        AmountFormat("1.234,56 €", ",", ".", suffix=" €"),
        AmountFormat("1.234,56 EUR", ",", ".", suffix=" EUR"),
        AmountFormat("1234,56 €", ",", "", suffix=" €"),
    ),
    "en": (
        AmountFormat("€1,234.56", ".", ",", prefix="€"),
        AmountFormat("1234.56 EUR", ".", "", suffix=" EUR"),
        AmountFormat("EUR 1,234.56", ".", ",", prefix="EUR "),
    ),
}

DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "es": ("dd/mm/yyyy", "dd-mm-yy", "d de mes de yyyy"),
    "en": ("yyyy-mm-dd", "Mon d, yyyy", "dd MON yyyy"),
}


def format_date(value: date, pattern: str) -> str:
    """Print ``value`` with one of the ``DATE_FORMATS`` patterns."""
    if pattern == "dd/mm/yyyy":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if pattern == "dd-mm-yy":
        return f"{value.day:02d}-{value.month:02d}-{value.year % 100:02d}"
    if pattern == "d de mes de yyyy":
        return f"{value.day} de {MONTHS_ES[value.month - 1]} de {value.year}"
    if pattern == "yyyy-mm-dd":
        return value.isoformat()
    if pattern == "Mon d, yyyy":
        return f"{MONTHS_EN[value.month - 1]} {value.day}, {value.year}"
    if pattern == "dd MON yyyy":
        return f"{value.day:02d} {MONTHS_EN[value.month - 1].upper()} {value.year}"
    raise ValueError(f"unknown date pattern {pattern!r}")


def format_quantity(value: Decimal, decimal_sep: str, fixed_decimals: bool) -> str:
    """Quantities: ``2`` / ``2,5`` or, for programs that always print decimals, ``2,00`` / ``2,50``."""
    if fixed_decimals:
        text = f"{value:.2f}"
    else:
        text = f"{value.normalize():f}" if value != value.to_integral_value() else f"{int(value)}"
    return text.replace(".", decimal_sep)
