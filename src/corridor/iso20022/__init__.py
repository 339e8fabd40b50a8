"""ISO 20022 messages in and out (domain layer).

Inbound: `parse_message(data, Policy(...)) -> ParsedMessage | MessageReject` (pipeline).
Outbound: `build_message(make_header(body, from_agent, to_agent, created_at), body, key)`
(outbound). Records are in `records`, reason codes in `reasons`, versions in `registry`,
the schema validator in the `schema` subpackage. See docs/integration.md, "Messages".
"""

from corridor.iso20022.outbound import build_message, make_header, message_type_for
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import Problem, Reason
from corridor.iso20022.secure import ParseLimits

__all__ = [
    "MessageReject",
    "ParseLimits",
    "ParsedMessage",
    "Policy",
    "Problem",
    "Reason",
    "build_message",
    "make_header",
    "message_type_for",
    "parse_message",
]
