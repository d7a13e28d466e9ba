"""Inspection and rectification photos: checked by content, turned upright, size-limited."""

from __future__ import annotations

import io
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from procure.kernel.errors import InvalidInput, PayloadTooLarge

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_EDGE = 2560  # pixels; phones shoot 4000+, which nobody needs to judge a pothole
#: A 200-megapixel phone sensor is the largest real photo; a few hundred KB of flat PNG can claim
#: far more and decode to gigabytes (a decompression bomb), so the size is checked before decoding.
MAX_PIXELS = 200_000_000


def normalise(fileobj: IO[bytes], filename: str) -> io.BytesIO:
    """A JPEG with the camera's rotation applied (EXIF orientation), metadata dropped, and at most
    MAX_EDGE pixels on its long side. HEIC is refused with advice: Pillow cannot read it here."""
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise InvalidInput("{name} is empty.", name=filename)
    if size > MAX_PHOTO_BYTES:
        raise PayloadTooLarge("{name} is {size} MB; a photo may be at most {limit} MB.", name=filename,
                              size=f"{size / 1048576:.1f}", limit=MAX_PHOTO_BYTES // 1048576)
    head = fileobj.read(12)
    fileobj.seek(0)
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise InvalidInput("{name} is a HEIC photo; set the camera to \"Most compatible\" (JPEG) and take it again.",
                           name=filename)
    try:
        image: Image.Image = Image.open(fileobj)  # reads the header only
        if image.format not in ("JPEG", "PNG"):
            raise UnidentifiedImageError
        if image.width * image.height > MAX_PIXELS:
            raise Image.DecompressionBombError(filename)
        if image.format == "JPEG":
            image.draft("RGB", (MAX_EDGE, MAX_EDGE))  # decode a big JPEG already scaled down
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_EDGE, MAX_EDGE))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
    except Image.DecompressionBombError:  # Pillow's own check fires first past ~179 megapixels
        raise InvalidInput("{name} has too many pixels for a photo (at most {limit} megapixels).", name=filename,
                           limit=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidInput("{name} is not a JPEG or PNG photo.", name=filename) from None
    out.seek(0)
    return out
