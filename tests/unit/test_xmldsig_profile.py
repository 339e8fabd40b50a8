"""xmldsig.verify reads the signature's parts as ElementPath's find/findtext would: the first
matching child, "" for an empty one, None for a missing one; anything off the profile is
MALFORMED, a changed digest DIGEST_MISMATCH, a wrong value BAD_SIGNATURE."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from corridor.crypto import xmldsig
from corridor.crypto.keys import PublicKey, fingerprint, generate_private_key
from corridor.crypto.xmldsig import DS, Verdict

_D = f"{{{DS}}}"
Element = etree._Element


def _signed() -> tuple[Element, Element, Element, PublicKey]:
    key = generate_private_key()
    root = etree.fromstring(
        b'<M xmlns="urn:test"><H><Id>1</Id><Sgntr/></H><B><Amt Ccy="EUR">1.00</Amt></B></M>'
    )
    header, body = root[0], root[1]
    signature = xmldsig.sign(header, body, header[1], key)
    return header, body, signature, key.public_key()


def _verdict(mutate: Callable[[Element], object]) -> tuple[Verdict, str | None]:
    header, body, signature, public = _signed()
    mutate(signature)
    return xmldsig.verify(
        header, body, signature, lambda name: public if name == fingerprint(public) else None
    )


def _info(signature: Element) -> Element:
    return signature[0]


def _add_child(parent: Element, tag: str, text: str | None = None, index: int = 0) -> None:
    child = etree.Element(_D + tag)
    child.text = text
    parent.insert(index, child)


def test_the_signature_as_written_is_valid() -> None:
    verdict, key_name = _verdict(lambda s: None)
    assert verdict is Verdict.VALID and key_name is not None and key_name.startswith("sha256:")


@pytest.mark.parametrize(
    ("mutate", "verdict"),
    [
        # A KeyInfo without KeyName before the real one: the KeyName is still found.
        (lambda s: _add_child(s, "KeyInfo", index=2), Verdict.VALID),
        # Another SignedInfo after the first one is ignored, as find() ignores it.
        (lambda s: s.insert(3, etree.Element(_D + "SignedInfo")), Verdict.VALID),
        (lambda s: s.remove(s[2]), Verdict.MALFORMED),  # no KeyInfo
        (lambda s: s.remove(s[1]), Verdict.MALFORMED),  # no SignatureValue
        (lambda s: s.remove(s[0]), Verdict.MALFORMED),  # no SignedInfo
        (lambda s: _info(s).remove(_info(s)[0]), Verdict.MALFORMED),  # no c14n method
        (lambda s: _info(s)[0].set("Algorithm", "other"), Verdict.MALFORMED),
        (lambda s: _info(s).remove(_info(s)[3]), Verdict.MALFORMED),  # one Reference
        (lambda s: _info(s)[3].set("URI", ""), Verdict.MALFORMED),
        (lambda s: _info(s)[2].remove(_info(s)[2][1]), Verdict.MALFORMED),  # no DigestMethod
        (lambda s: _info(s)[3][1].set("Algorithm", "sha1"), Verdict.MALFORMED),
        # A second Transforms adds its Transform to the first one's: off the profile.
        (
            lambda s: _info(s)[3].insert(1, etree.fromstring(etree.tostring(_info(s)[3][0]))),
            Verdict.MALFORMED,
        ),
        (lambda s: _info(s)[2][0].remove(_info(s)[2][0][0]), Verdict.MALFORMED),
        (lambda s: _info(s)[2].remove(_info(s)[2][2]), Verdict.DIGEST_MISMATCH),  # no value
        (lambda s: setattr(_info(s)[3][2], "text", "AAAA"), Verdict.DIGEST_MISMATCH),
        (lambda s: setattr(s[1], "text", None), Verdict.BAD_SIGNATURE),  # empty value
        (lambda s: setattr(s[1], "text", "not base64!"), Verdict.MALFORMED),
        (lambda s: _info(s)[1].set("Algorithm", xmldsig.ALG_P256), Verdict.BAD_SIGNATURE),
    ],
)
def test_each_part_is_read_as_find_reads_it(
    mutate: Callable[[Element], object], verdict: Verdict
) -> None:
    assert _verdict(mutate)[0] is verdict


def test_an_empty_key_name_is_reported_as_found() -> None:
    def empty_key_name(signature: Element) -> None:
        signature[2][0].text = None

    assert _verdict(empty_key_name) == (Verdict.UNKNOWN_KEY, "")
