"""The classifier's domain core: split, tokens, vectorizer, CNN, baseline, metrics.

Texts come from the synthetic generator's content laid out as printed (``compose`` + ``page_text``, what a
perfect OCR would read), so the model has to learn the generator's real cues, not hand-picked keywords.
The CNN is trained once per module, small and for a few epochs, to keep the file fast on two cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hashlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from invoice_assets.ml.labels import LABELS, label_ids
from invoice_assets.ml.metrics import confusion_matrix_png, evaluate, metrics_from_confusion
from invoice_assets.ml.split import assign_split
from invoice_assets.ml.text import NUMBER, char_ngrams, normalize, tokens
from invoice_assets.ml.vectorizer import OOV, PAD, TextVectorizer, VectorizerSizes
from invoice_assets.synth import invoice_content
from invoice_assets.synth.render import compose, page_text
from invoice_assets.synth.style import house_style

SMALL = dict(
    max_words=256,
    word_dim=32,
    ngram_dim=16,
    filters=32,
    max_epochs=8,
    patience=3,
    batch_size=32,
    learning_rate=3e-3,
)


def printed_texts(seed: int, count: int) -> tuple[list[str], list[str]]:
    """The full printed text and label of ``count`` generated invoices (no rendering, no OCR)."""
    texts, labels = [], []
    for index in range(count):
        invoice = invoice_content(seed, index)
        texts.append(page_text(compose(invoice, house_style(invoice.supplier))))
        labels.append(invoice.label)
    return texts, labels


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[list[str], list[str]]]:
    """Train, validation and held-out test invoices from three different generator seeds."""
    return {
        "train": printed_texts(701, 260),
        "validation": printed_texts(702, 60),
        "test": printed_texts(703, 160),
    }


@pytest.fixture(scope="module")
def trained(corpus):
    from invoice_assets.ml.model import CnnParams
    from invoice_assets.ml.train import train_cnn

    epochs: list[tuple[int, dict[str, float]]] = []
    result = train_cnn(
        *corpus["train"],
        *corpus["validation"],
        CnnParams(**SMALL),
        seed=5,
        on_epoch_end=lambda epoch, logs: epochs.append((epoch, logs)),
    )
    return result, epochs


# -- split ----------------------------------------------------------------------------------------


def test_split_is_stable_and_roughly_proportional():
    digests = [hashlib.sha256(f"document {i}".encode()).hexdigest() for i in range(4000)]
    first = [assign_split(d) for d in digests]
    again = [assign_split(d) for d in reversed(digests)][::-1]
    assert first == again
    assert [assign_split(d.upper()) for d in digests[:50]] == first[:50]
    counts = Counter(first)
    assert abs(counts["train"] / 4000 - 0.70) < 0.03
    assert abs(counts["validation"] / 4000 - 0.15) < 0.03
    assert abs(counts["test"] / 4000 - 0.15) < 0.03
    # growing validation never moves a test document
    wider = [assign_split(d, validation=0.3) for d in digests]
    assert all(w == "test" for f, w in zip(first, wider, strict=True) if f == "test")


def test_split_rejects_impossible_shares():
    with pytest.raises(ValueError):
        assign_split("ab" * 32, validation=0.6, test=0.4)
    with pytest.raises(ValueError):
        assign_split("")


# -- text and vectorizer --------------------------------------------------------------------------


def test_tokens_fold_accents_and_collapse_numbers():
    assert normalize("Revisión Nº 4 ÁREA") == "revision no 4 area"
    assert tokens("Sustitución de rodamiento: 1.234,56 € (18/08/2024) cada 4.000 h") == [
        "sustitucion", "de", "rodamiento", NUMBER, "cada", NUMBER, "h",
    ]  # fmt: skip
    assert char_ngrams("eje") == ["<ej", "eje", "je>"]
    assert char_ngrams("a") == ["<a>"]


def test_vectorizer_round_trip_gives_identical_encodings(corpus):
    texts = corpus["train"][0][:80]
    vectorizer = TextVectorizer.fit(texts, max_vocabulary=300, max_words=128, ngram_buckets=1024)
    restored = TextVectorizer.from_dict(json.loads(json.dumps(vectorizer.to_dict())))
    assert restored == vectorizer
    original, again = vectorizer.encode(texts), restored.encode(texts)
    assert set(original) == {"words", "ngrams"}
    assert original["words"].shape == (80, 128) and original["words"].dtype == np.int32
    assert (
        original["ngrams"].shape == (80, 128, vectorizer.ngrams_per_word)
        and original["ngrams"].dtype == np.int32
    )
    for name in original:
        np.testing.assert_array_equal(original[name], again[name])
    assert original["words"].max() < vectorizer.sizes.vocabulary_size
    assert original["ngrams"].max() < vectorizer.sizes.ngram_vocabulary_size
    with pytest.raises(ValueError):
        TextVectorizer.from_dict({**vectorizer.to_dict(), "format": "something else"})


def test_vectorizer_ids_padding_and_oov():
    vectorizer = TextVectorizer.fit(["motor roto motor", "motor roto", "correa"], min_count=2, max_words=5)
    assert vectorizer.vocabulary == ("motor", "roto")  # "correa" is in one text only
    encoded = vectorizer.encode(["Motor ROTO correa", ""])
    assert encoded["words"].tolist() == [[2, 3, OOV, PAD, PAD], [PAD] * 5]
    assert (encoded["ngrams"][0, :3] != PAD).any(axis=1).all()  # every real word has n-grams, OOV too
    assert (encoded["ngrams"][0, 3:] == PAD).all() and (encoded["ngrams"][1] == PAD).all()
    # numbers are not words: they count neither way
    np.testing.assert_allclose(
        vectorizer.oov_share(["motor correa 1.200,00", "roto", "", "12 34"]), [0.5, 0, 0, 0]
    )


def test_ngrams_survive_an_ocr_slip():
    vectorizer = TextVectorizer()
    right, slipped = set(vectorizer.ngram_ids("rodamiento")), set(vectorizer.ngram_ids("rodamlento"))
    assert len(right & slipped) >= len(right) // 2


# -- CNN --------------------------------------------------------------------------------------------


def test_cnn_has_integer_inputs_only_and_params_round_trip():
    import keras

    from invoice_assets.ml.model import CnnParams, build_cnn

    params = CnnParams(**SMALL)
    assert CnnParams.from_dict(json.loads(json.dumps(params.as_dict()))) == params
    model = build_cnn(VectorizerSizes(100, 65, 20, 6), replace(params, kernel_sizes=(2, 3)))
    assert {t.name: t.dtype for t in model.inputs} == {"words": "int32", "ngrams": "int32"}
    assert tuple(model.output.shape) == (None, len(LABELS))
    x = {"words": np.ones((3, 20), np.int32), "ngrams": np.ones((3, 20, 6), np.int32)}
    np.testing.assert_allclose(np.asarray(model.predict_on_batch(x)).sum(axis=1), 1.0, rtol=1e-5)
    assert isinstance(model, keras.Model)


def test_class_weights_balance_the_training_labels():
    from invoice_assets.ml.train import class_weights

    weights = class_weights(["corrective"] * 3 + ["preventive"])
    assert weights == pytest.approx({0: 4 / 6, 1: 2.0})
    assert class_weights(["preventive"] * 2) == {0: 1.0, 1: 1.0}
    with pytest.raises(ValueError):
        label_ids(["corrective", "urgent"])


def test_cnn_trains_and_beats_chance_on_held_out_invoices(corpus, trained):
    from invoice_assets.ml.train import predict_labels, predict_proba

    result, epochs = trained
    assert 1 <= result.epochs_run <= SMALL["max_epochs"]
    assert 1 <= result.best_epoch <= result.epochs_run
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(result.history)
    assert all(len(values) == result.epochs_run for values in result.history.values())
    assert [epoch for epoch, _ in epochs] == list(range(result.epochs_run))
    assert all(isinstance(value, float) for _, logs in epochs for value in logs.values())
    # the vectorizer saw the training texts only
    assert result.vectorizer == TextVectorizer.fit(corpus["train"][0], **_vectorizer_options())

    texts, labels = corpus["test"]
    metrics = evaluate(labels, predict_labels(result.model, result.vectorizer, texts))
    assert metrics.macro_f1 > 0.75, metrics.as_flat_dict()

    whole = predict_proba(result.model, result.vectorizer, texts, batch_size=512)
    batched = predict_proba(result.model, result.vectorizer, texts, batch_size=7)
    assert whole.shape == (len(texts), 2)
    np.testing.assert_allclose(whole, batched, atol=1e-5)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-5)
    assert predict_proba(result.model, result.vectorizer, []).shape == (0, 2)


def test_saved_cnn_loads_without_custom_objects(corpus, trained, tmp_path: Path):
    import keras

    from invoice_assets.ml.train import predict_proba

    result, _ = trained
    result.model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    texts = corpus["test"][0][:20]
    np.testing.assert_allclose(
        predict_proba(loaded, result.vectorizer, texts),
        predict_proba(result.model, result.vectorizer, texts),
        atol=1e-6,
    )


def _vectorizer_options() -> dict[str, int]:
    from invoice_assets.ml.model import CnnParams

    return CnnParams(**SMALL).vectorizer_options()


# -- baseline -----------------------------------------------------------------------------------


def test_baseline_trains_and_keeps_the_label_order(corpus):
    from invoice_assets.ml.baseline import predict, predict_proba, train_baseline

    pipeline = train_baseline(*corpus["train"], seed=3)
    texts, labels = corpus["test"]
    predicted = predict(pipeline, texts)
    assert set(predicted) <= set(LABELS)
    assert evaluate(labels, predicted).macro_f1 > 0.75
    probabilities = predict_proba(pipeline, texts)
    assert [LABELS[i] for i in probabilities.argmax(axis=1)] == predicted


# -- metrics ----------------------------------------------------------------------------------------


def test_metrics_on_a_known_confusion():
    y_true = ["corrective"] * 4 + ["preventive"] * 6
    y_pred = ["corrective"] * 3 + ["preventive"] + ["corrective"] * 2 + ["preventive"] * 4
    metrics = evaluate(y_true, y_pred)
    assert metrics.confusion == [[3, 1], [2, 4]]
    assert metrics.precision == pytest.approx({"corrective": 3 / 5, "preventive": 4 / 5})
    assert metrics.recall == pytest.approx({"corrective": 3 / 4, "preventive": 4 / 6})
    f1_c, f1_p = 2 * 0.6 * 0.75 / 1.35, 2 * 0.8 * (4 / 6) / (0.8 + 4 / 6)
    assert metrics.macro_f1 == pytest.approx((f1_c + f1_p) / 2)
    assert metrics.accuracy == pytest.approx(0.7)
    assert metrics.support == {"corrective": 4, "preventive": 6}
    flat = metrics.as_flat_dict()
    assert flat["macro_f1"] == metrics.macro_f1
    assert flat["precision_corrective"] == pytest.approx(0.6)
    assert flat["recall_preventive"] == pytest.approx(4 / 6)
    assert all(isinstance(value, float) for value in flat.values())
    assert metrics_from_confusion(metrics.confusion) == metrics


def test_metrics_never_divide_by_zero_and_reject_unknown_labels():
    metrics = evaluate(["corrective", "corrective"], ["corrective", "corrective"])
    assert metrics.precision["preventive"] == 0.0 and metrics.f1["corrective"] == 1.0
    with pytest.raises(ValueError):
        evaluate(["corrective"], ["broken"])


def test_confusion_matrix_png():
    png = confusion_matrix_png([[3, 1], [2, 4]], LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000


def test_training_is_reproducible_with_a_seed(corpus):
    from invoice_assets.ml.model import CnnParams
    from invoice_assets.ml.train import predict_proba, train_cnn

    tiny = CnnParams(**{**SMALL, "max_words": 64, "filters": 8, "max_epochs": 2, "patience": 1})
    texts, labels = corpus["train"][0][:60], corpus["train"][1][:60]
    runs = [train_cnn(texts, labels, texts[:20], labels[:20], tiny, seed=11) for _ in range(2)]
    assert runs[0].history.keys() == runs[1].history.keys()
    for name, values in runs[0].history.items():
        np.testing.assert_allclose(values, runs[1].history[name], rtol=1e-5)
    np.testing.assert_allclose(
        predict_proba(runs[0].model, runs[0].vectorizer, texts[:10]),
        predict_proba(runs[1].model, runs[1].vectorizer, texts[:10]),
        atol=1e-5,
    )
