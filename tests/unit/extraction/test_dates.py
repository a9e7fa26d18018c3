"""Dates in the formats and languages of the invoices, always read as ISO."""

import pytest

from invoice_assets.extraction.dates import find_dates, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        # Spanish billing programs
        ("27/11/2026", "2026-11-27"),
        ("27-11-26", "2026-11-27"),
        ("27.11.2026", "2026-11-27"),
        ("5/3/2026", "2026-03-05"),  # day first by default
        ("27 de noviembre de 2026", "2026-11-27"),
        ("3 de marzo de 2025", "2025-03-03"),
        ("12 dic. 2026", "2026-12-12"),
        ("1 de setiembre de 2026", "2026-09-01"),
        # English
        ("2026-11-27", "2026-11-27"),
        ("Nov 27, 2026", "2026-11-27"),
        ("November 27, 2026", "2026-11-27"),
        ("Nov 27th, 2026", "2026-11-27"),
        ("27 NOV 2026", "2026-11-27"),
        ("27 Nov 2026", "2026-11-27"),
        ("27-Nov-2026", "2026-11-27"),
        ("August 3 , 2014", "2014-08-03"),
        ("03/20/2023", "2023-03-20"),  # only month-first is a valid date
        # French, German, Dutch, Polish
        ("02 Juillet 2015", "2015-07-02"),
        ("1er juillet 2015", "2015-07-01"),
        ("27 février 2026", "2026-02-27"),
        ("27 fevrier 2026", "2026-02-27"),  # OCR lost the accent
        ("7. Mai 2014", "2014-05-07"),
        ("3. März 2020", "2020-03-03"),
        ("19 april 2014", "2014-04-19"),
        ("29 maart 2014", "2014-03-29"),
        ("8-9-2022", "2022-09-08"),
        ("3 października 2021", "2021-10-03"),
        ("15 stycznia 2021", "2021-01-15"),
        # receipts
        ("18-11-18", "2018-11-18"),
        ("03 MAR 2018", "2018-03-03"),
        ("Date: 31/12/2017 22:52", "2017-12-31"),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text", ["31/02/2026", "13/13/2020", "Tel. 93 731 24 56", "F-2026/0041", "1234,56", ""]
)
def test_not_dates(text):
    assert parse_date(text) is None


def test_find_dates_reads_a_range_and_positions():
    found = find_dates("Periodo: 01.05.14-31.05.14")
    assert [d.iso for d in found] == ["2014-05-01", "2014-05-31"]
    assert found[0].start == len("Periodo: ")


def test_two_digit_years_pivot_at_70():
    assert parse_date("01/01/69") == "2069-01-01"
    assert parse_date("01/01/70") == "1970-01-01"
