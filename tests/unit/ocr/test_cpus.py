"""The OCR worker count: affinity mask, cgroup quota (v1 and v2), and INVOICES_OCR_WORKERS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from invoice_assets.ocr.cpus import WorkerCountError, available_cpus, cgroup_cpu_limit, ocr_worker_count


def cgroup_v2(tmp_path: Path, quotas: dict[str, str]) -> tuple[Path, Path]:
    """A fake cgroup v2 tree (`cpu.max` per folder) and a /proc/self/cgroup naming its deepest folder."""
    root = tmp_path / "cgroup"
    for relative, quota in quotas.items():
        folder = root / relative
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cpu.max").write_text(quota + "\n")
    self_cgroup = tmp_path / "self-cgroup"
    self_cgroup.write_text(f"0::/{max(quotas, key=len)}\n")
    return root, self_cgroup


def test_the_smallest_quota_of_the_cgroup_and_its_ancestors_counts(tmp_path: Path):
    root, self_cgroup = cgroup_v2(
        tmp_path, {"": "max 100000", "ecs": "150000 100000", "ecs/task": "max 100000"}
    )
    assert cgroup_cpu_limit(root, self_cgroup) == 1.5
    assert available_cpus(root, self_cgroup) == min(len(os.sched_getaffinity(0)), 2)


def test_an_unlimited_cgroup_leaves_the_affinity_mask(tmp_path: Path):
    root, self_cgroup = cgroup_v2(tmp_path, {"": "max 100000"})
    assert cgroup_cpu_limit(root, self_cgroup) is None
    assert available_cpus(root, self_cgroup) == len(os.sched_getaffinity(0))


def test_a_cgroup_v1_quota_is_read_from_the_cpu_controller(tmp_path: Path):
    folder = tmp_path / "cgroup" / "cpu" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("50000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    self_cgroup = tmp_path / "self-cgroup"
    self_cgroup.write_text("4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n")
    assert cgroup_cpu_limit(tmp_path / "cgroup", self_cgroup) == 0.5
    assert available_cpus(tmp_path / "cgroup", self_cgroup) == 1


def test_no_cgroup_information_means_no_limit(tmp_path: Path):
    assert cgroup_cpu_limit(tmp_path, tmp_path / "missing") is None


def test_the_variable_overrides_and_a_request_overrides_the_variable():
    assert ocr_worker_count(environ={"INVOICES_OCR_WORKERS": "3"}) == 3
    assert ocr_worker_count(5, environ={"INVOICES_OCR_WORKERS": "3"}) == 5
    assert ocr_worker_count(environ={}) == available_cpus()
    for bad in ("0", "-2", "two"):
        with pytest.raises(WorkerCountError, match=r"INVOICES_OCR_WORKERS=.*unset it"):
            ocr_worker_count(environ={"INVOICES_OCR_WORKERS": bad})
