"""XML-DSig (enveloped, exclusive canonicalisation) over a header and a body element.

The profile, fixed and strict (no other algorithm or transform is accepted on verify):
- CanonicalizationMethod: exclusive XML canonicalisation without comments
  (http://www.w3.org/2001/10/xml-exc-c14n#).
- SignatureMethod: Ed25519 (RFC 9231 URI ...xmldsig-more#eddsa-ed25519) or ECDSA P-256
  with SHA-256 (...xmldsig-more#ecdsa-sha256, value = r || s, 32 bytes each).
- Reference 1, URI="": the header element, transforms enveloped-signature then exclusive
  c14n (the header is digested with its ds:Signature removed, the empty container kept).
- Reference 2, no URI: the body element, exclusive c14n. Both digests SHA-256.
- KeyInfo/KeyName: the signer's key fingerprint ("sha256:<hex>").
This is the ISO 20022 Business Application Header convention (signature in AppHdr/Sgntr
covering the AppHdr and the Document).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from lxml import etree

from corridor.crypto import sodium
from corridor.crypto.keys import PrivateKey, PublicKey, fingerprint

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N_EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ALG_ED25519 = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"
ALG_P256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SIGNATURE_BYTES_MAX = 16 * 1024
_D = f"{{{DS}}}"

Element = etree._Element


class Verdict(StrEnum):
    VALID = "valid"
    MISSING = "missing"
    UNKNOWN_KEY = "unknown_key"
    MALFORMED = "malformed"
    DIGEST_MISMATCH = "digest_mismatch"
    BAD_SIGNATURE = "bad_signature"


def c14n(el: Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


def _digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _sub(parent: Element, name: str, **attrs: str) -> Element:
    return etree.SubElement(parent, _D + name, **attrs)


def _reference(parent: Element, uri: str | None, transforms: tuple[str, ...], digest: str) -> None:
    ref = _sub(parent, "Reference", **({"URI": uri} if uri is not None else {}))
    tr = _sub(ref, "Transforms")
    for algorithm in transforms:
        _sub(tr, "Transform", Algorithm=algorithm)
    _sub(ref, "DigestMethod", Algorithm=SHA256)
    _sub(ref, "DigestValue").text = digest


def _algorithm(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return ALG_ED25519
    return ALG_P256


def _header_digest(header: Element) -> str:
    """Digest of the header without its (first) ds:Signature (the enveloped-signature
    transform). The signature is taken out for the canonicalisation and put back where it
    was, tail included (cheaper than copying the header)."""
    sig = next(header.iter(_D + "Signature"), None)
    parent = sig.getparent() if sig is not None else None
    if sig is None or parent is None:
        return _digest(c14n(header))
    index = parent.index(sig)
    parent.remove(sig)  # lxml moves the tail text out with the element
    try:
        return _digest(c14n(header))
    finally:
        parent.insert(index, sig)


def sign(header: Element, body: Element, container: Element, key: PrivateKey) -> Element:
    """Sign header + body; append the ds:Signature to `container` (inside the header).
    For messages written as text, `signature_xml` gives the same signature as text."""
    if container.find(_D + "Signature") is not None:
        raise ValueError("the header is already signed")
    algorithm = _algorithm(key)
    signature = _skeleton(algorithm).__copy__()  # lxml copies the whole subtree
    info, value, key_info = signature[0], signature[1], signature[2]
    digests = _digest(c14n(header)), _digest(c14n(body))
    info[2][2].text, info[3][2].text = digests  # each Reference's DigestValue
    value.text = _signature_value(key, _signed_info_c14n(algorithm, *digests))
    key_info[0].text = _key_name(key)
    container.append(signature)
    return signature


def signature_xml(header_c14n: bytes, body_c14n: bytes, key: PrivateKey) -> bytes:
    """The ds:Signature `sign` would append, as lxml writes it in a document, for a header
    and a body given in canonical form (the header as the enveloped-signature transform
    sees it: with its signature container, empty). For messages written as text: no
    element is built, parsed or canonicalised."""
    algorithm = _algorithm(key)
    digests = _digest(header_c14n), _digest(body_c14n)
    value = _signature_value(key, _signed_info_c14n(algorithm, *digests))
    parts = _signature_xml_parts(algorithm)
    filled = (digests[0], digests[1], value, _key_name(key))
    return parts[0] + b"".join(v.encode() + part for v, part in zip(filled, parts[1:], strict=True))


def _signature_value(key: PrivateKey, signed_info: bytes) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = sodium.sign(key, signed_info)
    else:
        r, s = decode_dss_signature(key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return base64.b64encode(raw).decode("ascii")


_SKELETONS: dict[str, Element] = {}
_SIGNED_INFO_PARTS: dict[str, tuple[bytes, bytes, bytes]] = {}
_SIGNATURE_XML_PARTS: dict[str, tuple[bytes, ...]] = {}
_HEADER_MARK, _BODY_MARK = "HEADERDIGEST", "BODYDIGEST"
_VALUE_MARK, _KEY_MARK = "SIGNATUREVALUE", "KEYNAME"
_KEY_NAMES: dict[int, tuple[PrivateKey, str]] = {}
KEY_NAMES_MAX = 256


def _skeleton(algorithm: str) -> Element:
    """The ds:Signature of the profile for `algorithm`, with empty digests, value and key
    name: made once, then copied for each signature (cheaper than building it)."""
    skeleton = _SKELETONS.get(algorithm)
    if skeleton is None:
        skeleton = etree.Element(_D + "Signature", nsmap={"ds": DS})
        info = _sub(skeleton, "SignedInfo")
        _sub(info, "CanonicalizationMethod", Algorithm=C14N_EXC)
        _sub(info, "SignatureMethod", Algorithm=algorithm)
        _reference(info, "", (ENVELOPED, C14N_EXC), "")
        _reference(info, None, (C14N_EXC,), "")
        _sub(skeleton, "SignatureValue")
        _sub(_sub(skeleton, "KeyInfo"), "KeyName")
        _SKELETONS[algorithm] = skeleton
    return skeleton


def _signed_info_c14n(algorithm: str, header_digest: str, body_digest: str) -> bytes:
    """c14n(SignedInfo) of the profile with these two digests, without canonicalising:
    SignedInfo is fixed but for the digests (base64, which c14n writes as it is), so its
    canonical form is cut once around two marks and the digests are put in between."""
    parts = _SIGNED_INFO_PARTS.get(algorithm)
    if parts is None:
        info = _skeleton(algorithm).__copy__()[0]
        info[2][2].text, info[3][2].text = _HEADER_MARK, _BODY_MARK
        before, rest = c14n(info).split(_HEADER_MARK.encode())
        between, after = rest.split(_BODY_MARK.encode())
        parts = _SIGNED_INFO_PARTS[algorithm] = (before, between, after)
    return parts[0] + header_digest.encode() + parts[1] + body_digest.encode() + parts[2]


def _signature_xml_parts(algorithm: str) -> tuple[bytes, ...]:
    """The serialised skeleton cut around its four values (two digests, the signature
    value, the key name: base64 and "sha256:<hex>", which XML writes as they are)."""
    parts = _SIGNATURE_XML_PARTS.get(algorithm)
    if parts is None:
        signature = _skeleton(algorithm).__copy__()
        info = signature[0]
        marks = (_HEADER_MARK, _BODY_MARK, _VALUE_MARK, _KEY_MARK)
        info[2][2].text, info[3][2].text = marks[0], marks[1]
        signature[1].text, signature[2][0].text = marks[2], marks[3]
        rest = etree.tostring(signature)
        cut = []
        for mark in marks:
            before, rest = rest.split(mark.encode())
            cut.append(before)
        parts = _SIGNATURE_XML_PARTS[algorithm] = (*cut, rest)
    return parts


def _key_name(key: PrivateKey) -> str:
    """The KeyName (fingerprint) of `key`'s public half, remembered for the few keys that
    sign in a process (the hub's own, a bank's)."""
    entry = _KEY_NAMES.get(id(key))
    if entry is not None and entry[0] is key:
        return entry[1]
    name = fingerprint(key.public_key())
    if len(_KEY_NAMES) >= KEY_NAMES_MAX:
        _KEY_NAMES.clear()
    _KEY_NAMES[id(key)] = (key, name)  # holds the key: its id cannot be reused meanwhile
    return name


def first_child(el: Element, tag: str) -> Element | None:
    """el.find(tag) for one plain tag, without lxml's ElementPath (which find() goes
    through, at several times the cost of this search: verify makes about twenty)."""
    return next(el.iterchildren(tag), None)


def _child_text(el: Element, tag: str) -> str | None:
    """el.findtext(tag): None when absent, "" when empty."""
    found = first_child(el, tag)
    return None if found is None else (found.text or "")


def _grandchildren(el: Element, tag: str, inner: str) -> list[Element]:
    """el.findall(f"{tag}/{inner}"), in document order."""
    return [g for c in el.iterchildren(tag) for g in c.iterchildren(inner)]


def _check_profile(info: Element) -> list[Element] | None:
    """The two References if SignedInfo follows the profile exactly, else None."""
    c14n_el = first_child(info, _D + "CanonicalizationMethod")
    if c14n_el is None or c14n_el.get("Algorithm") != C14N_EXC:
        return None
    refs = list(info.iterchildren(_D + "Reference"))
    if len(refs) != 2 or refs[0].get("URI") != "" or "URI" in refs[1].attrib:
        return None
    wanted = ((ENVELOPED, C14N_EXC), (C14N_EXC,))
    for ref, transforms in zip(refs, wanted, strict=True):
        got = tuple(
            t.get("Algorithm") for t in _grandchildren(ref, _D + "Transforms", _D + "Transform")
        )
        method = first_child(ref, _D + "DigestMethod")
        if got != transforms or method is None or method.get("Algorithm") != SHA256:
            return None
    return refs


def _signature_ok(key: PublicKey, algorithm: str | None, raw: bytes, data: bytes) -> bool:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return algorithm == ALG_ED25519 and sodium.verify(key, raw, data)
    if algorithm != ALG_P256 or len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def verify(
    header: Element,
    body: Element,
    signature: Element | None,
    key_for: Callable[[str], PublicKey | None],
) -> tuple[Verdict, str | None]:
    """Check a signature made by `sign`; returns the verdict and the KeyName found."""
    if signature is None:
        return Verdict.MISSING, None
    if len(etree.tostring(signature)) > SIGNATURE_BYTES_MAX:
        return Verdict.MALFORMED, None
    info = first_child(signature, _D + "SignedInfo")
    names = _grandchildren(signature, _D + "KeyInfo", _D + "KeyName")
    key_name = (names[0].text or "") if names else None
    value = _child_text(signature, _D + "SignatureValue")
    refs = _check_profile(info) if info is not None else None
    if refs is None or key_name is None or value is None:
        return Verdict.MALFORMED, key_name
    key = key_for(key_name.strip())
    if key is None:
        return Verdict.UNKNOWN_KEY, key_name
    if _child_text(refs[0], _D + "DigestValue") != _header_digest(header) or _child_text(
        refs[1], _D + "DigestValue"
    ) != _digest(c14n(body)):
        return Verdict.DIGEST_MISMATCH, key_name
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except ValueError:
        return Verdict.MALFORMED, key_name
    method = first_child(info, _D + "SignatureMethod")
    algorithm = method.get("Algorithm") if method is not None else None
    if not _signature_ok(key, algorithm, raw, c14n(info)):
        return Verdict.BAD_SIGNATURE, key_name
    return Verdict.VALID, key_name
