"""Money amounts as printed on Spanish, English and other European invoices, read into `Decimal`.

The decimal separator is decided per number, never per document (one scan can mix a Spanish body with an
English footer): `1.234,56`, `1,234.56`, `1'234.56` and the OCR slip `1.234.56` all read as 1234.56, and a
lone separator before three digits groups thousands (`1.234` is 1234, `0,500` is 0.5). Spaces, percentages,
dates and OCR letter-for-digit slips: docs/decisions.md has the full rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Longest spellings first so that "US$" wins over "$".
_CURRENCY_TOKENS: list[tuple[str, str]] = [
    ("US$", "USD"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("euros", "EUR"),
    ("euro", "EUR"),
    ("€", "EUR"),
    ("GBP", "GBP"),
    ("£", "GBP"),
    ("INR", "INR"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("₹", "INR"),
    ("PLN", "PLN"),
    ("zł", "PLN"),
    ("CHF", "CHF"),
    ("MYR", "MYR"),
    ("RM", "MYR"),
    ("MXN", "MXN"),
    ("$", "USD"),
]
CURRENCY_CODES = frozenset(code for _, code in _CURRENCY_TOKENS)
_CURRENCY_RE = "|".join(
    (r"(?<![A-Za-z])" + re.escape(token) + r"(?![A-Za-z])") if token[-1].isalpha() else re.escape(token)
    for token, _ in _CURRENCY_TOKENS
)
_CURRENCY_LOOKUP = {token.lower(): code for token, code in _CURRENCY_TOKENS}

_GROUPED = r"\d{1,3}(?:(?P<sep>[.,'’])\d{3})(?:(?P=sep)\d{3})*"
_GROUPED_SPACE = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+"
_PLAIN = r"\d+"
_DECIMAL = r"(?:[.,]\d{1,2})"


def _number_pattern(space_groups: bool) -> re.Pattern[str]:
    integer = f"(?:{_GROUPED_SPACE}|{_GROUPED}|{_PLAIN})" if space_groups else f"(?:{_GROUPED}|{_PLAIN})"
    return re.compile(
        # not glued to a word, a date, a time or another number (but "EUR65.50" is an OCR-lost space)
        r"(?:(?<![\w/.,'’\-−])|(?<=EUR)|(?<=USD)|(?<=GBP)|(?<=Rs))(?<!\d:)"
        r"(?P<sign>[-−–]\s?)?"
        rf"(?P<number>{integer}{_DECIMAL}?)"
        r"(?:(?=EUR|USD|GBP|PLN|CHF|INR|MYR)|(?![\w/]))(?![.,]\d|:\d|-\d|\s?%)"  # "735.41EUR" is fine
    )


_NUMBER = {False: _number_pattern(False), True: _number_pattern(True)}
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8"})
_OCR_TOKEN = re.compile(
    r"(?<![\w])[-−]?[\dOoDIl|SB]*\d[\dOoDIl|SB]*(?:[.,'][\dOoDIl|SB]+)*[.,][\dOo]{2}(?!\w)"
)


@dataclass(frozen=True)
class Money:
    """An amount found in text: `start`/`end` locate it (currency included) in the searched string."""

    value: Decimal
    currency: str | None
    start: int
    end: int
    has_decimals: bool


def number_value(number: str) -> Decimal | None:
    """The value of a bare number string by the separator rules (module docstring, docs/decisions.md)."""
    digits = re.sub(r"[ \u00a0\u202f'’]", "", number)
    match = re.fullmatch(r"(\d+(?:[.,]\d+)*?)(?:[.,](\d{1,2}))?", digits)
    if not match:
        return None
    integer, decimals = match.group(1), match.group(2)
    groups = re.split(r"[.,]", integer)
    if len(groups) > 1 and not all(len(group) == 3 for group in groups[1:]):
        return None
    if len(groups) == 2 and groups[0] == "0":  # 0,500: decimals, not a thousands group
        decimals = groups[1].rstrip("0") or "0"
        groups = ["0"]
    try:
        return Decimal("".join(groups) + ("." + decimals if decimals else ""))
    except InvalidOperation:
        return None


# "188, 24 €": a space OCR put after the decimal comma, recognisable by the currency or column gap after it
_SPLIT_DECIMALS = re.compile(r"(?<=\d)([.,]) (\d{2})(?=\s?(?:€|EUR\b)|\s{2}|\s*$)")
# " .76.26": a speck read as a separator in front of an amount that is complete without it
_STRAY_SEPARATOR = re.compile(r"(?<=\s)[.,:;'‘’](?=\d{1,3}(?:[.,]\d{3})*[.,]\d{2}(?!\d))")


def repair_ocr_digits(text: str) -> str:
    """Undo OCR slips inside tokens that are plainly amounts: letters read for digits (O→0, l→1, S→5...)
    in a token with a digit and a two-digit decimal part, a space after the decimal separator, a speck
    read as a separator in front of an amount. The text keeps its length, so positions stay valid."""
    text = _SPLIT_DECIMALS.sub(r"\1\2 ", text)  # same length: positions in the line stay valid
    text = _STRAY_SEPARATOR.sub(" ", text)
    return _OCR_TOKEN.sub(lambda m: m.group(0).translate(_OCR_DIGITS), text)


def currency_code(token: str) -> str | None:
    """The ISO code for a currency symbol or code (`€` → EUR), or None."""
    return _CURRENCY_LOOKUP.get(token.strip().lower())


def find_currency(text: str) -> str | None:
    """The first currency symbol or code in the text, as an ISO code."""
    match = re.search(_CURRENCY_RE, text, flags=re.IGNORECASE)
    return currency_code(match.group(0)) if match else None


def find_amounts(text: str, *, space_groups: bool = False) -> list[Money]:
    """All amounts in a line of text, left to right, each with the currency printed next to it."""
    text = repair_ocr_digits(text)
    found: list[Money] = []
    for match in _NUMBER[space_groups].finditer(text):
        value = number_value(match.group("number"))
        if value is None:
            continue
        if match.group("sign"):
            value = -value
        start, end = match.start(), match.end()
        currency = None
        before = re.search(rf"(?:{_CURRENCY_RE})\s?$", text[max(0, start - 5) : start], flags=re.IGNORECASE)
        after = re.match(rf"\s{{0,2}}(?:{_CURRENCY_RE})", text[end : end + 8], flags=re.IGNORECASE)
        if before:
            currency = currency_code(before.group(0))
            start -= len(before.group(0))
        elif after:
            currency = currency_code(after.group(0))
            end += len(after.group(0))
        has_decimals = re.search(rf"{_DECIMAL}$", match.group("number")) is not None
        found.append(Money(value, currency, start, end, has_decimals))
    return found


def parse_amount(text: str) -> Money | None:
    """Read a string holding one amount (`"1.234,56 €"`, `"€1,234.56"`, `"1 234,56"`), or None."""
    stripped = text.strip()
    amounts = find_amounts(stripped, space_groups=True)
    if len(amounts) != 1:
        return None
    rest = (stripped[: amounts[0].start] + stripped[amounts[0].end :]).strip()
    if rest and find_currency(rest) is None and rest not in {"-", "+"}:
        return None
    amount = amounts[0]
    if amount.currency is None and rest:
        amount = Money(amount.value, find_currency(rest), amount.start, amount.end, amount.has_decimals)
    return amount
