"""Synthetic weeks of invoice rows, with the drifts a mill's data can go through, for tests and benchmarks.

Realistic enough to exercise every test as production data would: lognormal totals with Spanish VAT, a
Zipf-like spread over 30 suppliers, mostly Spanish invoices, a few lines each, OCR confidences near 90,
beta-distributed probabilities, missing fields and OCR texts with some garbage. ``Population`` describes
where rows come from; each field away from its default is one kind of drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from invoice_assets.drift.tokens import words

SUPPLIERS = 30
NEW_SUPPLIER = "Hilaturas Nuevas SL"

_SPANISH = """
factura fecha cliente proveedor importe cantidad precio unitario descripcion iva base imponible total
forma pago transferencia vencimiento telar urdidor continua hiladora cardadora bobinadora tricotosa
rodamiento correa motor reductor variador sensor cilindro peine lanzadera engrase lubricacion revision
sustitucion ajuste calibracion inspeccion reparacion averia urgente parada fuga ruido vibracion plan
mantenimiento preventivo correctivo contrato visita trimestral semestral horas segun tras rotura cambio
de la el los las del con por para en sin y un una nave planta seccion tejeduria hilatura acabados tinte
mano obra desplazamiento tecnico material repuesto junta filtro aceite grasa tornillo soporte eje polea
"""
_ENGLISH = """
invoice date customer supplier amount quantity unit price description vat tax base total payment terms
transfer due loom warper spinning frame carding winder knitting bearing belt motor gearbox drive sensor
cylinder reed shuttle greasing lubrication inspection replacement adjustment calibration repair breakdown
urgent stop leak noise vibration plan maintenance preventive corrective contract visit quarterly hours
according after broken change the of with for in without and a an plant section weaving finishing dyeing
labour travel technician material spare part seal filter oil grease screw bracket shaft pulley service
"""
SPANISH_WORDS: tuple[str, ...] = tuple(_SPANISH.split())
ENGLISH_WORDS: tuple[str, ...] = tuple(_ENGLISH.split())
VOCABULARY: frozenset[str] = frozenset(SPANISH_WORDS + ENGLISH_WORDS)
"""The words a model trained on this population knows; garbage words are outside it."""


@dataclass(frozen=True)
class Population:
    """Where a week's invoices come from; the defaults are the reference population."""

    english_share: float = 0.15
    total_factor: float = 1.0
    new_supplier_share: float = 0.0
    garbage_share: float = 0.02
    """Share of OCR garbage among the words of a text (misreads outside the vocabulary)."""
    probability_beta: tuple[float, float] = (4.0, 1.5)
    """Beta parameters of the probability's excess over 0.5 (the model's confidence in its label)."""
    missing_share: float = 0.02


SHIFTS: dict[str, tuple[Population, tuple[str, ...]]] = {
    "totals x1.5": (Population(total_factor=1.5), ("total", "subtotal")),
    "new supplier at 40%": (Population(new_supplier_share=0.4), ("supplier",)),
    "80% English": (Population(english_share=0.8), ("language", "token_distribution")),
    "probability shift": (Population(probability_beta=(2.0, 2.0)), ("probability",)),
    "OOV increase": (Population(garbage_share=0.12), ("oov_share",)),
}
"""Injected drifts for the tests and the benchmark: the population, and the features it moves."""


def invoice_rows(count: int, rng: np.random.Generator, population: Population = Population()) -> pd.DataFrame:
    """``count`` invoices from ``population``: every column the drift report reads, with some missing."""
    english = rng.random(count) < population.english_share
    weights = 1.0 / np.arange(1, SUPPLIERS + 1) ** 1.1
    suppliers = np.array([f"Proveedor {i:02d}" for i in range(1, SUPPLIERS + 1)], dtype=object)
    supplier = suppliers[rng.choice(SUPPLIERS, size=count, p=weights / weights.sum())]
    supplier[rng.random(count) < population.new_supplier_share] = NEW_SUPPLIER
    currency = np.where(
        english,
        rng.choice(["EUR", "USD", "GBP"], size=count, p=[0.6, 0.25, 0.15]),
        rng.choice(["EUR", "USD"], size=count, p=[0.97, 0.03]),
    )
    total = np.round(rng.lognormal(6.5, 0.9, count) * population.total_factor, 2)
    n_lines = 1 + rng.poisson(3, count)
    texts = _texts(n_lines, english, population.garbage_share, rng)
    label = np.where(rng.random(count) < 0.55, "corrective", "preventive")
    frame = pd.DataFrame(
        {
            "total": total,
            "subtotal": np.round(total / 1.21, 2),
            "n_lines": n_lines,
            "text_length": [len(text) for text in texts],
            "ocr_confidence": np.round(100 * rng.beta(18, 2, count), 1),
            "probability": 0.5 + 0.5 * rng.beta(*population.probability_beta, count),
            "supplier": supplier,
            "currency": currency,
            "language": np.where(english, "en", "es"),
            "predicted_label": label,
            "text": texts,
        }
    )
    for column in ("total", "subtotal", "ocr_confidence", "supplier", "currency"):
        frame.loc[rng.random(count) < population.missing_share, column] = None
    return frame


def _texts(
    n_lines: np.ndarray, english: np.ndarray, garbage_share: float, rng: np.random.Generator
) -> list[str]:
    """One OCR text per invoice: about 20 header words plus about 6 per line, Zipf-weighted, some garbled."""
    lengths = 20 + 6 * n_lines + rng.integers(0, 6, len(n_lines))
    texts = []
    for language_words, rows in ((ENGLISH_WORDS, english), (SPANISH_WORDS, ~english)):
        weights = 1.0 / np.arange(1, len(language_words) + 1) ** 0.8
        drawn = rng.choice(len(language_words), size=int(lengths[rows].sum()), p=weights / weights.sum())
        vocabulary = np.array(language_words, dtype=object)[drawn]
        garbled = rng.random(len(vocabulary)) < garbage_share
        vocabulary[garbled] = [_garble(word, rng) for word in vocabulary[garbled]]
        texts.append(np.split(vocabulary, np.cumsum(lengths[rows])[:-1]))
    english_texts, spanish_texts = iter(texts[0]), iter(texts[1])
    return [
        " ".join(next(english_texts) if is_english else next(spanish_texts))
        + f" {i:05d} {100 + i % 900},00 EUR"
        for i, is_english in enumerate(english)
    ]


def _garble(word: str, rng: np.random.Generator) -> str:
    """An OCR misread: a stray letter inside the word and one at its end, so never in ``VOCABULARY``."""
    position = int(rng.integers(len(word)))
    return word[:position] + "q" + word[position:] + "x"


def oov_share_function(vocabulary: frozenset[str] = VOCABULARY) -> Callable[[Sequence[str]], np.ndarray]:
    """An ``oov_share`` callable like the model vectorizer's: per text, the share of words outside it."""

    def oov_share(texts: Sequence[str]) -> np.ndarray:
        shares = np.zeros(len(texts))
        for i, text in enumerate(texts):
            tokens = words(text)
            if tokens:
                shares[i] = sum(token not in vocabulary for token in tokens) / len(tokens)
        return shares

    return oov_share
