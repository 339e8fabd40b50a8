"""A content-addressed file archive of watch-list versions (adapter, file system).

TEMPORARY ADAPTER: the hub engineer may move this into the database later (one table of
versions with hash, list name, load time, counts and the source bytes; one row per list
pointing at the version in force). The interface below is what callers depend on.

Layout under `root`::

    <list_name>/<sha256>/<original file names>   the source bytes as loaded
    <list_name>/<sha256>/meta.json               list name, format, loaded_at, counts
    <list_name>/CURRENT                          sha256 of the version in force

`store()` writes the version first and moves the CURRENT pointer last (atomic rename), so
a failure, or a malformed file rejected before `store()`, leaves the previous version in
force.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from corridor.foundation.errors import InputError, StoreError

FILE_NAME_LENGTH_MAX = 128


@dataclass(frozen=True, slots=True)
class ArchivedVersion:
    """One stored version: its hash, list, format, load time (ISO 8601 UTC) and counts."""

    list_name: str
    version: str
    source_format: str
    loaded_at: str
    entries: int
    names: int
    files: tuple[str, ...]


class WatchListArchive:
    """Versions of watch lists kept as files; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, list_name: str, version: str = "") -> Path:
        if not list_name or "/" in list_name or list_name.startswith("."):
            raise InputError("bad list name", field="list_name", value=list_name)
        return self.root / list_name / version if version else self.root / list_name

    def store(self, version: ArchivedVersion, files: dict[str, bytes]) -> ArchivedVersion:
        """Keep the version's files and make it the one in force."""
        assert version.version and len(version.version) == 64, version.version
        folder = self._dir(version.list_name, version.version)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            if "/" in name or len(name) > FILE_NAME_LENGTH_MAX or name == "meta.json":
                raise InputError("bad file name", field="file", value=name)
            (folder / name).write_bytes(data)
        meta = dataclasses.asdict(version)
        (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        pointer = self._dir(version.list_name) / "CURRENT"
        tmp = pointer.with_suffix(".tmp")
        tmp.write_text(version.version, encoding="ascii")
        os.replace(tmp, pointer)
        return version

    def current(self, list_name: str) -> ArchivedVersion | None:
        pointer = self._dir(list_name) / "CURRENT"
        if not pointer.exists():
            return None
        return self.get(list_name, pointer.read_text(encoding="ascii").strip())

    def get(self, list_name: str, version: str) -> ArchivedVersion:
        meta_path = self._dir(list_name, version) / "meta.json"
        if not meta_path.exists():
            raise StoreError(f"no version {version} of list {list_name}")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["files"] = tuple(meta["files"])
        return ArchivedVersion(**meta)

    def versions(self, list_name: str) -> list[ArchivedVersion]:
        """Every stored version of one list, oldest load first."""
        folder = self._dir(list_name)
        if not folder.exists():
            return []
        found = [
            self.get(list_name, d.name)
            for d in folder.iterdir()
            if d.is_dir() and (d / "meta.json").exists()
        ]
        return sorted(found, key=lambda v: v.loaded_at)

    def list_names(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(d.name for d in self.root.iterdir() if (d / "CURRENT").exists())

    def read_files(self, list_name: str, version: str) -> dict[str, bytes]:
        stored = self.get(list_name, version)
        folder = self._dir(list_name, version)
        return {name: (folder / name).read_bytes() for name in stored.files}


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise InputError("time must be UTC-aware", field="loaded_at", value=moment)
    return moment.isoformat()
