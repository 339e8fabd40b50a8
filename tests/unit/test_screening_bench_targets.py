"""The screening benchmark states each of the issue's targets with its measured figure."""

from __future__ import annotations

from corridor.benchmarks.screening import _targets


def _result(names_per_cpu_s: float, hub_precision: float) -> dict[str, object]:
    return {
        "speed": {"cold": {"names_per_cpu_s": names_per_cpu_s, "p99_ms": 1.2}},
        "completeness": {"missed_vs_brute_force": 0, "missed_vs_exhaustive": 1},
        "accuracy": {
            "hub_list_variants": {"at_threshold": {"recall": 0.995, "precision": hub_precision}}
        },
    }


def test_each_target_is_compared_and_absent_files_are_skipped() -> None:
    targets = {t["figure"]: t for t in _targets(_result(5_100.0, 0.96))}
    assert targets["names per CPU-second, cold"]["met"] is True
    assert targets["p99 latency ms, cold"]["met"] is True
    assert targets["missed vs brute force"]["met"] is True
    assert targets["missed vs exhaustive scan"]["met"] is False
    assert targets["hub_list_variants recall"]["met"] is True
    assert targets["hub_list_variants precision"]["met"] is False
    assert targets["hub_list_variants precision"]["target"] == ">= 0.97"
    assert "nk_name_pairs F1" not in targets  # that eval file was not in this run


def test_speed_below_target_is_not_met() -> None:
    targets = {t["figure"]: t for t in _targets(_result(4_999.0, 0.98))}
    assert targets["names per CPU-second, cold"]["met"] is False
    assert targets["hub_list_variants precision"]["met"] is True
