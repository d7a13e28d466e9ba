"""A photo that claims more pixels than any camera makes is refused before it is decoded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from procure.kernel.errors import InvalidInput
from procure.inspection.photos import normalise


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height (the data is a few bytes of zeros)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_by_its_header():
    with pytest.raises(InvalidInput) as info:
        normalise(io.BytesIO(_png_header_claiming(30_000, 30_000)), "bomb.png")
    assert info.value.message.startswith("{name} has too many pixels") and info.value.params["limit"] == 200


def test_a_bomb_just_past_the_bureau_limit_but_below_pillows_is_refused_too():
    with pytest.raises(InvalidInput) as info:
        normalise(io.BytesIO(_png_header_claiming(15_000, 14_000)), "bomb.png")  # 210 MP
    assert info.value.message.startswith("{name} has too many pixels")


def test_an_ordinary_photo_still_passes():
    from PIL import Image

    raw = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 60)).save(raw, "JPEG")
    out = normalise(raw, "site.jpg")
    assert max(Image.open(out).size) == 2560
