"""Envelope encryption for sealed bids (投标文件密封).

A bid's price, its bond details and its files must stay unreadable, even to the bureau's own
staff and database administrators, until the bid opening (开标). Each tender gets a random data
key; the data key is stored only wrapped by a key-encryption key derived from the server's
secret, and every ciphertext is bound by AES-GCM associated data to its ``context`` (such as
"tender:17" or "bid:42/doc:7"), so a sealed value or file copied onto another record fails to
open instead of opening as the wrong thing.

Text format of wrapped keys and sealed values: ``v1.<nonce>.<ciphertext>``, base64url without
padding. File format: ``PRCE1`` then records of ``len(4, big-endian) + nonce(12) +
ciphertext+tag``; each record's associated data names the context, its index and whether it is
the last, so truncation, reordering and splicing are all detected.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_SIZE = 12
_TAG_SIZE = 16
_KEY_SIZE = 32
STREAM_HEADER = b"PRCE1"
#: Decryption trusts a record's length only up to this, so a forged length cannot make it
#: buffer gigabytes before the tag check fails.
MAX_CHUNK_SIZE = 1 << 26

# Distinct associated-data prefixes keep the three uses apart: a wrapped key can never be
# opened as a sealed value, nor a value as a file record, even under the same key and context.
_WRAP = b"procure/v1/wrap-key\x00"
_VALUE = b"procure/v1/value\x00"
_STREAM = b"procure/v1/stream\x00"


class SealBroken(Exception):
    """A ciphertext did not open: wrong key, wrong context, or the bytes were altered."""


def derive_kek(secret_key: str) -> bytes:
    """The key-encryption key derived from the server's secret (PROCURE_SECRET_KEY)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_SIZE, salt=b"procure",
                info=b"procure bid key-encryption key v1")
    return hkdf.derive(secret_key.encode("utf-8"))


def new_data_key() -> bytes:
    return os.urandom(_KEY_SIZE)


def wrap_key(kek: bytes, data_key: bytes, context: str) -> str:
    if len(data_key) != _KEY_SIZE:
        raise ValueError("a data key is 32 bytes")
    return _seal_text(kek, data_key, _WRAP + context.encode("utf-8"))


def unwrap_key(kek: bytes, wrapped: str, context: str) -> bytes:
    data_key = _open_text(kek, wrapped, _WRAP + context.encode("utf-8"))
    if len(data_key) != _KEY_SIZE:
        raise SealBroken("the wrapped key has the wrong length")
    return data_key


def seal_value(data_key: bytes, value: dict, context: str) -> str:
    """Seal a JSON-able dict (send Decimals as strings so no digit is lost)."""
    if not isinstance(value, dict):
        raise TypeError("seal_value seals a dict")
    plaintext = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _seal_text(data_key, plaintext.encode("utf-8"), _VALUE + context.encode("utf-8"))


def open_value(data_key: bytes, sealed: str, context: str) -> dict:
    plaintext = _open_text(data_key, sealed, _VALUE + context.encode("utf-8"))
    return json.loads(plaintext.decode("utf-8"))


def encrypt_stream(data_key: bytes, chunks: Iterable[bytes], context: str,
                   chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Encrypt a file given as chunks of any sizes; memory stays O(chunk_size)."""
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE}")
    aead = AESGCM(data_key)
    prefix = _STREAM + context.encode("utf-8") + b"\x00"
    yield STREAM_HEADER
    index = 0
    pending = bytearray()
    for piece in chunks:
        view = memoryview(piece)
        while view:
            # A full chunk is sealed only once more input is known to follow, because the last
            # record must carry the final flag (and may itself be a full chunk).
            if len(pending) == chunk_size:
                yield _stream_record(aead, prefix, index, False, pending)
                index += 1
                pending = bytearray()
            take = chunk_size - len(pending)
            pending += view[:take]
            view = view[take:]
    yield _stream_record(aead, prefix, index, True, pending)


def decrypt_stream(data_key: bytes, chunks: Iterable[bytes], context: str) -> Iterator[bytes]:
    """Decrypt what ``encrypt_stream`` produced, chunk by chunk.

    Plaintext is yielded before the end is verified; a consumer must treat its output as
    unconfirmed until the iterator is exhausted without ``SealBroken`` (write to a temporary
    file, then keep it).
    """
    aead = AESGCM(data_key)
    prefix = _STREAM + context.encode("utf-8") + b"\x00"
    reader = _Reader(chunks)
    if reader.read_exact(len(STREAM_HEADER)) != STREAM_HEADER:
        raise SealBroken("not a sealed file")
    index = 0
    while True:
        (length,) = struct.unpack(">I", reader.read_exact(4))
        if not _TAG_SIZE <= length <= MAX_CHUNK_SIZE + _TAG_SIZE:
            raise SealBroken("a record has an impossible length")
        nonce = reader.read_exact(_NONCE_SIZE)
        ciphertext = reader.read_exact(length)
        # Whether this record is the last is decided by the bytes actually present; a record
        # sealed with the other flag then fails, which is how truncation shows up.
        final = reader.at_end()
        try:
            plaintext = aead.decrypt(nonce, ciphertext, prefix + struct.pack(">Q?", index, final))
        except InvalidTag:
            raise SealBroken(f"record {index} of the sealed file does not open") from None
        yield plaintext
        if final:
            return
        index += 1


def _stream_record(aead: AESGCM, prefix: bytes, index: int, final: bool, plaintext: bytearray) -> bytes:
    nonce = os.urandom(_NONCE_SIZE)
    ciphertext = aead.encrypt(nonce, bytes(plaintext), prefix + struct.pack(">Q?", index, final))
    return struct.pack(">I", len(ciphertext)) + nonce + ciphertext


class _Reader:
    """Exact-size reads over an iterable of arbitrarily sized chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self._offset = 0
        self._exhausted = False

    def read_exact(self, size: int) -> bytes:
        self._fill(size)
        if len(self._buffer) - self._offset < size:
            raise SealBroken("the sealed file is truncated")
        out = bytes(self._buffer[self._offset:self._offset + size])
        self._offset += size
        return out

    def at_end(self) -> bool:
        self._fill(1)
        return len(self._buffer) == self._offset

    def _fill(self, size: int) -> None:
        if len(self._buffer) - self._offset >= size:
            return
        # Compact only when short of data, so each byte is moved at most once.
        del self._buffer[:self._offset]
        self._offset = 0
        while len(self._buffer) < size and not self._exhausted:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                self._exhausted = True


def _seal_text(key: bytes, plaintext: bytes, associated: bytes) -> str:
    nonce = os.urandom(_NONCE_SIZE)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, associated)
    return ".".join((_VERSION, _b64encode(nonce), _b64encode(ciphertext)))


def _open_text(key: bytes, text: str, associated: bytes) -> bytes:
    try:
        version, nonce, ciphertext = text.split(".")
    except (AttributeError, ValueError):
        raise SealBroken("not a sealed text") from None
    if version != _VERSION:
        raise SealBroken(f"unknown seal version {version!r}")
    aead = AESGCM(key)
    try:
        return aead.decrypt(_b64decode(nonce), _b64decode(ciphertext), associated)
    except (InvalidTag, ValueError, binascii.Error):
        raise SealBroken("the seal does not open") from None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

