"""Every reason code the hub answers with beyond the message layer's is in the table of
docs/integration.md that bank integrators read, and the table names no code the hub does
not use."""

from __future__ import annotations

import re
from pathlib import Path

from corridor.hub.reasons import HUB_REASON_TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def _hub_table_codes() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("Beyond the message layer's codes")
    table = text[start : text.index("\n\n", text.index("| code | when |", start))]
    return re.findall(r"^\| `([A-Z0-9]{4})` \|", table, flags=re.MULTILINE)


def test_the_hub_reason_table_and_the_integration_guide_agree() -> None:
    assert _hub_table_codes() == [code for code, _ in HUB_REASON_TABLE]
