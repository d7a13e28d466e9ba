"""Sealed-bid envelopes and opening keys: the cryptography, pure (no database, no server secret).

This module seals a bid exactly as the bidder's browser does (``procure/static/sealing/seal.js``),
and it is what ``procure seal-bid`` and the tests use. The format is documented in
``docs/sealed-bids.md``; in short (电子招标投标办法 第26–31条: the bidder encrypts, nobody can decrypt
before the deadline, the tenderer and bidders decrypt online at the opening):

* the bidder makes a random 256-bit data key K and encrypts the **manifest** (price, bond,
  company, and the name, type, size and SHA-256 of each document) and **each document** with
  AES-256-GCM under K;
* K is split k-of-n with Shamir's scheme over GF(2^8) (HashiCorp Vault's construction: the
  browser uses npm's ``shamir-secret-sharing``, Python ``pyshamir``; shares combine across the two);
* share i is encrypted to opening official i's P-256 public key: an ephemeral ECDH key, HKDF-SHA256
  and AES-256-GCM (the ECIES pattern WebCrypto offers natively);
* the server stores only this envelope and the documents' ciphertexts. No key that opens them exists
  on the server: at the opening k officials decrypt their own shares on their own devices.

An **opening key** is an official's P-256 key pair made on their device. Its private half leaves
the device only in a key file encrypted under a passphrase (PBKDF2-SHA256 → AES-256-GCM).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyshamir
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SCHEME = "procure-sealed-bid/1"
KEY_FILE_SCHEME = "procure-opening-key/1"
#: OWASP's 2023 figure for PBKDF2-HMAC-SHA256; a key file records its own count.
PBKDF2_ITERATIONS = 600_000
MIN_PBKDF2_ITERATIONS = 100_000
NONCE_BYTES = 12
KEY_BYTES = 32
SHARE_BYTES = KEY_BYTES + 1  # Vault's format: one y byte per secret byte, then the x coordinate
POINT_BYTES = 65             # an uncompressed P-256 point, as WebCrypto exports "raw"
MAX_HOLDERS = 9


class SealError(ValueError):
    """An envelope, share or key file that is malformed or does not open. ``reason`` is a message id."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason.format(**params) if params else reason)
        self.reason = reason
        self.params = params


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: object, *, length: int | None = None, what: str = "value") -> bytes:
    if not isinstance(text, str) or len(text) > 200_000:
        raise SealError("A value in the sealed bid is not base64 text ({what}).", what=what)
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise SealError("A value in the sealed bid is not base64 text ({what}).", what=what) from None
    if length is not None and len(raw) != length:
        raise SealError("A value in the sealed bid has the wrong length ({what}).", what=what)
    return raw


