"""Classifier quality and speed: the CNN against the TF-IDF baseline on freshly generated, OCR'd invoices.

    .venv/bin/python benchmarks/classifier.py                       # 1,000 invoices, seed 31337
    .venv/bin/python benchmarks/classifier.py --count 200           # a quicker look
    .venv/bin/python benchmarks/classifier.py --train-seed 2        # same data, another training seed
    .venv/bin/python benchmarks/classifier.py --prepare-only        # generate and OCR, fill the cache

What it does:

1. Generates ``--count`` invoices with ``--seed`` (31337: no test or other benchmark uses it) at
   ``--degradation`` (1.0, an ordinary office scan) and reads them through the real OCR pipeline
   (``ocr.reader.read_documents``, all cores). Splits them by sha256 (``ml.split.assign_split``): 30% test,
   70% for fitting (of which 10 points of the total are the CNN's early-stopping validation set; the
   baseline fits on the same training texts).
2. Generates the same invoices again at ``--robust-degradation`` (2.0: a bad fax) and OCRs only the
   test part: same content and labels, worse scans, to see how far F1 falls when production scans are
   worse than the training ones.
3. Trains the CNN and the baseline, prints macro F1 of both on both test sets, the CNN training time,
   and batched inference throughput (vectorization + network, OCR excluded).

Everything slow is cached under ``benchmarks/out/classifier/`` (gitignored): the generated inboxes (reused
when their ground truth is complete) and the OCR text of every file, keyed by the file's sha256, saved as
it goes so an interrupted run resumes. Delete the folder to start over (for instance after the generator
changed). Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from invoice_assets.ml.split import assign_split  # noqa: E402
from invoice_assets.ocr.reader import DocumentText, read_documents  # noqa: E402
from invoice_assets.ocr.tesseract import OcrSettings  # noqa: E402
from invoice_assets.synth import generate_inbox, read_ground_truth  # noqa: E402

SEED = 31337
OUT = ROOT / "benchmarks" / "out" / "classifier"
VALIDATION_SHARE = 0.10
TEST_SHARE = 0.30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Data: generated inboxes and their OCR text, cached
# --------------------------------------------------------------------------------------------------


def inbox(count: int, seed: int, degradation: float) -> tuple[Path, list[dict[str, Any]]]:
    """The generated inbox for these parameters (generated once) and its ground-truth rows."""
    folder = OUT / f"inbox-s{seed}-n{count}-d{degradation:g}"
    truth_csv = folder / "ground_truth.csv"
    if truth_csv.exists():
        rows = read_ground_truth(truth_csv)
        if len(rows) == count and all((folder / row["file"]).exists() for row in rows):
            return folder, rows
    log(f"generating {count} invoices (seed {seed}, degradation {degradation:g}) in {folder}")
    started = time.perf_counter()
    generated = generate_inbox(folder, count, seed, degradation=degradation)
    log(f"  generated in {time.perf_counter() - started:.0f} s")
    return folder, read_ground_truth(generated.ground_truth_csv)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ocr_texts(folder: Path, files: Sequence[str], workers: int | None) -> dict[str, str | None]:
    """The OCR text of each file (None when unreadable), reusing ``texts.json`` in the folder."""
    cache_file = folder / "texts.json"
    cache: dict[str, dict[str, Any]] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    shas = {name: sha256_of(folder / name) for name in files}
    todo = [folder / name for name in files if cache.get(name, {}).get("sha256") != shas[name]]
    if todo:
        log(f"OCR of {len(todo)} files in {folder.name} ({len(files) - len(todo)} cached)")
        started = time.perf_counter()
        for done, (path, result) in enumerate(read_documents(todo, OcrSettings(), workers=workers), 1):
            text = result.text if isinstance(result, DocumentText) else None
            cache[path.name] = {"sha256": shas[path.name], "text": text}
            if done % 25 == 0 or done == len(todo):
                cache_file.write_text(json.dumps(cache))
                rate = done / (time.perf_counter() - started)
                log(f"  {done}/{len(todo)} read ({rate:.2f} files/s)")
    return {name: cache[name]["text"] for name in files}


def prepare(
    count: int, seed: int, degradation: float, robust_degradation: float, workers: int | None
) -> dict[str, Any]:
    """Texts and labels of the train/validation/test parts, and the test part scanned worse."""
    folder, rows = inbox(count, seed, degradation)
    texts = ocr_texts(folder, [row["file"] for row in rows], workers)
    parts: dict[str, dict[str, list[str]]] = {
        name: {"files": [], "texts": [], "labels": []} for name in ("train", "validation", "test")
    }
    unreadable = 0
    for row in rows:
        text = texts[row["file"]]
        if text is None:
            unreadable += 1
            continue
        part = parts[assign_split(sha256_of(folder / row["file"]), VALIDATION_SHARE, TEST_SHARE)]
        part["files"].append(row["file"])
        part["texts"].append(text)
        part["labels"].append(row["label"])

    # Matched by index (the file stem): how an invoice is scanned, and so its file type, may differ
    # between the two inboxes; what it says, and so its label, may not.
    worse_folder, worse_rows = inbox(count, seed, robust_degradation)
    worse_by_stem = {Path(row["file"]).stem: row for row in worse_rows}
    test_rows = [worse_by_stem[Path(name).stem] for name in parts["test"]["files"]]
    if [row["label"] for row in test_rows] != parts["test"]["labels"]:
        raise RuntimeError("the degraded inbox has other labels: the generator changed; delete the cache")
    worse_texts = ocr_texts(worse_folder, [row["file"] for row in test_rows], workers)
    readable = [row for row in test_rows if worse_texts[row["file"]] is not None]
    parts["worse"] = {
        "files": [row["file"] for row in readable],
        "texts": [worse_texts[row["file"]] for row in readable],
        "labels": [row["label"] for row in readable],
    }
    parts["unreadable"] = unreadable + len(test_rows) - len(readable)  # type: ignore[assignment]
    return parts


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------


def throughput(
    model: Any, vectorizer: Any, texts: Sequence[str], batch_size: int, repeat: int
) -> tuple[float, float]:
    """Invoices per second through ``predict_proba`` (vectorization included): a cold pass (a fresh copy
    of the vectorizer, so its per-word cache is empty) and the best of ``repeat`` warm passes."""
    from invoice_assets.ml.train import predict_proba
    from invoice_assets.ml.vectorizer import TextVectorizer

    warm_up = TextVectorizer.from_dict(vectorizer.to_dict())
    predict_proba(model, warm_up, texts[:batch_size], batch_size=batch_size)  # traces the predict function
    cold = TextVectorizer.from_dict(vectorizer.to_dict())
    started = time.perf_counter()
    predict_proba(model, cold, texts, batch_size=batch_size)
    cold_rate = len(texts) / (time.perf_counter() - started)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        predict_proba(model, cold, texts, batch_size=batch_size)
        best = min(best, time.perf_counter() - started)
    return cold_rate, len(texts) / best


def run_models(parts: dict[str, Any], seed: int, batch_size: int) -> dict[str, Any]:
    """Train both models on the training part and score them; returns the numbers to print."""
    # TensorFlow is imported only here: the OCR workers are spawned and re-import this module.
    from invoice_assets.ml.baseline import predict as baseline_predict
    from invoice_assets.ml.baseline import train_baseline
    from invoice_assets.ml.labels import LABELS
    from invoice_assets.ml.metrics import evaluate
    from invoice_assets.ml.model import CnnParams
    from invoice_assets.ml.train import predict_labels, train_cnn

    train, validation, test, worse = parts["train"], parts["validation"], parts["test"], parts["worse"]
    params = CnnParams()
    log(f"training the CNN on {len(train['texts'])} invoices (validation {len(validation['texts'])})")
    started = time.perf_counter()
    trained = train_cnn(
        train["texts"],
        train["labels"],
        validation["texts"],
        validation["labels"],
        params,
        seed=seed,
        on_epoch_end=lambda epoch, logs: log(
            f"  epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(logs.items()))
        ),
    )
    cnn_seconds = time.perf_counter() - started

    log("training the baseline")
    started = time.perf_counter()
    baseline = train_baseline(train["texts"], train["labels"], seed=seed)
    baseline_seconds = time.perf_counter() - started

    results: dict[str, Any] = {
        "cnn_train_seconds": cnn_seconds,
        "baseline_train_seconds": baseline_seconds,
        "epochs_run": trained.epochs_run,
        "params": params.as_dict(),
    }
    for name, part in (("test", test), ("worse", worse)):
        cnn = evaluate(
            part["labels"], predict_labels(trained.model, trained.vectorizer, part["texts"]), LABELS
        )
        base = evaluate(part["labels"], baseline_predict(baseline, part["texts"]), LABELS)
        results[name] = {"cnn": cnn, "baseline": base, "count": len(part["labels"])}

    log("measuring batched inference")
    pool = [text for part in (train, validation, test) for text in part["texts"]]
    results["cold_per_second"], results["invoices_per_second"] = throughput(
        trained.model, trained.vectorizer, pool, batch_size, repeat=3
    )
    results["throughput_count"] = len(pool)
    results["oov_share_test"] = float(trained.vectorizer.oov_share(test["texts"]).mean())
    results["oov_share_worse"] = float(trained.vectorizer.oov_share(worse["texts"]).mean())
    return results


def report(parts: dict[str, Any], results: dict[str, Any], args: argparse.Namespace) -> None:
    sizes = {name: len(parts[name]["labels"]) for name in ("train", "validation", "test", "worse")}
    print(
        f"Classifier benchmark: {args.count} invoices, generator seed {args.seed}, training seed "
        f"{args.train_seed}, {os.cpu_count()} cores"
    )
    print(
        f"  split by sha256: train {sizes['train']}, validation {sizes['validation']} (CNN early stopping), "
        f"test {sizes['test']}; unreadable files: {parts['unreadable']}"
    )
    print(f"  CNN params: {json.dumps(results['params'])}")
    print()
    print(f"{'test set':<34} {'CNN macro F1':>13} {'baseline':>10}")
    for name, title in (
        ("test", f"degradation {args.degradation:g} (same as training)"),
        ("worse", f"degradation {args.robust_degradation:g} (worse scans)"),
    ):
        row = results[name]
        print(
            f"{title:<34} {row['cnn'].macro_f1:>13.4f} {row['baseline'].macro_f1:>10.4f}   (n={row['count']})"
        )
    print()
    for name in ("test", "worse"):
        cnn = results[name]["cnn"]
        print(f"CNN confusion ({name}, rows = truth {list(cnn.labels)}): {cnn.confusion}")
    print()
    print(
        f"CNN training: {results['cnn_train_seconds']:.1f} s ({results['epochs_run']} epochs); "
        f"baseline training: {results['baseline_train_seconds']:.1f} s"
    )
    print(
        f"batched inference (vectorize + network, OCR excluded): {results['invoices_per_second']:,.0f} "
        f"invoices/s over {results['throughput_count']} invoices, batch {args.batch_size} "
        f"(first pass, empty word cache: {results['cold_per_second']:,.0f}/s)"
    )
    print(
        f"mean OOV share of word tokens: test {results['oov_share_test']:.3f}, "
        f"worse scans {results['oov_share_worse']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--degradation", type=float, default=1.0)
    parser.add_argument("--robust-degradation", type=float, default=2.0)
    parser.add_argument("--train-seed", type=int, default=1, help="seed of CNN and baseline training")
    parser.add_argument("--workers", type=int, default=None, help="OCR processes (default: all cores)")
    parser.add_argument("--batch-size", type=int, default=512, help="inference batch size")
    parser.add_argument("--prepare-only", action="store_true", help="generate and OCR, then stop")
    args = parser.parse_args(argv)

    parts = prepare(args.count, args.seed, args.degradation, args.robust_degradation, args.workers)
    if args.prepare_only:
        log("data ready")
        return 0
    results = run_models(parts, args.train_seed, args.batch_size)
    report(parts, results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
