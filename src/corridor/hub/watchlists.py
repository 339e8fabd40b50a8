"""The watch lists in force, read from the operator's list archive (`screening lists load`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corridor.screening import Screener, Suppression, WatchList
from corridor.screening.formats import parse_version
from corridor.store.watchlist_archive import WatchListArchive


def lists_in_force(root: Path) -> list[WatchList]:
    """Every list's current version in the archive at `root` (none if it does not exist)."""
    if not root.is_dir():
        return []
    archive = WatchListArchive(root)
    lists = []
    for name in archive.list_names():
        version = archive.current(name)
        if version is not None:
            files = archive.read_files(name, version.version)
            lists.append(parse_version(version.source_format, files, name))
    return lists


def screener_for(
    root: Path | None, threshold: float | None = None, suppressions: Sequence[Suppression] = ()
) -> Screener | None:
    """A screener over the lists in force (with the approved suppressions of known false
    positives), or None when the operator loaded no list."""
    lists = lists_in_force(root) if root is not None else []
    return Screener(lists, threshold, suppressions=suppressions) if lists else None
