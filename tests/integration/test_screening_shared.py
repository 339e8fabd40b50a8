"""Screening on the real lists and labelled sets in ../shared/screening (CI has them)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from corridor.benchmarks.screening import labelled_files, load_shared_lists
from corridor.screening import Screener
from corridor.screening._evaluation import Figures, figures_at, score_rows

SHARED = Path(
    os.environ.get("CORRIDOR_SHARED_DIR", Path(__file__).resolve().parents[2] / ".." / "shared")
)
SCREENING = SHARED / "screening"
pytestmark = pytest.mark.skipif(
    not SCREENING.exists(), reason=f"shared screening data not found at {SCREENING}"
)


@cache
def _screener() -> Screener:
    return Screener(load_shared_lists(SCREENING / "lists"))


def test_real_lists_load_with_expected_counts() -> None:
    counts = {w.list_name: (len(w.entries), w.name_count) for w in _screener().lists}
    assert counts["un"][0] == 1003
    assert counts["ofac_sdn"][0] == 8976
    assert counts["ofac_cons"][0] == 442
    assert _screener().name_count > 28_000
    un = _screener().lists[0]
    assert un.version.startswith("66b392a4")
    assert sum(1 for e in un.entries if e.entity_type == "person") == 730


def _figures(stem: str) -> Figures:
    files = {p.stem: rows for p, rows in labelled_files(SCREENING / "eval")}
    scores = score_rows(_screener(), files[stem])
    return figures_at(scores, _screener().threshold)


def test_hub_list_variants_accuracy() -> None:
    figures = _figures("hub_list_variants")
    assert figures.recall >= 0.99
    assert figures.precision >= 0.97


def test_nk_name_pairs_f1() -> None:
    assert _figures("nk_name_pairs").f1 >= 0.85


def test_every_cross_script_pair_matches() -> None:
    figures = _figures("watchman_cross_script_pairs")
    assert figures.tp + figures.fn == 9
    assert figures.recall == 1.0  # Arabic, Cyrillic, Chinese, Korean Hanja, Japanese, Hebrew


def test_un_treated_positives_recall() -> None:
    assert _figures("un_treated_positives").recall >= 0.97


def test_qarin_negatives_false_alert_rate() -> None:
    assert _figures("qarin_negatives").false_alert_rate <= 0.005


def test_index_misses_nothing_the_exhaustive_scan_finds() -> None:
    queries = ["SAYYED MOHAMAD HAQANI", "BANCO NACIONAL DE CUBA", "HAPJANGGANG SHIPPINGCORP"]
    screener = _screener()
    for text in queries:
        indexed = screener.check_indexed(text)
        exhaustive = screener.check_exhaustive(text)
        missed = [k for k, s in exhaustive.items() if s >= screener.threshold and k not in indexed]
        assert missed == [], text
