"""What a drift report says: one ``FeatureDrift`` per feature and the ``DriftReport`` verdict.

Plain frozen dataclasses, so a report can be logged, compared in tests and turned into JSON (the
``invoices drift`` contract: ``{"drift", "share", "features": [{"name", "method", "statistic", "p_value",
"threshold", "drift"}, ...]}``) or Markdown (the Dagster UI) without knowing how it was computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SKIPPED = "skipped"
"""``method`` of a feature that could not be tested (too few values, column missing on one side)."""


def _plain(value: float | None) -> float | None:
    """A JSON-safe float: numpy scalars become ``float``, NaN and infinities become ``None``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's comparison.

    ``drift`` is ``p_value < threshold`` for hypothesis tests (``p_value`` set) and ``statistic >
    threshold`` for distances (``p_value`` is ``None``); skipped features have ``drift`` False, no
    statistic and a ``note`` saying why. Sizes are the non-missing values actually compared.
    """

    name: str
    kind: str
    """``numeric``, ``categorical`` or ``text``: how the values are compared and plotted."""
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drift: bool
    reference_size: int
    current_size: int
    note: str = ""

    @property
    def evaluated(self) -> bool:
        """Whether a test ran; skipped features count neither for nor against drift."""
        return self.method != SKIPPED

    @classmethod
    def skipped(
        cls, name: str, kind: str, note: str, *, reference_size: int = 0, current_size: int = 0
    ) -> FeatureDrift:
        return cls(name, kind, SKIPPED, None, None, None, False, reference_size, current_size, note)

    def as_dict(self) -> dict[str, Any]:
        """Plain Python types only (``json.dumps`` works as is)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "method": self.method,
            "statistic": _plain(self.statistic),
            "p_value": _plain(self.p_value),
            "threshold": _plain(self.threshold),
            "drift": bool(self.drift),
            "reference_size": int(self.reference_size),
            "current_size": int(self.current_size),
            "note": self.note,
        }


@dataclass(frozen=True)
class DriftReport:
    """The verdict over all features; ``reasons`` says which rule fired (empty without drift)."""

    drift: bool
    share: float
    """Share of the evaluated features that drifted (0 when none could be evaluated)."""
    features: list[FeatureDrift]
    reasons: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        return [f.name for f in self.features if f.drift]

    @property
    def evaluated(self) -> int:
        return sum(f.evaluated for f in self.features)

    def feature(self, name: str) -> FeatureDrift:
        """The named feature's result; ``KeyError`` when the report has none."""
        for item in self.features:
            if item.name == name:
                return item
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The ``invoices drift`` JSON object: ``drift``, ``share`` and one dict per feature."""
        return {
            "drift": bool(self.drift),
            "share": float(self.share),
            "features": [item.as_dict() for item in self.features],
        }

    def to_markdown(self) -> str:
        """A headline, the reasons and one table row per feature, for the Dagster UI."""
        verdict = "**Drift**" if self.drift else "**No drift**"
        counts = f"{len(self.drifted)} of {self.evaluated} evaluated features drifted ({self.share:.0%})."
        lines = [f"{verdict}: {counts}", ""]
        lines += [f"- {reason}" for reason in self.reasons]
        if self.reasons:
            lines.append("")
        lines += [
            "| feature | method | statistic | p-value | threshold | drift | reference | current | note |",
            "| --- | --- | ---: | ---: | ---: | :---: | ---: | ---: | --- |",
        ]
        for f in self.features:
            cells = [
                f.name,
                f.method,
                _number(f.statistic),
                _number(f.p_value),
                _number(f.threshold),
                "**yes**" if f.drift else "no",
                str(f.reference_size),
                str(f.current_size),
                f.note.replace("|", "\\|"),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _number(value: float | None) -> str:
    """Four significant digits, scientific notation for tiny p-values, an em dash for none."""
    plain = _plain(value)
    if plain is None:
        return "—"
    return f"{plain:.2e}" if plain != 0 and abs(plain) < 1e-3 else f"{plain:.4g}"
