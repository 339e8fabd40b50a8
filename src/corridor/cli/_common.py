"""Shared CLI plumbing: the console, JSON output, and turning errors into exit codes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from corridor.foundation.errors import CorridorError, InputError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    """One JSON object on stdout, nothing else (for --json)."""
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def show_report(report: Any, as_json: bool, line: str, *, markup: bool = True) -> None:
    """A hub report (a client dataclass): every field as JSON (--json), else one line."""
    if as_json:
        print_json(dataclasses.asdict(report))
        return
    console.print(line, markup=markup)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a Corridor error as one clear line and exit non-zero; let bugs raise."""
    try:
        yield
    except InputError as error:
        err_console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
    except CorridorError as error:
        err_console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(1) from None
