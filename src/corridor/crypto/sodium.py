"""Ed25519 signing and verification through libsodium (PyNaCl), for keys held as
`cryptography` objects (which load, store and fingerprint them).

Why: the hub signs two messages per single-transaction payment on its engine thread, the
one thread every payment waits for, and verifies one signature per inbound message in
intake. libsodium does both in about 60 % of OpenSSL's time (development machine: sign
20.5 vs 34.3 µs, verify 62 vs 108 µs). The signatures are the same bytes (Ed25519 is
deterministic, RFC 8032); libsodium's verification is the stricter of the two (it also
refuses small-order keys and points), never the looser.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

SIGNATURE_BYTES = 64
# Raw keys by the key object's id (the object is kept with them, so the id stays its
# own): a hub holds one private key and one public key per participant.
KEYS_MAX = 4096
_SECRET: dict[int, tuple[Ed25519PrivateKey, bytes]] = {}
_PUBLIC: dict[int, tuple[Ed25519PublicKey, bytes]] = {}


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The Ed25519 signature of `data` (64 bytes), as `key.sign(data)` gives it."""
    held = _SECRET.get(id(key))
    if held is None or held[0] is not key:
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        held = (key, crypto_sign_seed_keypair(seed)[1])
        _remember(_SECRET, id(key), held)
    return crypto_sign(data, held[1])[:SIGNATURE_BYTES]


def verify(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether `signature` is `key`'s Ed25519 signature of `data`."""
    if len(signature) != SIGNATURE_BYTES:
        return False
    held = _PUBLIC.get(id(key))
    if held is None or held[0] is not key:
        held = (key, key.public_bytes(Encoding.Raw, PublicFormat.Raw))
        _remember(_PUBLIC, id(key), held)
    try:
        crypto_sign_open(signature + data, held[1])
    except BadSignatureError:
        return False
    return True


def _remember(
    cache: dict[int, tuple[object, bytes]], key_id: int, held: tuple[object, bytes]
) -> None:
    if len(cache) >= KEYS_MAX:
        cache.clear()  # keys come and go rarely: start again rather than track use
    cache[key_id] = held
