"""``detect_language``: Spanish, English or something else, from the share of each language's stopwords.

A heuristic, not a language-identification model: the drift report only needs to notice a week that is
suddenly mostly English, and function words survive OCR well. Function words of neighbouring languages
count for ``other``; only the first ``_PREFIX`` characters are read. The reasoning: docs/decisions.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Literal

Language = Literal["es", "en", "other"]

_PREFIX = 3000
_MIN_HITS = 3
"""Fewer stopwords than this (an empty page, a table of numbers): ``other``."""
_MIN_SHARE = 0.6
"""The winning language must hold this share of the stopwords found, else the text is mixed: ``other``."""

_SPANISH = """
de del la las el los lo un una unos unas y que en con por para sin sobre entre hasta desde segun
al se su sus es son esta este estos estas ese esa como mas pero muy ya tambien cuando donde
factura fecha cliente importe cantidad precio descripcion iva base imponible pago vencimiento
forma transferencia concepto unidades servicio reparacion mantenimiento pedido albaran numero
"""
_ENGLISH = """
the of and or to in on with by for from at as is are was were be been this that these those it its
an but not which when where also into than then there their our your we you
invoice date customer amount quantity price description tax vat due payment bill ship order
number service repair maintenance terms subtotal unit qty each
"""
_OTHER = """
le les des et est pour avec une dans sur au aux du qui ne pas facture montant
der die das und ist mit fur von zu ein eine nicht rechnung datum betrag
il di che per sono della nella gli fattura
os as ao aos da das dos em um uma nao com fatura
els les amb per pel dels una factura import
"""
# A word in several lists ("un", "la", "per", "as"...) belongs to the last one applied: Spanish, then English,
# win over "other", so a shared word never pushes a Spanish or English invoice towards "other".
_LANGUAGE: dict[str, str] = {}
for _language, _words in (("other", _OTHER), ("en", _ENGLISH), ("es", _SPANISH)):
    _LANGUAGE.update(dict.fromkeys(_words.split(), _language))

_WORD = re.compile(r"[a-z]+")


def detect_language(text: str | None) -> Language:
    """``"es"``, ``"en"`` or ``"other"`` (also empty, missing or mixed texts); see the module docstring."""
    if not text:
        return "other"
    prefix = unicodedata.normalize("NFKD", text[:_PREFIX].lower()).encode("ascii", "ignore").decode("ascii")
    hits = Counter(map(_LANGUAGE.get, _WORD.findall(prefix)))
    hits.pop(None, None)
    total = sum(hits.values())
    if total < _MIN_HITS:
        return "other"
    language, count = hits.most_common(1)[0]
    if language == "other" or count < _MIN_SHARE * total:
        return "other"
    return "es" if language == "es" else "en"
