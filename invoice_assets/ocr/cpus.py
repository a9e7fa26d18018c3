"""How many OCR worker processes to run: the CPUs this process may actually use, or INVOICES_OCR_WORKERS.

`os.cpu_count()` counts the host's CPUs. In a container or under `taskset` the process gets fewer: the
CPU affinity mask and the cgroup's `cpu.max` quota (a Fargate task of 2 vCPUs on a larger host) both
limit it, and a worker per host CPU would only queue for time slices while holding memory.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

WORKERS_VARIABLE = "INVOICES_OCR_WORKERS"
CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")


class WorkerCountError(ValueError):
    """INVOICES_OCR_WORKERS is set to something that is not a positive whole number."""


def cgroup_cpu_limit(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> float | None:
    """The CPU quota of this process's cgroup and its ancestors (the smallest), or None when unlimited.

    cgroup v2 writes `cpu.max` as "<quota> <period>" ("max <period>" when unlimited); v1 writes
    `cpu.cfs_quota_us` (-1 when unlimited) and `cpu.cfs_period_us`.
    """
    limits = [limit for folder in _cgroup_folders(cgroup_root, self_cgroup) if (limit := _quota(folder))]
    return min(limits) if limits else None


def available_cpus(cgroup_root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> int:
    """CPUs this process may use: its affinity mask, capped by the cgroup quota rounded up (at least 1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_cpu_limit(cgroup_root, self_cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def ocr_worker_count(requested: int = 0, environ: dict[str, str] | None = None) -> int:
    """`requested` when positive, else INVOICES_OCR_WORKERS when set, else `available_cpus()`."""
    if requested > 0:
        return requested
    env = os.environ if environ is None else environ
    raw = (env.get(WORKERS_VARIABLE) or "").strip()
    if not raw:
        return available_cpus()
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise WorkerCountError(
            f"{WORKERS_VARIABLE}={raw!r} is not a positive whole number; unset it to use one worker per "
            f"available CPU ({available_cpus()})"
        )
    return value


def _cgroup_folders(cgroup_root: Path, self_cgroup: Path) -> list[Path]:
    """This process's cgroup folder and its ancestors up to the root, for v2 and v1 (cpu controller)."""
    try:
        entries = self_cgroup.read_text().splitlines()
    except OSError:
        return [cgroup_root]
    folders: list[Path] = []
    for entry in entries:
        _, controllers, relative = entry.split(":", 2)
        if controllers == "":
            base = cgroup_root
        elif "cpu" in controllers.split(","):
            base = cgroup_root / "cpu"
            if not base.is_dir():
                base = cgroup_root / controllers
        else:
            continue
        folder = base / relative.lstrip("/")
        while True:
            folders.append(folder)
            if folder == base:
                break
            folder = folder.parent
    return folders or [cgroup_root]


def _quota(folder: Path) -> float | None:
    try:
        quota, period = (folder / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((folder / "cpu.cfs_quota_us").read_text())
        period_us = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None
