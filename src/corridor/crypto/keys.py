"""Key pairs (Ed25519 or ECDSA P-256): generate, save and load PEM, fingerprint, a key ring.

A key file made by `corridor iso keygen` is a PKCS#8 PEM private key (unencrypted unless a
password is given); the public key travels as a SubjectPublicKeyInfo PEM. A key's
fingerprint is "sha256:" + the hex SHA-256 of its DER SubjectPublicKeyInfo: it is the
KeyName in every signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from corridor.foundation.errors import InputError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
KEY_FILE_BYTES_MAX = 64 * 1024


class KeyKind(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"


def generate_private_key(kind: KeyKind = KeyKind.ED25519) -> PrivateKey:
    if kind is KeyKind.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def public_key_pem(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_kind(key: object, field: str) -> None:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return
    raise InputError(
        "only Ed25519 and ECDSA P-256 keys are accepted", field=field, value=type(key).__name__
    )


def load_private_key(pem: bytes, password: bytes | None = None) -> PrivateKey:
    if len(pem) > KEY_FILE_BYTES_MAX:
        raise InputError("key file too large", field="private_key", value=len(pem))
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a PEM private key: {exc}", field="private_key") from None
    _check_kind(key, "private_key")
    return key  # type: ignore[return-value]


def load_public_key(pem: bytes) -> PublicKey:
    """A PEM public key, or the public half of a PEM private key."""
    if len(pem) > KEY_FILE_BYTES_MAX:
        raise InputError("key file too large", field="public_key", value=len(pem))
    if b"PRIVATE KEY" in pem:
        return load_private_key(pem).public_key()
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a PEM public key: {exc}", field="public_key") from None
    _check_kind(key, "public_key")
    return key  # type: ignore[return-value]


def fingerprint(key: PublicKey) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    """A public key and who owns it (a participant's BIC, or "hub")."""

    owner: str
    key: PublicKey
    fingerprint: str


class KeyRing:
    """Public keys by fingerprint: the port the hub backs with its participant registry."""

    def __init__(self, keys_max: int = 100_000) -> None:
        self._keys: dict[str, RegisteredKey] = {}
        self._keys_max = keys_max

    def add(self, owner: str, key: PublicKey) -> RegisteredKey:
        if len(self._keys) >= self._keys_max:
            raise InputError("key ring full", field="keys_max", value=self._keys_max)
        entry = RegisteredKey(owner=owner, key=key, fingerprint=fingerprint(key))
        self._keys[entry.fingerprint] = entry
        return entry

    def find(self, key_fingerprint: str) -> RegisteredKey | None:
        return self._keys.get(key_fingerprint)
