"""Checks on a participant before it joins the directory: identifiers and routing."""

from __future__ import annotations

import re

from corridor.foundation.errors import InputError
from corridor.iso20022.rules import bic_problem, lei_valid
from corridor.payments.records import Participant, ParticipantKind

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
NAME_LENGTH_MAX = 140


def check_participant(participant: Participant) -> None:
    """Raise InputError naming the first field that is wrong."""
    problem = bic_problem(participant.bic)
    if problem is not None:
        raise InputError(problem, field="bic", value=participant.bic)
    if participant.lei is not None and not lei_valid(participant.lei):
        raise InputError(
            "not a valid LEI (ISO 17442 check digits)", field="lei", value=participant.lei
        )
    if not participant.name or len(participant.name) > NAME_LENGTH_MAX:
        raise InputError(
            f"must be 1 to {NAME_LENGTH_MAX} characters", field="name", value=participant.name
        )
    if not _COUNTRY_RE.match(participant.country):
        raise InputError(
            "must be an ISO 3166 alpha-2 code", field="country", value=participant.country
        )
    indirect = participant.kind is ParticipantKind.indirect
    if indirect != (participant.settles_through is not None):
        raise InputError(
            "an indirect participant (and only one) names the direct "
            "participant it settles through",
            field="settles_through",
            value=participant.settles_through,
        )
