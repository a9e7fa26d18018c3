"""A child Python process that refuses the training libraries, as the user-code image lacks them: a
module-level import of TensorFlow, pandas or full MLflow on a user-code path fails there as it would in
that image."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.support.paths import ROOT

# Top-level packages of the training extra (TensorFlow, Keras, scikit-learn, full MLflow's pandas and
# server stack) and of drift (SciPy, matplotlib): none of them is in the user-code image.
REFUSED = (
    "tensorflow",
    "keras",
    "tf_keras",
    "sklearn",
    "scipy",
    "matplotlib",
    "pandas",
    "pyarrow",
    "flask",
    "graphene",
    "mlflow.pyfunc",
    "mlflow.keras",
    "mlflow.tensorflow",
    "mlflow.sklearn",
    "mlflow.server",
)

GUARD = textwrap.dedent(
    """
    import importlib.abc
    import sys

    REFUSED = {refused!r}
    already = sorted(m for m in sys.modules if m in REFUSED)
    assert not already, f"loaded before the guard: {{already}}"

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == r or name.startswith(r + ".") for r in REFUSED):
                raise ModuleNotFoundError(f"not installed in the user-code image: {{name}}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    """
).format(refused=REFUSED)


def run_guarded(body: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    script = GUARD + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "OMP_THREAD_LIMIT": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
