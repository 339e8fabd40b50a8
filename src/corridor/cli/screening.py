"""`corridor screening ...`: watch lists, name checks and evaluation for compliance teams."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from corridor.foundation.errors import CorridorError
from corridor.hub.watchlists import lists_in_force
from corridor.screening import Screener, WatchList, diff_lists
from corridor.screening._evaluation import curve, figures_at, read_rows, score_rows
from corridor.screening.formats import FORMATS, parse_version
from corridor.store.watchlist_archive import ArchivedVersion, WatchListArchive

app = typer.Typer(help="Watch lists and screening.", no_args_is_help=True)
lists_app = typer.Typer(help="Load, show and diff watch-list versions.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")

DataDir = Annotated[Path, typer.Option("--data-dir", help="Archive of list versions.")]
DEFAULT_DATA_DIR = Path("./var/screening")


def _fail(exc: CorridorError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


@lists_app.command("load")
def lists_load(
    files: list[Path],
    list_name: Annotated[str, typer.Option("--list")],
    source_format: Annotated[str, typer.Option("--format")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Load a new version of a list; a malformed file leaves the old version in force."""
    if source_format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {FORMATS}")
    contents = {f.name: f.read_bytes() for f in files}
    archive = WatchListArchive(data_dir)
    try:
        new = parse_version(source_format, contents, list_name)
    except CorridorError as exc:
        raise _fail(exc) from exc
    before = archive.current(list_name)
    old = _load(archive, before) if before else None
    archive.store(
        ArchivedVersion(
            list_name,
            new.version,
            source_format,
            datetime.now(UTC).isoformat(),
            len(new.entries),
            new.name_count,
            tuple(contents),
        ),
        contents,
    )
    diff = diff_lists(old, new)
    typer.echo(
        f"{list_name}: version {new.version[:16]} in force, {len(new.entries)} entries, "
        f"{new.name_count} names; +{len(diff.added)} -{len(diff.removed)} "
        f"~{len(diff.changed)}"
    )


def _load(archive: WatchListArchive, version: ArchivedVersion) -> WatchList:
    files = archive.read_files(version.list_name, version.version)
    return parse_version(version.source_format, files, version.list_name)


@lists_app.command("show")
def lists_show(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """The version in force of every list, and how many versions are kept."""
    archive = WatchListArchive(data_dir)
    for name in archive.list_names():
        current = archive.current(name)
        assert current is not None
        typer.echo(
            f"{name}: {current.version} ({current.source_format}) loaded "
            f"{current.loaded_at}, {current.entries} entries, {current.names} names, "
            f"{len(archive.versions(name))} version(s) kept"
        )


@lists_app.command("diff")
def lists_diff(
    list_name: Annotated[str, typer.Option("--list")],
    old: Annotated[str, typer.Option("--from", help="sha256 prefix")] = "",
    new: Annotated[str, typer.Option("--to", help="sha256 prefix")] = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Entries added, removed and changed between two versions (default: last two)."""
    archive = WatchListArchive(data_dir)
    versions = archive.versions(list_name)
    if not versions:
        raise typer.BadParameter(f"no versions of {list_name}")
    pick = {v.version: v for v in versions}
    newer = next((v for k, v in pick.items() if new and k.startswith(new)), versions[-1])
    older = next(
        (v for k, v in pick.items() if old and k.startswith(old)),
        versions[-2] if len(versions) > 1 else None,
    )
    diff = diff_lists(_load(archive, older) if older else None, _load(archive, newer))
    typer.echo(f"{list_name}: {diff.old_version[:16] or '(none)'} -> {diff.new_version[:16]}")
    for entry_id in diff.added:
        typer.echo(f"+ {entry_id}")
    for entry_id in diff.removed:
        typer.echo(f"- {entry_id}")
    for change in diff.changed:
        typer.echo(f"~ {change.entry_id}: {', '.join(change.fields)}")


def _screener(data_dir: Path, threshold: float | None) -> Screener:
    lists = lists_in_force(data_dir)
    if not lists:
        raise typer.BadParameter(f"no lists loaded in {data_dir}: run `screening lists load`")
    return Screener(lists, threshold)


@app.command("check")
def check(
    name: str,
    country: Annotated[str, typer.Option()] = "",
    dob: Annotated[str, typer.Option()] = "",
    entity_type: Annotated[str, typer.Option("--type")] = "",
    threshold: Annotated[float | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Screen one name against the lists in force; every hit explains itself."""
    try:
        hits = _screener(data_dir, threshold).check(
            name, country=country or None, dob=dob or None, entity_type=entity_type or None
        )
    except CorridorError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps([_hit_dict(h) for h in hits], indent=1))
        return
    typer.echo(f"{len(hits)} hit(s) for {name!r}")
    for hit in hits:
        typer.echo(hit.explain())


def _hit_dict(hit: object) -> dict[str, object]:
    return dataclasses.asdict(hit)  # type: ignore[call-overload, no-any-return]


@app.command("eval")
def evaluate(
    file: Path,
    threshold: Annotated[float | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Precision, recall and false-alert rate on a labelled CSV (layout of shared eval/)."""
    try:
        rows = read_rows(file.read_text(encoding="utf-8"), file.name)
        screener = _screener(data_dir, threshold)
        scores = score_rows(screener, rows)
    except CorridorError as exc:
        raise _fail(exc) from exc
    figures = figures_at(scores, screener.threshold)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "file": file.name,
                    "at_threshold": figures.as_dict(),
                    "curve": [f.as_dict() for f in curve(scores)],
                },
                indent=1,
            )
        )
        return
    typer.echo(
        f"{file.name}: threshold {figures.threshold:.2f} precision "
        f"{figures.precision:.4f} recall {figures.recall:.4f} false-alert rate "
        f"{figures.false_alert_rate:.4f} (tp {figures.tp} fp {figures.fp} "
        f"fn {figures.fn} tn {figures.tn})"
    )
    for point in curve(scores):
        typer.echo(
            f"  t={point.threshold:.3f} P={point.precision:.3f} R={point.recall:.3f} "
            f"F1={point.f1:.3f} FAR={point.false_alert_rate:.4f}"
        )
