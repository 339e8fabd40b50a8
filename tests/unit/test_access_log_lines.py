"""The access log's line buffer: request lines leave together, shortly; warnings at once."""

from __future__ import annotations

import asyncio
import io

import pytest

from corridor.api.access_log import LineBuffer


def test_without_an_event_loop_every_line_is_written_at_once() -> None:
    out = io.StringIO()
    lines = LineBuffer(out)
    lines.info('{"event":"a"}')
    assert out.getvalue() == '{"event":"a"}\n'


def test_on_the_loop_info_lines_wait_and_leave_together() -> None:
    out = io.StringIO()
    lines = LineBuffer(out)

    async def run() -> list[str]:
        lines.info("1")
        lines.info("2")
        seen = [out.getvalue()]
        await asyncio.sleep(LineBuffer.FLUSH_AFTER_S * 2)
        seen.append(out.getvalue())
        return seen

    assert asyncio.run(run()) == ["", "1\n2\n"]


def test_a_warning_is_written_at_once_after_what_waits() -> None:
    out = io.StringIO()
    lines = LineBuffer(out)

    async def run() -> str:
        lines.info("request")
        lines.warning("trouble")
        return out.getvalue()

    assert asyncio.run(run()) == "request\ntrouble\n"


def test_a_full_buffer_is_written_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LineBuffer, "LINES_MAX", 3)
    out = io.StringIO()
    lines = LineBuffer(out)

    async def run() -> str:
        for n in range(4):
            lines.info(str(n))
        return out.getvalue()

    assert asyncio.run(run()) == "0\n1\n2\n"
    lines.flush()  # what is left (the atexit hook does this at the end of the process)
    assert out.getvalue() == "0\n1\n2\n3\n"
