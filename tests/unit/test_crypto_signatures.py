"""Keys and XML-DSig: signed messages verify; wrong, missing or replayed ones are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.crypto.keys import (
    KeyKind,
    KeyRing,
    fingerprint,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from corridor.foundation.errors import InputError
from corridor.iso20022.examples import AT, DEBTOR_BANK, HUB, credit_transfer
from corridor.iso20022.guards import MemoryReplayGuard
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import Reason
from corridor.iso20022.schema import SchemaRegistry

SCHEMAS = SchemaRegistry.default()


def _signed(kind: KeyKind = KeyKind.ED25519):
    key = generate_private_key(kind)
    body = credit_transfer(1)
    data = build_message(make_header(body, DEBTOR_BANK, HUB, AT), body, key)
    ring = KeyRing()
    ring.add(DEBTOR_BANK.key, key.public_key())
    return data, ring, key


@pytest.mark.parametrize("kind", list(KeyKind))
def test_signed_message_verifies_and_is_schema_valid(kind: KeyKind) -> None:
    data, ring, _ = _signed(kind)
    result = parse_message(data, Policy(schemas=SCHEMAS, keys=ring, require_signature=True))
    assert isinstance(result, ParsedMessage), result.problems
    assert result.header is not None and result.header.signed


def test_tampered_document_is_ds0b() -> None:
    data, ring, _ = _signed()
    tampered = data.replace(b"Invoice 2026-00001", b"Invoice 2026-00002")
    result = parse_message(tampered, Policy(schemas=SCHEMAS, keys=ring))
    assert isinstance(result, MessageReject) and result.reason is Reason.DS0B


def test_missing_signature_is_ds0a() -> None:
    body = credit_transfer(1)
    data = build_message(make_header(body, DEBTOR_BANK, HUB, AT), body)
    result = parse_message(data, Policy(keys=KeyRing(), require_signature=True))
    assert isinstance(result, MessageReject) and result.reason is Reason.DS0A


def test_unknown_key_and_other_owner_are_ds0e() -> None:
    data, _, key = _signed()
    result = parse_message(data, Policy(keys=KeyRing()))
    assert isinstance(result, MessageReject) and result.reason is Reason.DS0E
    ring = KeyRing()
    ring.add("SBININBBXXX", key.public_key())
    result = parse_message(data, Policy(keys=ring))
    assert isinstance(result, MessageReject) and result.reason is Reason.DS0E


def test_replayed_signed_message_is_dupl() -> None:
    data, ring, _ = _signed()
    policy = Policy(keys=ring, replays=MemoryReplayGuard(), now=AT + timedelta(seconds=1))
    assert isinstance(parse_message(data, policy), ParsedMessage)
    again = parse_message(data, policy)
    assert isinstance(again, MessageReject) and again.reason is Reason.DUPL


def test_signature_with_foreign_algorithm_is_refused() -> None:
    data, ring, _ = _signed()
    forged = data.replace(b"xml-exc-c14n#", b"REC-xml-c14n-20010315", 1)
    result = parse_message(forged, Policy(keys=ring))
    assert isinstance(result, MessageReject) and result.reason is Reason.DS0B


def test_pem_round_trip_and_fingerprint() -> None:
    key = generate_private_key(KeyKind.P256)
    again = load_private_key(private_key_pem(key))
    assert fingerprint(again.public_key()) == fingerprint(key.public_key())
    assert fingerprint(load_public_key(public_key_pem(key.public_key()))).startswith("sha256:")
    with pytest.raises(InputError):
        load_public_key(b"not a key")


@pytest.mark.parametrize("kind", list(KeyKind))
def test_signed_info_is_signed_in_its_canonical_form(kind: KeyKind) -> None:
    """sign() writes c14n(SignedInfo) from a template: it must be the canonicaliser's."""
    from lxml import etree

    from corridor.crypto import xmldsig

    data, _, _ = _signed(kind)
    info = etree.fromstring(data).find(f".//{{{xmldsig.DS}}}SignedInfo")
    assert info is not None
    method = info.find(f"{{{xmldsig.DS}}}SignatureMethod")
    assert method is not None
    digests = [d.text for d in info.iter(f"{{{xmldsig.DS}}}DigestValue")]
    assert len(digests) == 2 and all(digests)
    templated = xmldsig._signed_info_c14n(method.get("Algorithm") or "", *digests)  # type: ignore[arg-type]
    assert templated == xmldsig.c14n(info)


def test_the_signature_goes_before_the_related_header() -> None:
    """AppHdr/Sgntr is placed before AppHdr/Rltd, as head.001 orders them."""
    from lxml import etree

    from corridor.iso20022.signing import sign_apphdr

    ns = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"
    apphdr = etree.fromstring(f'<AppHdr xmlns="{ns}"><BizMsgIdr>B1</BizMsgIdr><Rltd/></AppHdr>')
    document = etree.fromstring('<Document xmlns="urn:x"><A>1</A></Document>')
    sign_apphdr(apphdr, document, generate_private_key())
    assert [etree.QName(c).localname for c in apphdr] == ["BizMsgIdr", "Sgntr", "Rltd"]
