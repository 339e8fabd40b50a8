"""List versions: diff of added, changed and removed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.foundation.errors import InputError
from corridor.screening import Party, ScreeningSubject, diff_lists, load_simple_csv, rescreen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screening"


def test_diff_added_changed_removed() -> None:
    old = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="national")
    text = (FIXTURES / "simple.csv").read_text(encoding="utf-8")
    text = text.replace("1959-11-30", "1959-12-01").replace(
        "N-1,Harbourside Exchange House,entity,HEH Exchange;Harbour Side Exchange,AE,,"
        "BIC:HBSXAEAD;LEI:5493001KJTIIGC8Y1R12\n",
        "",
    )
    new = load_simple_csv((text + "N-9,New Party Ltd,entity,,,,\n").encode(), list_name="national")
    diff = diff_lists(old, new)
    assert (diff.old_version, diff.new_version) == (old.version, new.version)
    assert diff.added == ("national:N-9",)
    assert diff.removed == ("national:N-1",)
    assert [(c.entry_id, c.fields) for c in diff.changed] == [("national:N-2", ("dates_of_birth",))]
    assert diff.touched_entry_ids == {"national:N-9", "national:N-2"}


def test_first_version_is_all_added_and_lists_must_match() -> None:
    new = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="national")
    assert len(diff_lists(None, new).added) == 2
    other = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="internal")
    with pytest.raises(InputError):
        diff_lists(other, new)


def test_rescreen_finds_payments_hitting_added_or_changed_entries_only() -> None:
    old = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="national")
    new = load_simple_csv(
        (FIXTURES / "simple.csv").read_bytes() + b"N-9,Cobalt Ridge Minerals,entity,,,,\n",
        list_name="national",
    )
    diff = diff_lists(old, new)
    held = [
        ScreeningSubject("uetr-a", (Party("creditor", "Cobalt Ridge Minerals Ltd"),)),
        ScreeningSubject("uetr-b", (Party("creditor", "Harbourside Exchange House"),)),
        ScreeningSubject("uetr-c", (Party("creditor", "Blue River Foods"),)),
    ]
    results = rescreen([new], [diff], held)
    assert [r.reference for r in results] == ["uetr-a"]
    assert results[0].hits[0].entry_id == "national:N-9"
    assert results[0].lists_used[0].list_version == new.version
    assert rescreen([new], [diff_lists(new, new)], held) == []
