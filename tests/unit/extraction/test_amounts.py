"""Money as printed on Spanish and English invoices (and as OCR misreads it)."""

from decimal import Decimal

import pytest

from invoice_assets.extraction.amounts import find_amounts, find_currency, number_value, parse_amount


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("1.234,56 €", "1234.56", "EUR"),
        ("€1,234.56", "1234.56", "EUR"),
        ("1234.56 EUR", "1234.56", "EUR"),
        ("EUR 1,234.56", "1234.56", "EUR"),
        ("1234,56 €", "1234.56", "EUR"),
        ("1 234,56", "1234.56", None),
        ("1 234,56 €", "1234.56", "EUR"),
        ("1,234.56", "1234.56", None),
        ("-12,50", "-12.50", None),
        ("− 12,50 €", "-12.50", "EUR"),
        ("$4.11", "4.11", "USD"),
        ("US$ 99.99", "99.99", "USD"),
        ("£1,000.00", "1000.00", "GBP"),
        ("Rs 1939", "1939", "INR"),
        ("316,83 PLN", "316.83", "PLN"),
        ("RM 33.90", "33.90", "MYR"),
        ("12,5", "12.5", None),
        ("0,75 €", "0.75", "EUR"),
        ("1.234.567,89", "1234567.89", None),
        ("1,234,567.89", "1234567.89", None),
        ("1'234.50", "1234.50", None),
    ],
)
def test_parse_amount_reads_both_conventions(text, value, currency):
    amount = parse_amount(text)
    assert amount is not None
    assert amount.value == Decimal(value)
    assert amount.currency == currency


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234", "1234"),  # a lone separator before three digits groups thousands (both languages agree)
        ("1,234", "1234"),
        ("0,500", "0.5"),  # ... except after a lone zero
        ("12.000", "12000"),
        ("1.234.56", "1234.56"),  # OCR read the decimal comma as a point: the last separator decides
        ("1,234,56", "1234.56"),
        ("1234", "1234"),
    ],
)
def test_separator_rules(text, value):
    assert number_value(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.2O4,56", "1204.56"),  # letter O for a zero
        ("l5,00", "15.00"),  # letter l for a one
        ("188, 24 €", "188.24"),  # a space after the decimal comma
        ("EUR65.50", "65.50"),  # the space after the currency code lost
        ("x .76.26", "76.26"),  # a speck read as a point in front of the amount
    ],
)
def test_ocr_slips_are_repaired(text, value):
    amounts = find_amounts(text)
    assert [a.value for a in amounts] == [Decimal(value)]


@pytest.mark.parametrize(
    "text", ["27.11.2026", "27/11/2026", "21%", "15.00 %", "F-2026-001", "INV/2023/03/0008", "10:30"]
)
def test_dates_percentages_and_identifiers_are_not_amounts(text):
    assert find_amounts(text) == []


def test_find_amounts_in_a_table_row_keeps_order_positions_and_currency():
    row = "Sustitución de rodamiento     2     45,50 €     91,00 €"
    amounts = find_amounts(row)
    assert [a.value for a in amounts] == [Decimal("2"), Decimal("45.50"), Decimal("91.00")]
    assert [a.has_decimals for a in amounts] == [False, True, True]
    assert amounts[2].currency == "EUR"
    assert row[amounts[1].start : amounts[1].end] == "45,50 €"


def test_space_grouping_is_only_used_when_asked():
    row = "Horas de trabajo   2 150,00   300,00"  # quantity 2, price 150,00: not 2150,00
    assert [a.value for a in find_amounts(row)] == [Decimal("2"), Decimal("150.00"), Decimal("300.00")]
    assert [a.value for a in find_amounts("Total 1 234,56 €", space_groups=True)] == [Decimal("1234.56")]


def test_parse_amount_rejects_text_that_is_not_one_amount():
    assert parse_amount("Total: 46,68 €") is None
    assert parse_amount("12,00 y 13,00") is None
    assert parse_amount("") is None


def test_currency_words_are_not_found_inside_other_words():
    assert find_currency("FORMULARIO 12") is None
    assert find_currency("Importe en euros") == "EUR"
