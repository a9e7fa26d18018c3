"""Frame columns → the clean arrays the tests compare: missing and unreadable values dropped per feature.

Invoices come from OCR, so any field can be missing (``None``/``NaN``) or garbage (a total read as
``"12,5O"``); a missing value says nothing about the distribution, so each feature simply drops its own
missing values instead of dropping whole rows.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd


def numeric_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Finite float values of ``column``; non-numbers, NaN and infinities dropped."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return values[np.isfinite(values)]


def category_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Non-missing values of ``column`` as strings (``1`` and ``"1"`` are the same category)."""
    series = frame[column].dropna()
    return series.astype(str).to_numpy(dtype=object)


def text_values(frame: pd.DataFrame, column: str, *, limit: int, seed: int) -> tuple[list[str], int]:
    """Non-missing texts of ``column``, a seeded sample of at most ``limit``, and how many there were.

    The sample keeps row order and depends only on the seed and the number of texts, so the report and
    its plots see the same texts.
    """
    texts = [str(text) for text in frame[column].dropna().tolist()]
    total = len(texts)
    if total <= limit:
        return texts, total
    keep = np.sort(rng_for(seed, f"texts:{column}:{total}").choice(total, size=limit, replace=False))
    return [texts[i] for i in keep], total


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A generator for one named use: reproducible, and independent of the order features are tested in."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
