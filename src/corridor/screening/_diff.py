"""What changed between two versions of one list."""

from __future__ import annotations

from corridor.foundation.errors import InputError
from corridor.screening._records import EntryChange, ListDiff, ListEntry, WatchList

_FIELDS = (
    "entity_type",
    "names",
    "countries",
    "dates_of_birth",
    "identifiers",
    "addresses",
    "programs",
    "remarks",
)


def _changed_fields(old: ListEntry, new: ListEntry) -> tuple[str, ...]:
    return tuple(f for f in _FIELDS if getattr(old, f) != getattr(new, f))


def diff_lists(old: WatchList | None, new: WatchList) -> ListDiff:
    """Entries added, removed and changed from `old` (None: first version) to `new`."""
    if old is not None and old.list_name != new.list_name:
        raise InputError(
            "cannot diff two different lists",
            field="list_name",
            value=f"{old.list_name} vs {new.list_name}",
        )
    before = {e.entry_id: e for e in old.entries} if old else {}
    after = {e.entry_id: e for e in new.entries}
    added = tuple(i for i in after if i not in before)
    removed = tuple(i for i in before if i not in after)
    changed = tuple(
        EntryChange(i, fields)
        for i, entry in after.items()
        if i in before and (fields := _changed_fields(before[i], entry))
    )
    return ListDiff(new.list_name, old.version if old else "", new.version, added, removed, changed)
