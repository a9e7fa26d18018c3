"""Weekly drift statistics: the invoices seen this week against the champion model's held-out data.

Pure functions on pandas frames, no Dagster, no MLflow, no TensorFlow: the ``drift_report`` asset and the
``invoices drift`` command wrap them. Modules, one job each (import them directly; this package imports
nothing, so the CLI does not pay for matplotlib unless it plots):

* ``config``: ``DriftConfig`` (every threshold, with why) and the feature names.
* ``result``: ``FeatureDrift`` and ``DriftReport``, their JSON shape and Markdown table.
* ``values``: frame columns → clean arrays (missing values dropped) and the seeded text sample.
* ``chance``: random relabellings and the chance floor of a distance (what noise alone reaches).
* ``numeric``: Kolmogorov-Smirnov (small samples) or normalized Wasserstein distance (large ones).
* ``categorical``: chi-square with rare categories pooled (small) or Jensen-Shannon distance (large).
* ``tokens``: the default word tokenizer and the token-distribution test.
* ``language``: ``detect_language``, a stopword-ratio guess to fill a missing ``language`` column.
* ``report``: ``build_report``, the multiple-testing correction and the verdict rule.
* ``plots``: one PNG per feature (matplotlib's Agg canvas, no pyplot state).
* ``synthetic``: realistic invoice rows and shift injectors for the tests and the benchmark.

The reference frame must come from data the model did not fit on (its validation/test split): the
vocabulary was built from the training texts, so their out-of-vocabulary share is near zero and every week
would look drifted against them.
"""
