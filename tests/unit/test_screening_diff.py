"""List versions: diff of added, changed and removed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.foundation.errors import InputError
from corridor.screening import diff_lists, load_simple_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screening"


def test_diff_added_changed_removed() -> None:
    old = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="national")
    text = (FIXTURES / "simple.csv").read_text(encoding="utf-8")
    text = text.replace("1959-11-30", "1959-12-01").replace(
        "N-1,Harbourside Exchange House,entity,HEH Exchange;Harbour Side Exchange,AE,,"
        "BIC:HBSXAEAD;LEI:5493001KJTIIGC8Y1R12\n", "")
    new = load_simple_csv((text + "N-9,New Party Ltd,entity,,,,\n").encode(),
                          list_name="national")
    diff = diff_lists(old, new)
    assert (diff.old_version, diff.new_version) == (old.version, new.version)
    assert diff.added == ("national:N-9",)
    assert diff.removed == ("national:N-1",)
    assert [(c.entry_id, c.fields) for c in diff.changed] == [
        ("national:N-2", ("dates_of_birth",))]
    assert diff.touched_entry_ids == {"national:N-9", "national:N-2"}


def test_first_version_is_all_added_and_lists_must_match() -> None:
    new = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="national")
    assert len(diff_lists(None, new).added) == 2
    other = load_simple_csv((FIXTURES / "simple.csv").read_bytes(), list_name="internal")
    with pytest.raises(InputError):
        diff_lists(other, new)
