"""Which split (train / validation / test) a document belongs to, decided by its content hash alone.

The same invoice must land in the same split on every retraining, in every process, whatever order it
arrived in: otherwise a document the model was fitted on could later be scored as "test". The sha256 is
salted and hashed again so the split does not correlate with other uses of the digest (batch partitions).
"""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")
_SALT = b"invoice-classifier-split:v1:"


def split_point(sha256: str) -> float:
    """A number in [0, 1), uniformly distributed over documents and fixed for each one."""
    key = sha256.strip().lower()
    if not key:
        raise ValueError("sha256 must not be empty")
    digest = hashlib.sha256(_SALT + key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(sha256: str, validation: float = 0.15, test: float = 0.15) -> Split:
    """The split of the document with this sha256: ``test`` for a ``test`` share, then ``validation``.

    Test comes first on the unit interval, so growing the validation share never moves a test document
    into training (and changing the test share only moves documents at its edge).
    """
    if not (validation >= 0.0 and test >= 0.0 and validation + test < 1.0):
        raise ValueError(f"invalid shares: validation={validation}, test={test}")
    point = split_point(sha256)
    if point < test:
        return "test"
    if point < test + validation:
        return "validation"
    return "train"
