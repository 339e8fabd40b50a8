"""`corridor screening ...` end to end with the file archive (own fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from corridor.cli.main import app
from corridor.store.watchlist_archive import WatchListArchive

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screening"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["screening", *args])
    return result.exit_code, result.output


def test_load_show_check_diff_and_malformed_keeps_previous(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    code, out = _run(
        "lists", "load", "--list", "un", "--format", "un_xml", str(FIXTURES / "un_small.xml"), *data
    )
    assert code == 0, out
    assert "+3 -0 ~0" in out
    first = WatchListArchive(tmp_path).current("un")
    assert first is not None
    assert first.entries == 3

    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>")
    code, out = _run("lists", "load", "--list", "un", "--format", "un_xml", str(bad), *data)
    assert code == 2
    assert "line 1" in out
    assert WatchListArchive(tmp_path).current("un") == first

    changed = tmp_path / "un_v2.xml"
    changed.write_bytes(
        (FIXTURES / "un_small.xml").read_bytes().replace(b"<YEAR>1965</YEAR>", b"<YEAR>1964</YEAR>")
    )
    code, out = _run("lists", "load", "--list", "un", "--format", "un_xml", str(changed), *data)
    assert code == 0, out
    assert "+0 -0 ~1" in out
    code, out = _run("lists", "diff", "--list", "un", *data)
    assert "~ un:TLi.002: dates_of_birth" in out
    code, out = _run("lists", "show", *data)
    assert "2 version(s) kept" in out

    code, out = _run("check", "Kolokoltsev, Ivan", "--country", "RU", *data)
    assert code == 0
    assert "un:TLi.001" in out
    assert "country: 'RU'" in out
    code, out = _run("check", "Kolokoltsev, Ivan", "--json", *data)
    assert json.loads(out)[0]["entry_id"] == "un:TLi.001"


def test_ofac_csv_set_and_eval(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    files = [
        str(FIXTURES / "ofac_csv" / n)
        for n in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")
    ]
    code, out = _run("lists", "load", "--list", "ofac_sdn", "--format", "ofac_csv", *files, *data)
    assert code == 0, out
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(
        "query,list_entry_id,label\n"
        "Rustam Karimov,ofac_sdn:101,1\n"
        "Northern Light Maritime Limited,ofac_sdn:102,1\n"
        "Southern Dark Farming,,0\n",
        encoding="utf-8",
    )
    code, out = _run("eval", str(labelled), "--json", *data)
    assert code == 0, out
    figures = json.loads(out)["at_threshold"]
    assert (figures["recall"], figures["false_alert_rate"]) == (1.0, 0.0)
    code, out = _run("eval", str(labelled), *data)
    assert "precision 1.0000 recall 1.0000" in out
