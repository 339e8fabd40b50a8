"""A small national watch list in an archive folder, and two compliance officers: what
the hub tests that hold payments for screening share."""

from __future__ import annotations

from pathlib import Path

from corridor.hub.security import Principal, Role
from corridor.screening import load_simple_csv
from corridor.store.watchlist_archive import ArchivedVersion, WatchListArchive

LIST_CSV = (
    b"id,name,entity_type,aliases,countries\n"
    b"SANC-1,Volkov Heavy Machinery Trading LLC,entity,VHM Trading,RU\n"
    b"SANC-2,Ivan Petrovich Sidorov,person,Ivan Sidorov,RU\n"
)
OFFICER_1 = Principal("olga", Role.compliance)
OFFICER_2 = Principal("omar", Role.compliance)


def archived_list(root: Path) -> Path:
    """LIST_CSV stored as the "national" list's version in an archive at `root`."""
    lst = load_simple_csv(LIST_CSV, list_name="national")
    WatchListArchive(root).store(
        ArchivedVersion(
            "national",
            lst.version,
            "simple_csv",
            "2026-01-05T00:00:00+00:00",
            len(lst.entries),
            lst.name_count,
            ("national.csv",),
        ),
        {"national.csv": LIST_CSV},
    )
    return root
