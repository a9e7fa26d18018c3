"""Dates as printed on invoices, in Spanish, English, French, German, Dutch and Polish, read as ISO.

Numeric dates are day-first (the invoices are European: `05/04/2026` is 5 April) unless only the
month-first reading is a valid date (`03/20/2023`); a four-digit first group is year-month-day. Two-digit
years are 20yy below 70, else 19yy. Month names may be abbreviated, any case, with or without accents,
with Spanish `de`, German ordinal dots or English ordinals (`27 de noviembre de 2026`, `Nov 27th, 2026`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("enero", "ene", "january", "jan", "janvier", "janv", "januar", "jänner", "januari", "styczeń",
        "stycznia", "sty"),
    2: ("febrero", "feb", "february", "février", "févr", "fevr", "februar", "februari", "luty", "lutego",
        "lut"),
    3: ("marzo", "mar", "march", "mars", "märz", "maerz", "mrz", "mär", "maart", "mrt", "marzec", "marca"),
    4: ("abril", "abr", "april", "apr", "avril", "avr", "kwiecień", "kwietnia", "kwi"),
    5: ("mayo", "may", "mai", "mei", "maj", "maja"),
    6: ("junio", "jun", "june", "juin", "juni", "czerwiec", "czerwca", "cze"),
    7: ("julio", "jul", "july", "juillet", "juil", "juli", "lipiec", "lipca", "lip"),
    8: ("agosto", "ago", "august", "aug", "août", "aout", "augustus", "sierpień", "sierpnia", "sie"),
    9: ("septiembre", "setiembre", "sep", "sept", "set", "september", "septembre", "wrzesień", "września",
        "wrz"),
    10: ("octubre", "oct", "october", "octobre", "oktober", "okt", "październik", "października", "paź"),
    11: ("noviembre", "nov", "november", "novembre", "listopad", "listopada", "lis"),
    12: ("diciembre", "dic", "december", "dec", "décembre", "déc", "dezember", "dez", "grudzień", "grudnia",
         "gru"),
}  # fmt: skip


def _fold(text: str) -> str:
    """Lower case without accents (`Février` → `fevrier`), as OCR often loses the accents."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ł", "l")


MONTHS: dict[str, int] = {}
for _number, _names in _MONTH_NAMES.items():
    for _name in _names:
        MONTHS[_name] = _number
        MONTHS[_fold(_name)] = _number

_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>\d{4}|\d{2})(?!\d)"
_DAY = r"(?P<day>[0-3]?\d)"

_PATTERNS = [
    # 2026-11-27
    re.compile(
        r"(?<![\d.,/-])(?P<year>\d{4})\s?[-/.]\s?(?P<month>[01]?\d)\s?[-/.]\s?(?P<day>[0-3]?\d)(?!\d)"
    ),
    # 27/11/2026, 27-11-26, 27.11.2026 (also 03/20/2023, month first when only that is valid)
    re.compile(rf"(?<![\d.,/]){_DAY}\s?(?P<sep>[-/.])\s?(?P<month>[0-3]?\d)\s?(?P=sep)\s?{_YEAR}"),
    # 27 de noviembre de 2026, 27 NOV 2026, 27-Nov-2026, 7. Mai 2014, 1er juillet 2015
    re.compile(
        rf"(?<!\d){_DAY}(?:\.|º|°|er|st|nd|rd|th)?\s*(?:de\s+|-|/)?\s*{_MONTH}"
        rf"(?![a-z])\s*(?:de\s+|del\s+|,|-|/|')?\s*{_YEAR}",
        re.IGNORECASE,
    ),
    # Nov 27, 2026, November 27, 2026, August 3 , 2014
    re.compile(
        rf"(?<![a-z]){_MONTH}\s*{_DAY}(?:st|nd|rd|th)?(?!\d)\s*,?\s*{_YEAR}",
        re.IGNORECASE,
    ),
]


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: ISO value and where it was printed."""

    iso: str
    start: int
    end: int


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _valid(year: int, month: int, day: int) -> str | None:
    if not 1970 <= year <= 2099:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> str | None:
    year = _year(match.group("year"))
    day = int(match.group("day"))
    month_text = match.group("month")
    if month_text.isdigit():
        month = int(month_text)
        if "sep" in match.re.groupindex and not 1 <= month <= 12:
            day, month = month, day  # 03/20/2023: only month-first is a date
        return _valid(year, month, day)
    month = MONTHS.get(month_text.lower()) or MONTHS.get(_fold(month_text))
    return _valid(year, month, day) if month else None


def find_dates(text: str) -> list[DateMatch]:
    """Every date in the text, in reading order (overlapping readings resolved by the earliest start)."""
    found: list[DateMatch] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            iso = _from_match(match)
            if iso and not any(d.start < match.end() and match.start() < d.end for d in found):
                found.append(DateMatch(iso, match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str) -> str | None:
    """The first date in the text as `YYYY-MM-DD`, or None."""
    dates = find_dates(text)
    return dates[0].iso if dates else None