def context(tender_id: int, lot_id: int) -> str:
    """What every AEAD in one envelope is bound to: an envelope made for one lot opens for no other."""
    return f"{SCHEME}|tender {tender_id}|lot {lot_id}"


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- opening keys ----------------------------------------------------------------------------


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_public(raw: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its uncompressed point; refuses anything else (not on the curve too)."""
    if len(raw) != POINT_BYTES or raw[0] != 4:
        raise SealError("The opening key is not a P-256 public key.")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise SealError("The opening key is not a P-256 public key.") from None


def fingerprint(public_raw: bytes) -> str:
    """What an official reads aloud to check their key: the SHA-256 of the point, grouped."""
    digest = sha256_hex(public_raw)[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def new_opening_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _passphrase_key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, iterations, KEY_BYTES)


def key_file(private: ec.EllipticCurvePrivateKey, passphrase: str, *, holder: str,
             iterations: int = PBKDF2_ITERATIONS) -> dict[str, Any]:
    """The key file an official keeps (and the browser downloads): the private key in PKCS#8,
    encrypted under the passphrase. The public half is in clear so it can be registered."""
    if len(passphrase) < 12:
        raise SealError("The passphrase must have at least 12 characters.")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(NONCE_BYTES)
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    public_raw = public_point(private.public_key())
    sealed = AESGCM(_passphrase_key(passphrase, salt, iterations)).encrypt(nonce, pkcs8, public_raw)
    return {"scheme": KEY_FILE_SCHEME, "holder": holder, "public_key": b64(public_raw),
            "kdf": {"name": "PBKDF2-SHA256", "iterations": iterations, "salt": b64(salt)},
            "private_key": {"nonce": b64(nonce), "ciphertext": b64(sealed)}}


def open_key_file(data: dict[str, Any], passphrase: str) -> ec.EllipticCurvePrivateKey:
    """The private key from a key file (made here or by the browser); a wrong passphrase is a SealError."""
    try:
        if data["scheme"] != KEY_FILE_SCHEME or data["kdf"]["name"] != "PBKDF2-SHA256":
            raise SealError("This is not a Procure opening key file.")
        iterations = int(data["kdf"]["iterations"])
        salt = unb64(data["kdf"]["salt"], what="salt")
        nonce = unb64(data["private_key"]["nonce"], length=NONCE_BYTES, what="nonce")
        sealed = unb64(data["private_key"]["ciphertext"], what="key")
        public_raw = unb64(data["public_key"], length=POINT_BYTES, what="public key")
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SealError):
            raise
        raise SealError("This is not a Procure opening key file.") from None
    if not MIN_PBKDF2_ITERATIONS <= iterations <= 10_000_000:
        raise SealError("This is not a Procure opening key file.")
    try:
        pkcs8 = AESGCM(_passphrase_key(passphrase, salt, iterations)).decrypt(nonce, sealed, public_raw)
    except InvalidTag:
        raise SealError("Wrong passphrase for this key file.") from None
    private = serialization.load_der_private_key(pkcs8, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or public_point(private.public_key()) != public_raw:
        raise SealError("This is not a Procure opening key file.")
    return private


# --- sealing (the bidder's side) -------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """An opening official as a bidder seals to them: the user id and the registered public key."""

    user_id: int
    public_key: bytes


@dataclass(frozen=True)
class PlainDocument:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Sealed:
    """What the bidder uploads: the envelope (JSON) and each document's ciphertext, in order."""

    envelope: dict[str, Any]
    documents: list[bytes]

    @property
    def envelope_text(self) -> str:
        return json.dumps(self.envelope, sort_keys=True, separators=(",", ":"))


def _share_info(ctx: str, holder_id: int) -> bytes:
    return f"{ctx}|share|holder {holder_id}".encode()


def commitment(ctx: str, holder_id: int, share: bytes) -> str:
    """What the envelope says official i's share is: SHA-256 over the context, the official and the
    share. A presented share is checked against it, so an official cannot present a wrong share
    (and so void a bid); a share is as random as the key, so its hash tells nothing."""
    return sha256_hex(_share_info(ctx, holder_id) + b"|" + share)


#: The manifest is padded to a multiple of this many bytes, so its ciphertext's length does not
#: tell how long the price or the bond reference is.
MANIFEST_BLOCK = 1024


def padded_manifest(manifest: dict[str, Any]) -> bytes:
    """The manifest's JSON with a ``pad`` of spaces up to a multiple of MANIFEST_BLOCK bytes."""
    text = json.dumps(manifest | {"pad": ""}, ensure_ascii=False, sort_keys=True)
    size = len(text.encode())
    return json.dumps(manifest | {"pad": " " * (-size % MANIFEST_BLOCK)}, ensure_ascii=False, sort_keys=True).encode()


def _encrypt_share(ctx: str, holder: Holder, share: bytes) -> dict[str, Any]:
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    epk = public_point(ephemeral.public_key())
    info = _share_info(ctx, holder.user_id)
    key = HKDF(hashes.SHA256(), KEY_BYTES, salt=epk, info=info).derive(
        ephemeral.exchange(ec.ECDH(), load_public(holder.public_key)))
    nonce = secrets.token_bytes(NONCE_BYTES)
    return {"holder": holder.user_id, "epk": b64(epk), "nonce": b64(nonce),
            "ciphertext": b64(AESGCM(key).encrypt(nonce, share, info)), "commitment": commitment(ctx, holder.user_id, share)}


def _aead(key: bytes, plaintext: bytes, associated: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated.encode())


def _unaead(key: bytes, blob: bytes, associated: str) -> bytes:
    if len(blob) < NONCE_BYTES + 16:
        raise InvalidTag()
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated.encode())


