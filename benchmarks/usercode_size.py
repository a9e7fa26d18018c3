"""Installed size of the user-code dependency set (the base set of pyproject.toml), against the training set.

    .venv/bin/python benchmarks/usercode_size.py              # builds both venvs in a temporary folder
    .venv/bin/python benchmarks/usercode_size.py --offline    # only from uv's cache (after a sync)
    .venv/bin/python benchmarks/usercode_size.py --keep /tmp/sizes   # keep the venvs for a look

Why a fresh venv and not the project's `.venv`: the local venv holds every extra (TensorFlow, full MLflow,
dev tools), so its size says nothing about the user-code image. This builds exactly what that image
installs: `uv sync --frozen --no-dev --no-editable` of `uv.lock` (the pinned base set and the project) into
a venv of its own. As an in-run baseline it builds the training set (base + the
`training` extra) the same way, so the ratio shows what leaving TensorFlow out of the user-code image buys.

Sizes are disk usage like `du -sm` (each hard-linked file counted once per venv); per-package sizes come from
each distribution's RECORD, so `opencv_python_headless.libs` counts under opencv. Exits 1 when the base set
is over the limit (500 MB), so CI can run it as a check.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 500.0
MB = 1024 * 1024


@dataclass(frozen=True)
class VenvSize:
    total_mb: float
    packages: dict[str, float]
    """Distribution name → MB of the files its RECORD lists."""


def uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise SystemExit("uv is not on PATH: install it (scripts/setup.sh does) and run again")
    return found


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def build_venv(folder: Path, extras: list[str], offline: bool = False) -> Path:
    """A fresh venv at ``folder`` with exactly the locked base set plus ``extras`` and the project itself
    (not editable, as an image installs it): `uv sync --frozen` of uv.lock, no dev group.

    uv takes each locked wheel from its cache when an earlier sync put it there and downloads it from the
    registry otherwise, so the result does not depend on what this machine happens to have cached."""
    command = [uv(), "sync", "--frozen", "--no-dev", "--no-editable", "--quiet", "--python", sys.executable]
    for extra in extras:
        command += ["--extra", extra]
    if offline:
        command.append("--offline")
    run(command, env={"UV_PROJECT_ENVIRONMENT": str(folder)})
    return folder / "bin" / "python"


def disk_usage(paths: list[Path], seen: set[tuple[int, int]]) -> int:
    """Bytes on disk of ``paths`` and everything under them (folders too), each inode once, as ``du``
    counts."""
    total = 0
    for path in paths:
        walk = [path] if not path.is_dir() else [path, *path.rglob("*")]
        for file in walk:
            info = file.lstat()
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += info.st_blocks * 512
    return total


def site_packages(venv: Path) -> Path:
    found = list((venv / "lib").glob("python*/site-packages"))
    if len(found) != 1:
        raise SystemExit(f"expected one site-packages under {venv / 'lib'}, found {found}")
    return found[0]


def measure(venv: Path) -> VenvSize:
    total = disk_usage([venv], set())
    site = site_packages(venv)
    packages: dict[str, float] = {}
    for dist_info in site.glob("*.dist-info"):
        record = dist_info / "RECORD"
        if not record.exists():
            continue
        name = dist_info.name.split("-")[0].replace("_", "-").lower()
        with record.open(newline="") as handle:
            files = [(site / row[0]).resolve() for row in csv.reader(handle) if row]
        packages[name] = disk_usage([f for f in files if f.exists()], set()) / MB
    return VenvSize(total / MB, packages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="install only from uv's cache")
    parser.add_argument("--keep", type=Path, help="build the venvs here and keep them")
    parser.add_argument("--base-only", action="store_true", help="skip the training-set baseline")
    parser.add_argument("--limit-mb", type=float, default=LIMIT_MB)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="usercode-size-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        sets = {"base": [], "training": ["training"]}
        if args.base_only:
            del sets["training"]
        sizes: dict[str, VenvSize] = {}
        for name, extras in sets.items():
            venv = folder / name
            if venv.exists():
                shutil.rmtree(venv)
            build_venv(venv, extras, args.offline)
            sizes[name] = measure(venv)
            print(f"{name} set: {sizes[name].total_mb:.0f} MB ({len(sizes[name].packages)} distributions)")

    base = sizes["base"]
    print("\nlargest distributions of the base (user-code) set:")
    for package, mb in sorted(base.packages.items(), key=lambda item: -item[1])[:10]:
        print(f"  {mb:7.1f} MB  {package}")
    if "training" in sizes:
        training = sizes["training"]
        print(
            f"\nbaseline, training set (base + training extra): {training.total_mb:.0f} MB; "
            f"the user-code set is {base.total_mb / training.total_mb:.1%} of it "
            f"({training.total_mb / base.total_mb:.1f}x smaller)"
        )
    verdict = "within" if base.total_mb <= args.limit_mb else "OVER"
    print(f"\nuser-code set {base.total_mb:.0f} MB: {verdict} the {args.limit_mb:.0f} MB limit")
    return 0 if base.total_mb <= args.limit_mb else 1


if __name__ == "__main__":
    os.environ.setdefault("UV_NO_PROGRESS", "1")
    sys.exit(main())
