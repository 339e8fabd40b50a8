"""Signatures on ISO 20022 messages: AppHdr/Sgntr holds an XML-DSig over AppHdr + Document.

See corridor.crypto.xmldsig for the exact profile and docs/integration.md ("Signatures").
"""

from __future__ import annotations

from lxml import etree

from corridor.crypto import xmldsig
from corridor.crypto.keys import KeyRing, PrivateKey, PublicKey
from corridor.iso20022._xml import Element
from corridor.iso20022.envelope import namespace_of
from corridor.iso20022.reasons import Problem, Reason

_SIGNATURE = f"{{{xmldsig.DS}}}Signature"
# AppHdr children that come after Sgntr in head.001.001.02/.03.
_AFTER_SGNTR = ("Rltd",)


def signature_of(apphdr: Element) -> Element | None:
    sgntr = xmldsig.first_child(apphdr, f"{{{namespace_of(apphdr)}}}Sgntr")
    return None if sgntr is None else xmldsig.first_child(sgntr, _SIGNATURE)


def sign_apphdr(apphdr: Element, document: Element, key: PrivateKey) -> None:
    """Insert AppHdr/Sgntr with a signature over the AppHdr and the Document."""
    ns = namespace_of(apphdr)
    if apphdr.find(f"{{{ns}}}Sgntr") is not None:
        raise ValueError("AppHdr already has a Sgntr")
    sgntr = etree.Element(f"{{{ns}}}Sgntr")
    after = next(apphdr.iterchildren(*(f"{{{ns}}}{name}" for name in _AFTER_SGNTR)), None)
    if after is not None:
        after.addprevious(sgntr)
    else:
        apphdr.append(sgntr)
    xmldsig.sign(apphdr, document, sgntr, key)


_VERDICT_REASON = {
    xmldsig.Verdict.MISSING: (Reason.DS0A, "the message is not signed (AppHdr/Sgntr missing)"),
    xmldsig.Verdict.UNKNOWN_KEY: (Reason.DS0E, "the signing key is not registered"),
    xmldsig.Verdict.MALFORMED: (
        Reason.DS0B,
        "the signature does not follow Corridor's XML-DSig profile",
    ),
    xmldsig.Verdict.DIGEST_MISMATCH: (
        Reason.DS0B,
        "the AppHdr or Document was changed after signing (digest mismatch)",
    ),
    xmldsig.Verdict.BAD_SIGNATURE: (Reason.DS0B, "the signature value does not verify"),
}


def verify_apphdr(
    apphdr: Element, document: Element, keys: KeyRing, sender: str | None
) -> Problem | None:
    """None if signed by a key registered to `sender`.

    A key registered with owner "" (the CLI's `--key`) is accepted for any sender.
    """
    owner: list[str] = []

    def key_for(name: str) -> PublicKey | None:
        entry = keys.find(name)
        if entry is None:
            return None
        owner.append(entry.owner)
        return entry.key

    verdict, key_name = xmldsig.verify(apphdr, document, signature_of(apphdr), key_for)
    if verdict is not xmldsig.Verdict.VALID:
        reason, message = _VERDICT_REASON[verdict]
        return Problem(reason, "/AppHdr/Sgntr", key_name, message)
    if sender and owner and owner[0] and owner[0] != sender:
        return Problem(
            Reason.DS0E,
            "/AppHdr/Sgntr",
            key_name,
            f"the key belongs to {owner[0]}, not to the sender {sender}",
        )
    return None
