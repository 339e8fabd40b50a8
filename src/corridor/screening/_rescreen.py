"""Re-screening held and queued payments when a new list version comes into force.

Only the entries a new version added or changed can create new hits, so the payments are
screened against a screener over those entries alone (fast, whatever the list size). Hits
on removed entries disappear on the hub's side: it re-reads the full result on release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from corridor.screening._payment import screen_payment
from corridor.screening._records import (
    ListDiff,
    ScreeningResult,
    ScreeningSubject,
    WatchList,
)
from corridor.screening._screener import Screener

RESCREEN_SUBJECTS_MAX = 100_000


def rescreen(
    new_lists: Sequence[WatchList],
    diffs: Sequence[ListDiff],
    subjects: Sequence[ScreeningSubject],
    *,
    threshold: float | None = None,
) -> list[ScreeningResult]:
    """Results for the subjects that hit an added or changed entry (others are omitted).

    `new_lists` are the versions now in force; `diffs` say what changed in each. Hits carry
    the new list versions, so the decision records which version it used.
    """
    if len(subjects) > RESCREEN_SUBJECTS_MAX:
        raise ValueError(f"more than {RESCREEN_SUBJECTS_MAX} subjects to re-screen")
    touched = {d.list_name: d.touched_entry_ids for d in diffs}
    partial = [
        replace(
            w, entries=tuple(e for e in w.entries if e.entry_id in touched.get(w.list_name, ()))
        )
        for w in new_lists
    ]
    partial = [w for w in partial if w.entries]
    if not partial:
        return []
    screener = Screener(partial, threshold)
    results = [screen_payment(screener, subject) for subject in subjects]
    return [r for r in results if r.hits]
