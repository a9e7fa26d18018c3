"""The network: word and character-n-gram embeddings, parallel convolutions, max and sum pooling, softmax.

Convolutions of a few widths find the short phrases that decide the class ("tras avería", "según plan");
max pooling says a phrase occurs, sum pooling how often, which decides mixed invoices (measured: see
docs/decisions.md). Only built-in layers and integer inputs, so the saved model loads without custom
objects and converts to LiteRT; padding is not masked (constant embeddings the convolutions ignore).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import keras
from keras import layers

from invoice_assets.ml.labels import LABELS
from invoice_assets.ml.vectorizer import TextVectorizer, VectorizerSizes

__all__ = ["LABELS", "CnnParams", "build_cnn"]


@dataclass(frozen=True)
class CnnParams:
    """Every hyperparameter of a training run: vectorizer, network and optimization, logged together."""

    # vectorizer
    max_vocabulary: int = 6000
    min_count: int = 2
    max_words: int = 384
    ngram_size: int = 3
    ngram_buckets: int = 8192
    ngrams_per_word: int = 12
    # network
    word_dim: int = 48
    ngram_dim: int = 32
    filters: int = 64
    kernel_sizes: tuple[int, ...] = (2, 3, 4)
    dropout: float = 0.4
    # optimization
    learning_rate: float = 2e-3
    batch_size: int = 32
    max_epochs: int = 30
    patience: int = 4

    def __post_init__(self) -> None:
        if not self.kernel_sizes or min(self.kernel_sizes) < 1:
            raise ValueError("kernel_sizes must be a non-empty tuple of positive widths")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")

    def as_dict(self) -> dict[str, Any]:
        """Flat, JSON-friendly values (kernel sizes as a list) for parameter logging."""
        values = asdict(self)
        values["kernel_sizes"] = list(self.kernel_sizes)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CnnParams:
        """The inverse of ``as_dict``; unknown keys are an error so a typo never goes unnoticed."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown CNN parameters: {sorted(unknown)}")
        data = dict(values)
        if "kernel_sizes" in data:
            data["kernel_sizes"] = tuple(data["kernel_sizes"])
        return cls(**data)

    def vectorizer_options(self) -> dict[str, int]:
        """The keyword arguments of ``TextVectorizer.fit`` these parameters call for."""
        return {
            "max_vocabulary": self.max_vocabulary,
            "min_count": self.min_count,
            "max_words": self.max_words,
            "ngram_size": self.ngram_size,
            "ngram_buckets": self.ngram_buckets,
            "ngrams_per_word": self.ngrams_per_word,
        }


def build_cnn(sizes: VectorizerSizes | TextVectorizer, params: CnnParams = CnnParams()) -> keras.Model:
    """A compiled model with inputs ``words`` ``[N, max_words]`` and ``ngrams`` ``[N, max_words,
    ngrams_per_word]`` (int32) and output ``[N, 2]`` probabilities in ``LABELS`` order."""
    if isinstance(sizes, TextVectorizer):
        sizes = sizes.sizes
    width, per_word = sizes.max_words, sizes.ngrams_per_word

    words = keras.Input(shape=(width,), dtype="int32", name="words")
    ngrams = keras.Input(shape=(width, per_word), dtype="int32", name="ngrams")

    word_vectors = layers.Embedding(sizes.vocabulary_size, params.word_dim, name="word_embedding")(words)
    gram_vectors = layers.Embedding(sizes.ngram_vocabulary_size, params.ngram_dim, name="ngram_embedding")(
        ngrams
    )
    # [N, words, n-grams, dim] → mean over each word's n-grams → [N, words, dim]
    gram_vectors = layers.AveragePooling2D(pool_size=(1, per_word), name="ngram_mean")(gram_vectors)
    gram_vectors = layers.Reshape((width, params.ngram_dim), name="word_ngrams")(gram_vectors)
    sequence = layers.Concatenate(name="token_vectors")([word_vectors, gram_vectors])

    pooled = []
    for k in params.kernel_sizes:
        conv = layers.Conv1D(params.filters, k, padding="same", activation="relu", name=f"conv{k}")(sequence)
        pooled.append(layers.GlobalMaxPooling1D(name=f"max{k}")(conv))
        # sum = mean x length; the mean alone is too small next to the max for the optimizer to use it
        mean = layers.GlobalAveragePooling1D(name=f"mean{k}")(conv)
        pooled.append(layers.Rescaling(float(width), name=f"sum{k}")(mean))
    features = layers.Concatenate(name="phrases")(pooled)
    features = layers.Dropout(params.dropout, name="dropout")(features)
    # The sums are in the hundreds, so the first epoch's loss is large (10-40) until the output weights
    # adapt; zero-initialized output weights were tried and rejected (docs/decisions.md).
    probabilities = layers.Dense(len(LABELS), activation="softmax", name="label")(features)

    model = keras.Model(inputs={"words": words, "ngrams": ngrams}, outputs=probabilities, name="invoice_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=params.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
