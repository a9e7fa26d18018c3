"""Texts → fixed-size integer arrays for the CNN, fitted on training texts and saved beside the model.

Tokenization lives outside the network (why: docs/decisions.md), so this JSON-serializable object is the
other half of every model. Two aligned views of a text's first ``max_words`` tokens: ``words``, ids in a
vocabulary counted by document frequency (``0`` padding, ``1`` out of vocabulary), and ``ngrams``, each
token's character n-grams hashed with CRC-32 into ``ngram_buckets`` ids (``0`` padding).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from invoice_assets.ml.text import NUMBER, char_ngrams, tokens

FORMAT = "invoice-text-vectorizer/1"
PAD = 0
OOV = 1
_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class VectorizerSizes:
    """What the network needs to know about the vectorizer: input shapes and id ranges."""

    vocabulary_size: int
    """Number of word ids, padding and OOV included."""
    ngram_vocabulary_size: int
    """Number of n-gram ids, padding included."""
    max_words: int
    ngrams_per_word: int


class TextVectorizer:
    """Word ids and per-word hashed character n-grams; see the module docstring for why."""

    def __init__(
        self,
        vocabulary: Sequence[str] = (),
        *,
        max_words: int = 384,
        ngram_size: int = 3,
        ngram_buckets: int = 8192,
        ngrams_per_word: int = 12,
    ) -> None:
        if min(max_words, ngram_size, ngram_buckets, ngrams_per_word) < 1:
            raise ValueError("vectorizer sizes must be positive")
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("vocabulary words must be unique")
        self.vocabulary: tuple[str, ...] = tuple(vocabulary)
        self.max_words = int(max_words)
        self.ngram_size = int(ngram_size)
        self.ngram_buckets = int(ngram_buckets)
        self.ngrams_per_word = int(ngrams_per_word)
        self._ids = {word: i for i, word in enumerate(self.vocabulary, start=2)}
        self._cache: dict[str, tuple[int, bytes]] = {}

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, max_vocabulary: int = 6000, min_count: int = 2, **sizes: int
    ) -> TextVectorizer:
        """Keep the ``max_vocabulary`` words found in the most texts (at least ``min_count`` of them).

        ``min_count`` keeps one-off OCR garbage out of the vocabulary; ties go alphabetically so fitting
        is deterministic.
        """
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(tokens(text)))
        ranked = sorted((word for word, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls(ranked[:max_vocabulary], **sizes)

    # -- sizes and serialization ------------------------------------------------------------------

    @property
    def sizes(self) -> VectorizerSizes:
        return VectorizerSizes(
            vocabulary_size=len(self.vocabulary) + 2,
            ngram_vocabulary_size=self.ngram_buckets + 1,
            max_words=self.max_words,
            ngrams_per_word=self.ngrams_per_word,
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild this vectorizer; plain JSON types only."""
        return {
            "format": FORMAT,
            "max_words": self.max_words,
            "ngram_size": self.ngram_size,
            "ngram_buckets": self.ngram_buckets,
            "ngrams_per_word": self.ngrams_per_word,
            "vocabulary": list(self.vocabulary),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextVectorizer:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} vectorizer: format {data.get('format')!r}")
        return cls(
            data["vocabulary"],
            max_words=data["max_words"],
            ngram_size=data["ngram_size"],
            ngram_buckets=data["ngram_buckets"],
            ngrams_per_word=data["ngrams_per_word"],
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextVectorizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(
            (self.vocabulary, self.max_words, self.ngram_size, self.ngram_buckets, self.ngrams_per_word)
        )

    def __repr__(self) -> str:
        return (
            f"TextVectorizer({len(self.vocabulary)} words, max_words={self.max_words}, "
            f"{self.ngram_size}-grams in {self.ngram_buckets} buckets, {self.ngrams_per_word} per word)"
        )

    # -- encoding ---------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """The word tokens ``encode`` sees (before truncation to ``max_words``)."""
        return tokens(text)

    def word_id(self, word: str) -> int:
        return self._ids.get(word, OOV)

    def ngram_ids(self, word: str) -> list[int]:
        """The hashed n-gram ids of ``word`` (at most ``ngrams_per_word``, in order, never 0)."""
        grams = char_ngrams(word, self.ngram_size)[: self.ngrams_per_word]
        return [zlib.crc32(gram.encode()) % self.ngram_buckets + 1 for gram in grams]

    def _encoded_word(self, word: str) -> tuple[int, bytes]:
        """Word id and its padded n-gram row as raw int32 bytes, memoized: words repeat a lot across
        invoices, and joining bytes is far cheaper than filling numpy rows one by one."""
        found = self._cache.get(word)
        if found is None:
            row = np.zeros(self.ngrams_per_word, dtype=np.int32)
            ids = self.ngram_ids(word)
            row[: len(ids)] = ids
            found = (self.word_id(word), row.tobytes())
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = found
        return found

    def encode(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """``{"words": int32 [N, max_words], "ngrams": int32 [N, max_words, ngrams_per_word]}``."""
        count, width, per_word = len(texts), self.max_words, self.ngrams_per_word
        words = np.zeros((count, width), dtype=np.int32)
        ngrams = np.zeros((count, width, per_word), dtype=np.int32)
        for i, text in enumerate(texts):
            encoded = [self._encoded_word(word) for word in tokens(text)[:width]]
            if not encoded:
                continue
            n = len(encoded)
            words[i, :n] = [word_id for word_id, _ in encoded]
            ngrams[i, :n] = np.frombuffer(b"".join(row for _, row in encoded), dtype=np.int32).reshape(
                n, per_word
            )
        return {"words": words, "ngrams": ngrams}

    def oov_share(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the share of its words (numbers excluded) outside the vocabulary; 0.0 with no words.

        Over the whole text, not just the encoded part: it is a data-quality signal (bad scans, a new
        supplier's wording) for the drift report, not a description of the network's input.
        """
        shares = np.zeros(len(texts), dtype=np.float64)
        for i, text in enumerate(texts):
            words = [word for word in tokens(text) if word != NUMBER]
            if words:
                shares[i] = sum(word not in self._ids for word in words) / len(words)
        return shares
