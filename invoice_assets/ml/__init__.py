"""The maintenance-invoice classifier's domain core: plain functions, no Dagster, no MLflow.

Modules, one job each (import them directly; this package imports nothing, so ``split`` or ``metrics``
never pull in TensorFlow):

* ``split``: train/validation/test by the document's sha256.
* ``labels``: the class order (``LABELS``) every output uses.
* ``text``: normalization, word tokens, character n-grams.
* ``vectorizer``: ``TextVectorizer``, texts → integer arrays, JSON round trip, OOV share.
* ``model``: ``CnnParams`` and ``build_cnn`` (Keras 3, integer inputs only).
* ``train``: ``train_cnn`` and fast batched ``predict_proba``.
* ``litert``: ``export_litert`` (at training), ``LiteRtClassifier`` (inference without TensorFlow) and
  ``agreement`` (LiteRT vs Keras on the same texts).
* ``baseline``: TF-IDF + logistic regression, the reference the CNN must beat.
* ``metrics``: ``evaluate`` (macro F1 and per-class numbers) and the confusion-matrix PNG.
"""
