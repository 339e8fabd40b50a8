"""One entry point from a list version's files to a WatchList, by source format.

Used by the CLI (`screening lists load`) and the hub (lists in force at start-up).
"""

from __future__ import annotations

from collections.abc import Mapping

from corridor.foundation.errors import InputError
from corridor.screening._load_eu import load_eu_xml
from corridor.screening._load_ofac import load_ofac_csv
from corridor.screening._load_ofac_xml import load_ofac_xml
from corridor.screening._load_simple import load_simple_csv
from corridor.screening._load_un import load_un_xml
from corridor.screening._records import WatchList

FORMATS = ("un_xml", "ofac_csv", "ofac_xml", "eu_xml", "simple_csv")
_SINGLE_FILE = {
    "un_xml": load_un_xml,
    "ofac_xml": load_ofac_xml,
    "eu_xml": load_eu_xml,
    "simple_csv": load_simple_csv,
}


def parse_version(source_format: str, files: Mapping[str, bytes], list_name: str) -> WatchList:
    """The WatchList in a version's files (OFAC CSV: sdn/add/alt/comments by file name)."""
    if source_format == "ofac_csv":
        by_role = {ofac_role(name): data for name, data in files.items()}
        if "sdn" not in by_role:
            raise InputError(
                "OFAC CSV needs the sdn.csv (or cons_prim.csv) file",
                field="files",
                value=sorted(files),
            )
        return load_ofac_csv(
            by_role["sdn"],
            by_role.get("add"),
            by_role.get("alt"),
            by_role.get("comments"),
            list_name=list_name,
        )
    loader = _SINGLE_FILE.get(source_format)
    if loader is None:
        raise InputError(
            f"must be one of {', '.join(FORMATS)}", field="format", value=source_format
        )
    if len(files) != 1:
        raise InputError(
            f"{source_format} takes exactly one file", field="files", value=sorted(files)
        )
    return loader(next(iter(files.values())), list_name=list_name)


def ofac_role(file_name: str) -> str:
    """Which OFAC CSV a file is, by its name: sdn (primary), add, alt or comments."""
    stem = file_name.lower().removesuffix(".csv")
    for role in ("comments", "add", "alt"):
        if stem.endswith(role):
            return role
    return "sdn"
