"""Ed25519 through libsodium gives cryptography's signatures and verdicts, never a looser one."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.crypto import sodium

KEY = Ed25519PrivateKey.generate()


def _openssl_accepts(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), data=st.binary(max_size=2048))
def test_signatures_are_openssls_bytes_and_verify(seed: bytes, data: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    signature = sodium.sign(key, data)
    assert signature == key.sign(data)
    assert sodium.verify(key.public_key(), signature, data)


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=512), flip=st.integers(min_value=0, max_value=8 * 64 - 1)
)
def test_a_changed_signature_or_message_is_refused_as_openssl_refuses_it(
    data: bytes, flip: int
) -> None:
    public = KEY.public_key()
    signature = bytearray(KEY.sign(data))
    signature[flip // 8] ^= 1 << (flip % 8)
    assert not sodium.verify(public, bytes(signature), data)
    assert not _openssl_accepts(public, bytes(signature), data)
    changed = bytes([data[0] ^ 1]) + data[1:]
    assert not sodium.verify(public, KEY.sign(data), changed)


def test_a_signature_of_the_wrong_length_is_refused() -> None:
    public, data = KEY.public_key(), b"message"
    signature = KEY.sign(data)
    for wrong in (b"", signature[:63], signature + b"\x00", signature * 2):
        assert not sodium.verify(public, wrong, data)


def test_another_keys_signature_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    assert not sodium.verify(KEY.public_key(), other.sign(b"m"), b"m")


def test_a_small_order_public_key_is_refused_even_where_openssl_accepts() -> None:
    # The identity point as public key with R = identity, S = 0: OpenSSL verifies this
    # "signature" of any message; libsodium refuses small-order keys (stricter, never looser).
    identity = Ed25519PublicKey.from_public_bytes(b"\x01" + b"\x00" * 31)
    forged = b"\x01" + b"\x00" * 31 + b"\x00" * 32
    assert not sodium.verify(identity, forged, b"any message")


def test_keys_are_told_apart_after_their_cache_is_cleared(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sodium, "KEYS_MAX", 2)
    keys = [Ed25519PrivateKey.generate() for _ in range(5)]
    for key in keys + keys:
        assert sodium.sign(key, b"x") == key.sign(b"x")
        assert sodium.verify(key.public_key(), key.sign(b"x"), b"x")
