"""The OCR text's word distribution: has what the invoices *say* moved (new wording, another language)?

Each side becomes one count vector over the ``top_tokens`` most frequent tokens plus an ``other`` bucket,
compared by Jensen-Shannon distance. The invoice, not the token, is the unit: up to ``small_sample_max``
invoices per side a permutation test of whole invoices gives the p-value; above that the distance meets
``js_threshold`` or its chance floor (see ``chance``). Why: docs/decisions.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon

from invoice_assets.drift.categorical import js_distance_rows
from invoice_assets.drift.chance import (
    chance_floor,
    distance_drift,
    relabellings,
    subsample,
)
from invoice_assets.drift.config import TOKEN_FEATURE, DriftConfig
from invoice_assets.drift.result import FeatureDrift
from invoice_assets.drift.values import rng_for

Tokenizer = Callable[[str], list[str]]

OTHER = "<other>"
"""The bucket of every token outside the most frequent ones."""

PERMUTATION = "jensen_shannon_permutation"
JENSEN_SHANNON = "jensen_shannon"

_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """Lowercase runs of letters (any alphabet, accents kept); digits and punctuation separate them.

    The default tokenizer: numbers are left out because amounts and dates differ on every invoice and
    say nothing about the wording. Pass the model's own tokenizer to see the text as the model does.
    """
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class TokenCounts:
    """Per-invoice token counts of both sides over the same buckets (the last one is ``OTHER``)."""

    buckets: tuple[str, ...]
    reference: np.ndarray
    """``[reference invoices, buckets]`` counts."""
    current: np.ndarray
    """``[current invoices, buckets]`` counts."""


def token_counts(
    reference_texts: Sequence[str], current_texts: Sequence[str], *, tokens: Tokenizer | None, top: int
) -> TokenCounts:
    """Tokenize both sides (the only per-text Python loop) and count per invoice, vectorized after that."""
    tokenize = tokens or words
    documents = [tokenize(text) for text in chain(reference_texts, current_texts)]
    lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
    flat = np.fromiter(chain.from_iterable(documents), dtype=object, count=int(lengths.sum()))
    codes, uniques = pd.factorize(flat)
    frequency = np.bincount(codes, minlength=len(uniques))
    chosen = _most_frequent(frequency, uniques, top)
    lookup = np.full(len(uniques), len(chosen), dtype=np.int64)
    lookup[chosen] = np.arange(len(chosen))
    width = len(chosen) + 1
    document = np.repeat(np.arange(len(documents)), lengths)
    counts = np.bincount(document * width + lookup[codes], minlength=len(documents) * width)
    counts = counts.reshape(len(documents), width)
    buckets = (*(str(uniques[i]) for i in chosen), OTHER)
    n_ref = len(reference_texts)
    return TokenCounts(buckets, counts[:n_ref], counts[n_ref:])


def _most_frequent(frequency: np.ndarray, uniques: np.ndarray, top: int) -> np.ndarray:
    """Indices of the ``top`` most frequent tokens, ties broken alphabetically so the choice is stable."""
    if len(frequency) <= top:
        candidates = np.arange(len(frequency))
    else:
        cutoff = np.partition(frequency, len(frequency) - top)[len(frequency) - top]
        candidates = np.flatnonzero(frequency >= cutoff)
    ranked = sorted(candidates.tolist(), key=lambda i: (-frequency[i], str(uniques[i])))
    return np.array(ranked[:top], dtype=np.int64)


def token_drift(counts: TokenCounts, *, level: float, config: DriftConfig) -> FeatureDrift:
    """Compare the token shares of both sides at the feature's test ``level``.

    Both sides must have at least one token (the caller reports the feature as skipped otherwise).
    """
    n_ref, n_cur = len(counts.reference), len(counts.current)
    distance = float(jensenshannon(counts.reference.sum(axis=0), counts.current.sum(axis=0), base=2))
    rng = rng_for(config.seed, TOKEN_FEATURE)
    if max(n_ref, n_cur) <= config.small_sample_max:
        null = relabelled_token_js(counts.reference, counts.current, config.permutations, rng)
        p_value = (1 + int(np.sum(null >= distance - 1e-12))) / (len(null) + 1)
        return FeatureDrift(
            TOKEN_FEATURE, "text", PERMUTATION, distance, p_value, level, p_value < level, n_ref, n_cur
        )
    reference = subsample(counts.reference, config.small_sample_max, rng)
    current = subsample(counts.current, config.small_sample_max, rng)
    null = relabelled_token_js(reference, current, config.permutations, rng)
    floor = chance_floor(null, level, (n_ref, n_cur), (len(reference), len(current)))
    return distance_drift(
        TOKEN_FEATURE,
        "text",
        JENSEN_SHANNON,
        distance,
        configured=config.js_threshold,
        floor=floor,
        sizes=(n_ref, n_cur),
    )


def relabelled_token_js(
    reference: np.ndarray, current: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """JS distance of the pooled token shares for ``count`` random relabellings of whole invoices.

    A relabelling whose side got no token at all (only possible with many empty texts) is dropped.
    """
    pooled = np.concatenate([reference, current]).astype(np.float64)
    labels = relabellings(len(reference), len(current), count, rng)
    current_sums = labels.astype(np.float64) @ pooled
    reference_sums = pooled.sum(axis=0) - current_sums
    usable = (current_sums.sum(axis=1) > 0) & (reference_sums.sum(axis=1) > 0)
    return js_distance_rows(reference_sums[usable], current_sums[usable])