def seal_bid(*, tender_id: int, lot_id: int, contractor_id: int, threshold: int, holders: Sequence[Holder],
             price: str, bond_form: str, bond_reference: str, documents: Sequence[PlainDocument]) -> Sealed:
    """Seal a bid as the browser does. ``price`` is the text the bidder typed, already checked."""
    if not 2 <= threshold <= len(holders) <= MAX_HOLDERS:
        raise SealError("A sealed bid needs 2 ≤ k ≤ n ≤ {most} opening officials.", most=MAX_HOLDERS)
    ctx = context(tender_id, lot_id)
    data_key = secrets.token_bytes(KEY_BYTES)
    blobs = [_aead(data_key, doc.content, f"{ctx}|document {i}") for i, doc in enumerate(documents, start=1)]
    manifest = {"price": price, "bond_form": bond_form, "bond_reference": bond_reference, "contractor": contractor_id,
                "documents": [{"filename": d.filename, "content_type": d.content_type, "size": len(d.content),
                               "sha256": sha256_hex(d.content)} for d in documents]}
    shares = [bytes(s) for s in pyshamir.split(data_key, len(holders), threshold)]
    envelope = {
        "scheme": SCHEME, "tender": tender_id, "lot": lot_id, "threshold": threshold,
        "shares": [_encrypt_share(ctx, h, s) for h, s in zip(holders, shares, strict=True)],
        "manifest": b64(_aead(data_key, padded_manifest(manifest), f"{ctx}|manifest")),
        "documents": [{"size": len(b), "sha256": sha256_hex(b)} for b in blobs],
    }
    return Sealed(envelope, blobs)


# --- what the server checks on ciphertext ----------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """An envelope as received and checked for shape (nothing in it can be opened here)."""

    tender_id: int
    lot_id: int
    threshold: int
    shares: dict[int, dict[str, str]]  # holder user id → its encrypted share
    manifest: bytes
    documents: list[tuple[int, str]]   # (size, sha256) of each ciphertext, in order
    raw: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.raw, sort_keys=True, separators=(",", ":"))


