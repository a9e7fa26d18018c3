"""What a test needs from the machine: outside CI a missing tool skips the test with the way to install it;
under CI (`CI=true`) it fails, because the test command installs everything and a skip would hide a
missing install step."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason}. CI must run this test, never skip it.", pytrace=False)
    pytest.skip(reason)
