"""The maintenance-invoice classifier's domain core: plain functions, no Dagster, no MLflow.

One job per module: ``split``, ``labels``, ``text``, ``vectorizer``, ``model`` (the Keras CNN), ``train``,
``litert`` (inference without TensorFlow), ``baseline`` (TF-IDF + logistic regression) and ``metrics``.
Import them directly: this package imports nothing, so ``split`` or ``metrics`` never pull in TensorFlow.
"""
