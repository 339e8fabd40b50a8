"""Small, fast helpers to read and write ISO 20022 XML with lxml. Internal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from corridor.foundation.errors import AmountError, CurrencyError
from corridor.foundation.money import parse_amount
from corridor.iso20022.reasons import Problem, Reason

ISO_NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
Element = etree._Element


class ExtractError(Exception):
    """A value that passed the schema but cannot become a record (internal, carries a Problem)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


def child_text(d: dict[str, Element], name: str) -> str | None:
    el = d.get(name)
    if el is None:
        return None
    value = el.text
    return value.strip() if value is not None else ""


def parse_datetime(value: str, xpath: str) -> datetime:
    """An xs:dateTime to an aware datetime; a time without offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ExtractError(Problem(Reason.DT01, xpath, value, "not an ISO date-time")) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_date(value: str, xpath: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ExtractError(Problem(Reason.DT01, xpath, value, "not an ISO date")) from None


def child_date(d: dict[str, Element], name: str, xpath: str) -> date | None:
    """The optional xs:date child `name` (None when absent or empty); `xpath` is the parent's
    (the child's XPath is written only for a problem: most transactions have this date)."""
    raw = child_text(d, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return parse_date(raw, f"{xpath}/{name}")  # raises, with the child's XPath


def parse_decimal(value: str, xpath: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ExtractError(Problem(Reason.FF01, xpath, value, "not a decimal number")) from None
    if not number.is_finite():
        raise ExtractError(Problem(Reason.FF01, xpath, value, "not a finite decimal number"))
    return number


def amount(el: Element, parent: str, name: str) -> tuple[int, str]:
    """An element with a Ccy attribute and a decimal text to (amount_minor, currency).
    `el` is the child `name` of the element at XPath `parent`: its own XPath is written
    only for a problem (a bulk message has an amount or two per transaction)."""
    currency = el.get("Ccy") or ""
    value = (el.text or "").strip()
    try:
        return parse_amount(value, currency), currency
    except CurrencyError as exc:
        problem = Problem(Reason.AM03, f"{parent}/{name}/@Ccy", currency, exc.message)
        raise ExtractError(problem) from None
    except AmountError as exc:
        reason = Reason.CH20 if "fraction digits" in exc.message else Reason.FF01
        raise ExtractError(Problem(reason, f"{parent}/{name}", value, exc.message)) from None


def format_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: outbound messages carry aware UTC datetimes")
    return moment.isoformat()


def format_decimal(number: Decimal) -> str:
    return format(number, "f")