def parse_envelope(text: object, *, max_documents: int = 20, max_document_bytes: int) -> Envelope:
    """Check an envelope's shape: the server cannot read it but refuses one that could never open."""
    if not isinstance(text, str) or not text.strip():
        raise SealError("The bid is not sealed: the page's sealing script did not run (JavaScript is needed), "
                        "or the client sent no envelope.")
    if len(text) > 256 * 1024:
        raise SealError("The sealed bid's envelope is too large.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise SealError("The sealed bid's envelope is not JSON.") from None
    if not isinstance(data, dict) or data.get("scheme") != SCHEME:
        raise SealError("The sealed bid's envelope is not in the {scheme} format.", scheme=SCHEME)
    try:
        tender_id, lot_id, threshold = (int(data[k]) for k in ("tender", "lot", "threshold"))
        shares_in, docs_in = data["shares"], data["documents"]
        if not isinstance(shares_in, list) or not isinstance(docs_in, list):
            raise TypeError
        shares: dict[int, dict[str, str]] = {}
        for item in shares_in:
            holder = int(item["holder"])
            load_public(unb64(item["epk"], length=POINT_BYTES, what="share key"))
            unb64(item["nonce"], length=NONCE_BYTES, what="share nonce")
            if len(unb64(item["ciphertext"], what="share")) != SHARE_BYTES + 16:
                raise SealError("The sealed bid's share has the wrong length.")
            if holder in shares:
                raise SealError("The sealed bid has two shares for one opening official.")
            promised = str(item["commitment"])
            if len(promised) != 64 or any(c not in "0123456789abcdef" for c in promised):
                raise SealError("The sealed bid's share has the wrong length.")
            shares[holder] = {"epk": item["epk"], "nonce": item["nonce"], "ciphertext": item["ciphertext"],
                              "commitment": promised}
        documents = []
        for item in docs_in:
            size, digest = int(item["size"]), str(item["sha256"])
            if not 0 < size <= max_document_bytes + NONCE_BYTES + 16 or len(digest) != 64 \
                    or any(c not in "0123456789abcdef" for c in digest):
                raise SealError("The sealed bid's document list is malformed.")
            documents.append((size, digest))
        manifest = unb64(data["manifest"], what="manifest")
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, SealError):
            raise
        raise SealError("The sealed bid's envelope is malformed.") from None
    if len(documents) > max_documents:
        raise SealError("At most {most} documents.", most=max_documents)
    # What is stored is rebuilt from the values as read (numbers as numbers), never the text as sent.
    normal = {"scheme": SCHEME, "tender": tender_id, "lot": lot_id, "threshold": threshold,
              "shares": [{"holder": h} | v for h, v in shares.items()], "manifest": data["manifest"],
              "documents": [{"size": size, "sha256": digest} for size, digest in documents]}
    return Envelope(tender_id, lot_id, threshold, shares, manifest, documents, normal)


# --- opening (the officials' side, then the server's) ----------------------------------------


def decrypt_share(private: ec.EllipticCurvePrivateKey, holder_id: int, ctx: str, encrypted: dict[str, str]) -> bytes:
    """What an official's device does at the opening: their share of one bid, in clear."""
    epk = unb64(encrypted["epk"], length=POINT_BYTES, what="share key")
    info = _share_info(ctx, holder_id)
    key = HKDF(hashes.SHA256(), KEY_BYTES, salt=epk, info=info).derive(private.exchange(ec.ECDH(), load_public(epk)))
    try:
        return AESGCM(key).decrypt(unb64(encrypted["nonce"], length=NONCE_BYTES, what="share nonce"),
                                   unb64(encrypted["ciphertext"], what="share"), info)
    except InvalidTag:
        raise SealError("This share was not sealed to your opening key.") from None


def combine(shares: Sequence[bytes]) -> bytes:
    """K from k shares. Shamir cannot tell a wrong share: a wrong K is caught by the manifest's tag."""
    if len(shares) < 2 or any(len(s) != SHARE_BYTES for s in shares) or len({s[-1] for s in shares}) != len(shares):
        raise SealError("The shares presented cannot be combined.")
    return bytes(pyshamir.combine([bytearray(s) for s in shares]))


def open_manifest(data_key: bytes, ctx: str, manifest: bytes) -> dict[str, Any]:
    try:
        plain = _unaead(data_key, manifest, f"{ctx}|manifest")
    except InvalidTag:
        raise SealError("The bid's envelope does not open with the shares presented.") from None
    try:
        value = json.loads(plain)
    except (ValueError, RecursionError):
        raise SealError("The bid's manifest is not JSON.") from None
    if not isinstance(value, dict):
        raise SealError("The bid's manifest is not JSON.")
    return value


def open_document(data_key: bytes, ctx: str, index: int, blob: bytes) -> bytes:
    try:
        return _unaead(data_key, blob, f"{ctx}|document {index}")
    except InvalidTag:
        raise SealError("Document {index} does not open: its ciphertext was changed or belongs to another bid.",
                        index=index) from None


__all__ = ["Envelope", "Holder", "PlainDocument", "SCHEME", "SealError", "Sealed", "combine", "commitment", "context",
           "decrypt_share", "fingerprint", "key_file", "new_opening_key", "open_document", "open_key_file",
           "open_manifest", "parse_envelope", "seal_bid"]
