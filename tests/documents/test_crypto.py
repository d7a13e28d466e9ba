import itertools
import os
import struct

import pytest

from procure.documents.crypto import (
    SealBroken,
    decrypt_stream,
    derive_kek,
    encrypt_stream,
    new_data_key,
    open_value,
    seal_value,
    unwrap_key,
    wrap_key,
)

KEY = bytes(range(32))
CONTEXT = "bid:42/doc:7"


def sealed(data: bytes, chunk_size: int = 16, context: str = CONTEXT) -> bytes:
    return b"".join(encrypt_stream(KEY, [data], context, chunk_size=chunk_size))


def records(blob: bytes) -> list[bytes]:
    assert blob.startswith(b"PRCE1")
    out, rest = [], blob[5:]
    while rest:
        (length,) = struct.unpack(">I", rest[:4])
        out.append(rest[:4 + 12 + length])
        rest = rest[4 + 12 + length:]
    return out


def opened(blob: bytes, context: str = CONTEXT, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_stream(key, [blob], context))


# --- keys -------------------------------------------------------------------------------------


def test_the_kek_is_derived_deterministically():
    kek = derive_kek("s3cret")
    assert len(kek) == 32
    assert kek == derive_kek("s3cret") != derive_kek("s3cret!")


def test_a_data_key_is_32_fresh_random_bytes():
    assert len(new_data_key()) == 32
    assert new_data_key() != new_data_key()


def test_a_wrapped_key_unwraps_only_with_its_kek_and_context():
    kek, data_key = derive_kek("s3cret"), new_data_key()
    wrapped = wrap_key(kek, data_key, "tender:17")

    version, nonce, ciphertext = wrapped.split(".")
    assert version == "v1" and "=" not in wrapped and "+" not in wrapped and "/" not in wrapped
    assert unwrap_key(kek, wrapped, "tender:17") == data_key
    assert wrap_key(kek, data_key, "tender:17") != wrapped  # a fresh nonce each time
    with pytest.raises(SealBroken):
        unwrap_key(derive_kek("other"), wrapped, "tender:17")
    with pytest.raises(SealBroken):
        unwrap_key(kek, wrapped, "tender:18")


@pytest.mark.parametrize("text", ["", "v1", "v1.a.b.c", "v2.AAAAAAAAAAAAAAAA.AAAA", "v1.!!!.???"])
def test_malformed_wrapped_text_is_a_broken_seal(text):
    with pytest.raises(SealBroken):
        unwrap_key(derive_kek("s3cret"), text, "tender:17")


# --- values -----------------------------------------------------------------------------------


def test_a_sealed_bid_price_round_trips():
    value = {"price": "1234567.80", "bond": {"kind": "保函", "amount": "20000.00"}}
    text = seal_value(KEY, value, "bid:42")
    assert "1234567" not in text
    assert open_value(KEY, text, "bid:42") == value


def test_a_sealed_value_opens_only_with_its_key_and_context():
    text = seal_value(KEY, {"price": "100.00"}, "bid:42")
    with pytest.raises(SealBroken):
        open_value(new_data_key(), text, "bid:42")
    with pytest.raises(SealBroken):
        open_value(KEY, text, "bid:43")


def test_a_tampered_value_is_a_broken_seal():
    version, nonce, ciphertext = seal_value(KEY, {"price": "100.00"}, "bid:42").split(".")
    flipped = ("A" if ciphertext[0] != "A" else "B") + ciphertext[1:]
    with pytest.raises(SealBroken):
        open_value(KEY, f"{version}.{nonce}.{flipped}", "bid:42")


def test_a_wrapped_key_cannot_be_opened_as_a_value():
    wrapped = wrap_key(KEY, new_data_key(), "bid:42")
    with pytest.raises(SealBroken):
        open_value(KEY, wrapped, "bid:42")


# --- streams ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 32, 33, 100])
def test_a_stream_round_trips(size):
    data = os.urandom(size)
    assert opened(sealed(data)) == data


def test_an_empty_file_is_one_empty_final_record():
    blob = sealed(b"")
    assert len(records(blob)) == 1
    assert opened(blob) == b""


