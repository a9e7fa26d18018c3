"""The classifier in MLflow: the registered model, its artifact files, the `champion` alias, loading a
version for inference, and logging one as a pyfunc model.
"""
