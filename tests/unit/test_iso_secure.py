"""Secure parsing and envelopes: hostile XML is refused with a reason; fuzzing never crashes."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.iso20022.examples import example_message
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import Reason
from corridor.iso20022.schema import SchemaRegistry
from corridor.iso20022.secure import ParseLimits

SCHEMAS = SchemaRegistry.default()
POLICY = Policy(schemas=SCHEMAS)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&x;</Document>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10)
        for i in range(9)
    )
    + b"]><l>&j;</l>"
)


def _refused(data: bytes, policy: Policy = POLICY) -> MessageReject:
    result = parse_message(data, policy)
    assert isinstance(result, MessageReject)
    assert result.problems and result.problems[0].message
    return result


def test_xxe_and_billion_laughs_refused() -> None:
    for data in (XXE, LAUGHS, XXE.replace(b"<!DOCTYPE", b"<!doctype")):
        assert _refused(data).reason is Reason.FF01


def test_size_depth_and_count_limits() -> None:
    small = Policy(limits=ParseLimits(size_bytes_max=1000))
    assert "size_bytes_max" in _refused(example_message("pacs.008"), small).message
    deep = b"<a>" * 5000 + b"</a>" * 5000
    assert _refused(deep).reason is Reason.FF01
    nested = b"<a>" * 60 + b"</a>" * 60
    assert "depth_max" in _refused(nested).message
    wide = b"<a>" + b"<b/>" * 300 + b"</a>"
    assert (
        "element_count_max"
        in _refused(wide, Policy(limits=ParseLimits(element_count_max=100))).message
    )


def test_non_utf8_and_garbage_refused() -> None:
    assert "UTF-8" in _refused(b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>').message
    assert _refused(b"\x00\x01\x02").reason is Reason.FF01
    assert _refused(b"").reason is Reason.FF01


def test_unqualified_document_names_the_namespace_problem() -> None:
    data = b"<RequestPayload><AppHdr/><Document><X/></Document></RequestPayload>"
    assert "namespace" in _refused(data).message


def test_unknown_version_refused() -> None:
    data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.99"><X/></Document>'
    assert "unsupported message version" in _refused(data).message


def test_swift_envelope_and_bare_document_accepted() -> None:
    data = example_message("pacs.008")
    swift = (
        data.replace(b"urn:corridor:xsd:message.01", b"urn:swift:xsd:envelope")
        .replace(b"<Message", b"<Envelope")
        .replace(b"</Message>", b"</Envelope>")
    )
    assert isinstance(parse_message(swift, POLICY), ParsedMessage)
    start, end = data.index(b"<Document"), data.index(b"</Document>") + len(b"</Document>")
    bare = parse_message(data[start:end], POLICY)
    assert isinstance(bare, ParsedMessage) and bare.header is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes_always_get_a_reasoned_reject(data: bytes) -> None:
    result = parse_message(data, POLICY)
    assert isinstance(result, MessageReject | ParsedMessage)
    if isinstance(result, MessageReject):
        assert result.reason in Reason and result.problems[0].message


_VALID = example_message("pacs.008")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_VALID) - 1), st.integers(1, 40), st.binary(min_size=0, max_size=40))
def test_fuzz_mutated_messages_never_crash_or_hang(at: int, cut: int, insert: bytes) -> None:
    data = _VALID[:at] + insert + _VALID[at + cut :]
    started = time.perf_counter()
    result = parse_message(data, POLICY)
    assert time.perf_counter() - started < 2.0
    if isinstance(result, MessageReject):
        assert result.problems[0].message
    else:
        assert result.body is not None


HOSTILE = st.sampled_from(
    [
        b"<!DOCTYPE x [<!ENTITY e SYSTEM 'http://example.com/'>]>",
        b"&e;",
        b"<![CDATA[",
        b"<?xml-stylesheet href='x'?>",
        b"<xi:include href='/etc/passwd' xmlns:xi='http://www.w3.org/2001/XInclude'/>",
        b"\xff\xfe",
        b"<a>" * 50,
        b"]]>",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_VALID)), HOSTILE)
def test_fuzz_hostile_fragments_refused_or_harmless(at: int, fragment: bytes) -> None:
    result = parse_message(_VALID[:at] + fragment + _VALID[at:], POLICY)
    if isinstance(result, MessageReject):
        assert result.problems[0].message
    else:
        assert b"passwd" not in repr(result).encode()
