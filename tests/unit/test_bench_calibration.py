"""The machine calibration printed beside benchmark figures."""

from __future__ import annotations

from pathlib import Path

from corridor.benchmarks import calibration


def test_python_ns_per_op_is_the_best_round_per_step() -> None:
    few = calibration.python_ns_per_op(ops=2_000, rounds=2)
    assert 0 < few < 1_000_000  # nanoseconds for one small step, on any machine


def test_fsync_ms_writes_in_the_folder_and_leaves_nothing(tmp_path: Path) -> None:
    assert calibration.fsync_ms(tmp_path, rounds=3) > 0
    assert list(tmp_path.iterdir()) == []


def test_calibrate_reports_both_measures(tmp_path: Path) -> None:
    figures = calibration.calibrate(tmp_path)
    assert set(figures) == {"python_ns_per_op", "fsync_ms"}
    assert all(value > 0 for value in figures.values())
