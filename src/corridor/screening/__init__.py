"""Watch lists and name matching (domain layer; pure: loaders take bytes, no I/O).

Public API (stable for the hub)::

    load_un_xml(data, *, list_name="un") -> WatchList
    load_ofac_csv(sdn, add, alt, comments, *, list_name="ofac_sdn") -> WatchList
    load_ofac_xml(data, *, list_name="ofac_sdn") -> WatchList
    load_eu_xml(data, *, list_name="eu") -> WatchList
    load_simple_csv(data, *, list_name) -> WatchList
    diff_lists(old | None, new) -> ListDiff
    rescreen(new_lists, diffs, subjects, *, threshold=None) -> list[ScreeningResult]
    Screener(lists, threshold=None, *, suppressions=()) with
        .check(name, *, country=None, dob=None, entity_type=None, identifiers=()) -> list[Hit]
        .screen(subject: ScreeningSubject, rules=()) -> ScreeningResult
        .scan_text(text) -> list[Hit]
    screen_payment(screener, subject, rules=()) -> ScreeningResult
    evaluate_aml(payment, history, rules) -> tuple[AmlAlert, ...]

Errors: ListFormatError(InputError) names the file line or XML element that is wrong.
"""

from corridor.screening._aml import AmlAlert, AmlRules, PaymentFact, evaluate_aml
from corridor.screening._diff import diff_lists
from corridor.screening._load_common import ListFormatError
from corridor.screening._load_eu import load_eu_xml
from corridor.screening._load_ofac import load_ofac_csv
from corridor.screening._load_ofac_xml import load_ofac_xml
from corridor.screening._load_simple import load_simple_csv
from corridor.screening._load_un import load_un_xml
from corridor.screening._matcher import MatchConfig
from corridor.screening._normalise import normalise_name, suppression_key
from corridor.screening._payment import screen_payment
from corridor.screening._qualifiers import QualifierConfig
from corridor.screening._records import (
    CountryRule,
    EntryChange,
    EntryName,
    FieldScore,
    Hit,
    Identifier,
    ListDiff,
    ListEntry,
    ListVersionRef,
    Party,
    RuleHit,
    ScreeningResult,
    ScreeningSubject,
    Suppression,
    WatchList,
)
from corridor.screening._rescreen import rescreen
from corridor.screening._screener import DEFAULT_THRESHOLD, Screener

__all__ = [
    "DEFAULT_THRESHOLD",
    "AmlAlert",
    "AmlRules",
    "CountryRule",
    "EntryChange",
    "EntryName",
    "FieldScore",
    "Hit",
    "Identifier",
    "ListDiff",
    "ListEntry",
    "ListFormatError",
    "ListVersionRef",
    "MatchConfig",
    "Party",
    "PaymentFact",
    "QualifierConfig",
    "RuleHit",
    "Screener",
    "ScreeningResult",
    "ScreeningSubject",
    "Suppression",
    "WatchList",
    "diff_lists",
    "evaluate_aml",
    "load_eu_xml",
    "load_ofac_csv",
    "load_ofac_xml",
    "load_simple_csv",
    "load_un_xml",
    "normalise_name",
    "rescreen",
    "screen_payment",
    "suppression_key",
]