def test_exactly_one_chunk_is_one_record():
    blob = sealed(b"x" * 16)
    assert len(records(blob)) == 1
    assert opened(blob) == b"x" * 16


def test_input_and_output_of_any_sizes_are_rechunked():
    data = os.urandom(1000)
    pieces = [data[i:i + n] for i, n in _cuts(len(data), [1, 7, 0, 64, 3, 250])]
    blob = b"".join(encrypt_stream(KEY, pieces, CONTEXT, chunk_size=64))

    assert [len(r) - 4 - 12 - 16 for r in records(blob)] == [64] * 15 + [40]
    for step in (1, 5, 97, len(blob)):
        out = decrypt_stream(KEY, (blob[i:i + step] for i in range(0, len(blob), step)), CONTEXT)
        assert b"".join(out) == data


def test_the_default_chunk_size_is_one_mebibyte():
    data = os.urandom((1 << 20) + 5)
    blob = b"".join(encrypt_stream(KEY, [data[:300_000], data[300_000:]], CONTEXT))
    assert [len(r) - 32 for r in records(blob)] == [1 << 20, 5]
    assert b"".join(decrypt_stream(KEY, [blob], CONTEXT)) == data


def test_a_stream_opens_only_with_its_key_and_context():
    blob = sealed(b"qualification papers" * 3)
    with pytest.raises(SealBroken):
        opened(blob, key=new_data_key())
    with pytest.raises(SealBroken):
        opened(blob, context="bid:43/doc:7")  # the file of another bid put in this one's place


def test_a_truncated_stream_is_detected():
    blob = sealed(os.urandom(40))  # records of 16, 16 and 8 bytes
    parts = records(blob)
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + parts[0] + parts[1])  # whole records dropped from the end
    with pytest.raises(SealBroken):
        opened(blob[:-1])
    with pytest.raises(SealBroken):
        opened(b"PRCE1")
    with pytest.raises(SealBroken):
        opened(b"")


def test_reordered_or_repeated_records_are_detected():
    parts = records(sealed(os.urandom(40)))
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + parts[1] + parts[0] + parts[2])
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + parts[0] + parts[0] + parts[1] + parts[2])
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + b"".join(parts) + parts[2])  # bytes after the final record


def test_records_of_two_streams_cannot_be_spliced_across_contexts():
    mine, theirs = records(sealed(b"a" * 40)), records(sealed(b"b" * 40, context="bid:9/doc:1"))
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + mine[0] + theirs[1] + mine[2])


def test_a_tampered_stream_is_detected():
    blob = bytearray(sealed(os.urandom(40)))
    blob[30] ^= 0x01
    with pytest.raises(SealBroken):
        opened(bytes(blob))


def test_a_wrong_header_or_an_impossible_length_is_detected():
    blob = sealed(b"abc")
    with pytest.raises(SealBroken):
        opened(b"PRCE2" + blob[5:])
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + struct.pack(">I", 0xFFFFFFFF) + blob[9:])
    with pytest.raises(SealBroken):
        opened(b"PRCE1" + struct.pack(">I", 3) + blob[9:])


def test_the_chunk_size_is_bounded():
    with pytest.raises(ValueError):
        list(encrypt_stream(KEY, [b"x"], CONTEXT, chunk_size=0))


def _cuts(total: int, sizes: list[int]):
    start, index = 0, 0
    while start < total:
        size = sizes[index % len(sizes)]
        yield start, size
        start += size
        index += 1


def test_streams_are_processed_lazily():
    # An endless input proves neither side reads everything before producing output.
    endless = itertools.repeat(b"0123456789")
    head = list(itertools.islice(encrypt_stream(KEY, endless, CONTEXT, chunk_size=16), 3))
    assert head[0] == b"PRCE1" and len(head) == 3

    record = records(sealed(b"y" * 40))[0]
    endless_records = itertools.chain([b"PRCE1"], itertools.repeat(record))
    with pytest.raises(SealBroken):  # record 0 repeated fails at index 1, without reading on
        list(decrypt_stream(KEY, endless_records, CONTEXT))
