"""Inbound: bytes to a typed record, or a rejection with ISO reason codes.

`parse_message` runs the checks in this fixed order and stops at the first stage that
finds problems (later stages would only repeat the damage):

1. secure parsing (size, UTF-8, no DTD/entities, well-formed, element count, depth)  FF01
2. locate AppHdr + Document (bare or in an envelope); known ISO namespaces           FF01
3. schema (SchemaRegistry, when given): AppHdr and Document                          FF01
4. AppHdr MsgDefIdr names the Document's version                                     FF01
5. signature (when a KeyRing is given)                                DS0A / DS0E / DS0B
6. extraction to records (currency and decimals)                             AM03 / CH20
7. direction: the message type is accepted in this direction                         NARR
8. business rules (rules.check_body)                    RC01 BE15 AC01 AM.. CH16 DT01
9. replay of the AppHdr and duplicate MsgId per sender (recorded only on success)   DUPL
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lxml import etree

from corridor.crypto.keys import KeyRing
from corridor.iso20022._xml import Element, ExtractError
from corridor.iso20022.envelope import MessageParts, locate_parts, namespace_of
from corridor.iso20022.extract.other import extract_header
from corridor.iso20022.guards import DuplicateGuard, ReplayGuard
from corridor.iso20022.reasons import Problem, Reason
from corridor.iso20022.records import Body, BusinessHeader, Direction, pickled_by_fields
from corridor.iso20022.registry import MessageType, by_namespace, is_header_namespace
from corridor.iso20022.rules import DEFAULT_RULES, RuleConfig, check_body
from corridor.iso20022.secure import DEFAULT_LIMITS, ParseLimits, secure_parse
from corridor.iso20022.signing import verify_apphdr

PROBLEMS_MAX = 50


class SchemaValidator(Protocol):
    """What the pipeline needs of corridor.iso20022.schema.SchemaRegistry."""

    def validate(self, element: Element) -> list: ...  # type: ignore[type-arg]


@dataclass(frozen=True, slots=True)
class Policy:
    """What `parse_message` checks beyond well-formedness. The hub builds one at start-up.

    Attributes:
        schemas: the schema validator (None skips step 3: only for tests and benchmarks
            that measure the other steps).
        direction: the direction the message travels (None: any, e.g. `iso validate`).
        keys: registered public keys (None skips signature checks).
        require_signature: refuse unsigned messages (DS0A).
        require_header: refuse a Document without AppHdr.
        require_document: refuse an AppHdr without Document.
        duplicates / replays: guards (None skips them).
        now: the time, for date windows and replay checks (None skips them).
        relay_identifiers: message versions whose transactions are also kept as XML
            (`ParsedMessage.transactions_xml`), for a hub that forwards them as received.
    """

    schemas: SchemaValidator | None = None
    rules: RuleConfig = DEFAULT_RULES
    limits: ParseLimits = DEFAULT_LIMITS
    direction: Direction | None = None
    keys: KeyRing | None = None
    require_signature: bool = False
    require_header: bool = False
    require_document: bool = True
    duplicates: DuplicateGuard | None = None
    replays: ReplayGuard | None = None
    now: datetime | None = None
    relay_identifiers: frozenset[str] = frozenset()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """An accepted message: its version, header and body record.

    Attributes:
        message_type: the registry row of the Document (None for a header-only message).
        header: the AppHdr record, or None for a bare Document.
        body: the Document as a record, or None for a header-only message.
        envelope: the wrapper's tag, or "" for a bare part.
        transactions_xml: each transaction element (CdtTrfTxInf), serialised as received,
            in message order, when the policy's relay_identifiers name this version.
    """

    message_type: MessageType | None
    header: BusinessHeader | None
    body: Body | None
    envelope: str = ""
    transactions_xml: tuple[bytes, ...] = ()

    @property
    def identifier(self) -> str:
        if self.message_type is not None:
            return self.message_type.identifier
        return self.header.msg_def_id if self.header else ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class MessageReject:
    """A refused message: the problems found (first = the reason answered with).

    Attributes:
        problems: at most PROBLEMS_MAX problems, in check order.
        reference: the refused message's BizMsgIdr or MsgId when it could be read.
        identifier: its message version when known, e.g. "pacs.008.001.08".
    """

    problems: tuple[Problem, ...]
    reference: str | None = None
    identifier: str | None = None
    sender: str | None = field(default=None)

    @property
    def reason(self) -> Reason:
        return self.problems[0].reason

    @property
    def message(self) -> str:
        return self.problems[0].describe()


def _reject(
    problems: list[Problem] | Problem,
    parts: MessageParts | None = None,
    identifier: str | None = None,
) -> MessageReject:
    found = [problems] if isinstance(problems, Problem) else problems
    return MessageReject(
        problems=tuple(found[:PROBLEMS_MAX]), reference=_reference(parts), identifier=identifier
    )


def _reference(parts: MessageParts | None) -> str | None:
    if parts is None:
        return None
    for el in (parts.apphdr, parts.document):
        if el is not None:
            for tag in ("BizMsgIdr", "MsgId", "Id"):
                found = el.find(f".//{{{namespace_of(el)}}}{tag}")
                if found is not None and found.text:
                    return found.text.strip()[:35]
    return None


def _resolve(parts: MessageParts) -> tuple[MessageType | None, Element | None, Problem | None]:
    if parts.apphdr is not None and not is_header_namespace(namespace_of(parts.apphdr)):
        return (
            None,
            None,
            Problem(
                Reason.FF01,
                "/AppHdr",
                namespace_of(parts.apphdr),
                "unsupported Business Application Header version "
                "(head.001.001.02 and .03 are accepted)",
            ),
        )
    if parts.document is None:
        return None, None, None
    ns = namespace_of(parts.document)
    row = by_namespace(ns)
    if row is None:
        return None, None, Problem(Reason.FF01, "/Document", ns, "unsupported message version")
    children = list(parts.document.iterchildren(etree.Element))
    if len(children) != 1 or etree.QName(children[0]).localname != row.root:
        return (
            row,
            None,
            Problem(Reason.FF01, "/Document", None, f"Document must hold exactly one {row.root}"),
        )
    return row, children[0], None


def _schema_problems(schemas: SchemaValidator, parts: MessageParts) -> list[Problem]:
    problems: list[Problem] = []
    for el in (parts.apphdr, parts.document):
        if el is not None:
            problems += [
                Problem(Reason.FF01, i.xpath, i.value, f"{i.rule}: {i.message}")
                for i in schemas.validate(el)
            ]
    return problems


def _structure(parts: MessageParts, policy: Policy) -> Problem | None:
    if parts.apphdr is None and policy.require_header:
        return Problem(Reason.FF01, "/AppHdr", None, "a Business Application Header is required")
    if parts.document is None and policy.require_document:
        return Problem(Reason.FF01, "/Document", None, "the message has no Document")
    return None


def _header_matches(header: BusinessHeader, row: MessageType | None) -> Problem | None:
    if row is not None and header.msg_def_id != row.identifier:
        return Problem(
            Reason.FF01,
            "/AppHdr/MsgDefIdr",
            header.msg_def_id,
            f"MsgDefIdr must name the Document's version {row.identifier}",
        )
    return None


def _guards(
    policy: Policy, header: BusinessHeader | None, body: Body | None, sender: str
) -> Problem | None:
    if (
        policy.replays is not None
        and header is not None
        and policy.now is not None
        and (policy.replays.seen(sender, header.biz_msg_id))
    ):
        return Problem(
            Reason.DUPL,
            "/AppHdr/BizMsgIdr",
            header.biz_msg_id,
            "this header was already received (replay)",
        )
    msg_id = getattr(body, "msg_id", None)
    if (
        policy.duplicates is not None
        and msg_id is not None
        and (policy.duplicates.seen(sender, msg_id))
    ):
        return Problem(
            Reason.DUPL, "/Document//MsgId", msg_id, f"MsgId already received from {sender}"
        )
    return None


def _remember(
    policy: Policy, header: BusinessHeader | None, body: Body | None, sender: str
) -> Problem | None:
    if (
        policy.replays is not None
        and header is not None
        and policy.now is not None
        and (not policy.replays.remember(sender, header.biz_msg_id, header.created_at, policy.now))
    ):
        return Problem(
            Reason.DUPL,
            "/AppHdr/CreDt",
            header.created_at.isoformat(),
            "header outside the replay window or replayed",
        )
    msg_id = getattr(body, "msg_id", None)
    if policy.duplicates is not None and msg_id is not None:
        policy.duplicates.remember(sender, msg_id)
    return None


def _sender(header: BusinessHeader | None, body: Body | None) -> str:
    if header is not None:
        return header.from_agent.key
    group = getattr(body, "group", None)
    agent = group.instructing_agent if group is not None else None
    return agent.key if agent is not None else ""


def parse_message(data: bytes, policy: Policy = Policy()) -> ParsedMessage | MessageReject:
    """Parse, validate and extract one message (see the module docstring for the order)."""
    root = secure_parse(data, policy.limits)
    if isinstance(root, Problem):
        return _reject(root)
    parts = locate_parts(root)
    if isinstance(parts, Problem):
        return _reject(parts)
    row, message_el, problem = _resolve(parts)
    identifier = row.identifier if row is not None else None
    problem = problem or _structure(parts, policy)
    if problem is not None:
        return _reject(problem, parts, identifier)
    if policy.schemas is not None and (problems := _schema_problems(policy.schemas, parts)):
        return _reject(problems, parts, identifier)
    return _checked(parts, row, message_el, policy)


def _checked(
    parts: MessageParts, row: MessageType | None, message_el: Element | None, policy: Policy
) -> ParsedMessage | MessageReject:
    identifier = row.identifier if row is not None else None
    try:
        header = None
        if parts.apphdr is not None:
            header = extract_header(parts.apphdr, namespace_of(parts.apphdr))
            if problem := _header_matches(header, row):
                return _reject(problem, parts, identifier)
            if problem := _signature(parts, header, policy):
                return _reject(problem, parts, identifier)
        elif policy.require_signature:
            return _reject(
                Problem(Reason.DS0A, "/AppHdr", None, "a signed AppHdr is required"),
                parts,
                identifier,
            )
        body = None
        if row is not None and message_el is not None:
            body = row.extract(message_el, row.namespace)
    except ExtractError as exc:
        return _reject(exc.problem, parts, identifier)
    return _business(parts, row, header, body, policy)


def _signature(parts: MessageParts, header: BusinessHeader, policy: Policy) -> Problem | None:
    if policy.keys is None or parts.apphdr is None or parts.document is None:
        return None
    if not header.signed and not policy.require_signature:
        return None
    return verify_apphdr(parts.apphdr, parts.document, policy.keys, header.from_agent.key or None)


def _business(
    parts: MessageParts,
    row: MessageType | None,
    header: BusinessHeader | None,
    body: Body | None,
    policy: Policy,
) -> ParsedMessage | MessageReject:
    identifier = row.identifier if row is not None else None
    if (
        row is not None
        and policy.direction is not None
        and (policy.direction not in row.directions)
    ):
        return _reject(
            Problem(
                Reason.NARR,
                "/Document",
                row.identifier,
                f"{row.identifier} is not accepted {policy.direction.name.lower()}",
            ),
            parts,
            identifier,
        )
    inbound = policy.direction is not Direction.OUTBOUND
    problems = (
        check_body(body, inbound=inbound, config=policy.rules, header=header, now=policy.now)
        if body is not None or header is not None
        else []
    )
    if problems:
        return _reject(problems, parts, identifier)
    sender = _sender(header, body)
    problem = _guards(policy, header, body, sender) or _remember(policy, header, body, sender)
    if problem is not None:
        return _reject(problem, parts, identifier)
    return ParsedMessage(
        message_type=row,
        header=header,
        body=body,
        envelope=parts.envelope,
        transactions_xml=_transactions_xml(parts, row, policy),
    )


def _transactions_xml(
    parts: MessageParts, row: MessageType | None, policy: Policy
) -> tuple[bytes, ...]:
    if row is None or parts.document is None or row.identifier not in policy.relay_identifiers:
        return ()
    tag = f"{{{row.namespace}}}CdtTrfTxInf"
    return tuple(
        etree.tostring(tx, with_tail=False)
        for message in parts.document.iterchildren(etree.Element)
        for tx in message.iterchildren(tag)
    )
