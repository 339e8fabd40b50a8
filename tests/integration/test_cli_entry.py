"""The `corridor` entry point: a bank's own commands start without importing the hub,
and show the same commands, options and help as the whole app."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Runs the entry point (`main`) or the whole app (`app`) on argv, then names which heavy
# modules it loaded.
_SCRIPT = """
import contextlib
import sys
sys.argv = ["corridor", *{argv!r}]
from corridor.cli.main import {call}
with contextlib.suppress(SystemExit):  # typer ends with sys.exit
    {call}()
heavy = ("corridor.bootstrap", "corridor.hub", "corridor.store", "sqlalchemy", "fastapi")
print("LOADED", sorted(m for m in heavy if m in sys.modules))
"""


def _python(code: str) -> str:
    env = os.environ | {"COLUMNS": "100", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("argv", [["participant", "--help"], ["participant", "send", "--help"]])
def test_bank_commands_start_without_the_hub_and_match_the_whole_app(argv: list[str]) -> None:
    help_text, loaded = _python(_SCRIPT.format(argv=argv, call="main")).rsplit("LOADED ", 1)
    assert loaded.strip() == "[]"  # nothing of the hub, its storage or the web server
    assert "Usage: corridor participant" in help_text
    whole_help, _ = _python(_SCRIPT.format(argv=argv, call="app")).rsplit("LOADED ", 1)
    assert help_text == whole_help


def test_other_commands_load_the_whole_app() -> None:
    out = _python(_SCRIPT.format(argv=["--help"], call="main"))
    assert "participant" in out and "serve" in out and "bench" in out
    assert "corridor.bootstrap" in out.rsplit("LOADED ", 1)[1]
