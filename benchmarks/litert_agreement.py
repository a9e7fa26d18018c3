"""LiteRT against Keras on the classifier benchmark's held-out invoices: label agreement, probability
difference and inference speed.

    .venv/bin/python benchmarks/litert_agreement.py                 # 1,000 invoices (cached OCR), seed 31337
    .venv/bin/python benchmarks/litert_agreement.py --count 200     # a quicker look

Uses the data of ``benchmarks/classifier.py`` (same generated inbox, same OCR cache under
``benchmarks/out/classifier/``, same split), trains the CNN once with the default parameters, exports it
with ``export_litert`` exactly as the ``invoice_classifier`` asset does, and compares the two on the test
split and on the same test invoices scanned worse. The target: agreement on at least 99.5% of
test labels. The baseline for speed is Keras's own batched ``predict_proba`` on the same texts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.classifier import SEED, log, prepare  # noqa: E402


def best_rate(predict: Callable[[Sequence[str]], object], texts: Sequence[str], repeat: int = 3) -> float:
    """Texts per second, best of ``repeat`` passes (after one warm-up pass)."""
    predict(texts)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        predict(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--train-seed", type=int, default=1)
    args = parser.parse_args(argv)

    parts = prepare(args.count, args.seed, 1.0, 2.0, workers=None)

    from invoice_assets.ml.litert import LiteRtClassifier, agreement, export_litert
    from invoice_assets.ml.model import CnnParams
    from invoice_assets.ml.train import predict_proba, train_cnn

    train, validation = parts["train"], parts["validation"]
    log(f"training the CNN on {len(train['texts'])} invoices")
    trained = train_cnn(
        train["texts"],
        train["labels"],
        validation["texts"],
        validation["labels"],
        CnnParams(),
        seed=args.train_seed,
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = export_litert(trained.model, Path(folder) / "network.tflite")
        export_seconds = time.perf_counter() - started
        size = path.stat().st_size
        litert = LiteRtClassifier(path.read_bytes(), trained.vectorizer)

    def keras_predict(texts: Sequence[str]) -> object:
        return predict_proba(trained.model, trained.vectorizer, texts)

    print(f"LiteRT export: {size / 1024 / 1024:.2f} MB in {export_seconds:.1f} s")
    for name in ("test", "worse"):
        texts = parts[name]["texts"]
        result = agreement(keras_predict(texts), litert.predict_proba(texts))
        print(
            f"{name:>5} split ({result.texts} invoices): labels agree on {result.share:.2%} "
            f"({round(result.share * result.texts)}/{result.texts}), largest probability difference "
            f"{result.max_abs_difference:.2e}"
        )
    texts = parts["test"]["texts"]
    keras_rate, litert_rate = best_rate(keras_predict, texts), best_rate(litert.predict_proba, texts)
    print(
        f"inference on {len(texts)} texts (vectorization included, 1 LiteRT thread): "
        f"Keras {keras_rate:,.0f}/s, LiteRT {litert_rate:,.0f}/s ({litert_rate / keras_rate:.2f}x)"
    )
    single = texts[:50]
    keras_one = best_rate(lambda ts: [keras_predict([t]) for t in ts], single)
    litert_one = best_rate(lambda ts: [litert.predict_proba([t]) for t in ts], single)
    print(f"one text per call (the online service): Keras {keras_one:,.0f}/s, LiteRT {litert_one:,.0f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
