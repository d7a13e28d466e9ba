"""Small copies of photos: thumbnails on pages, and the pictures printed in PDFs."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps, UnidentifiedImageError

#: Kinds a thumbnail can be made of (photos are stored as JPEG after ``inspection.photos.normalise``).
PICTURES = frozenset({"image/jpeg", "image/png"})
THUMB_EDGE = 320    # pixels: a tap-sized preview, sharp on a phone's 2–3× screen at ~120 CSS px
PRINT_EDGE = 720    # pixels: a photo printed 6 cm wide at ~300 dpi


def shrink(data: bytes, edge: int = THUMB_EDGE, quality: int = 72) -> bytes:
    """A JPEG at most ``edge`` pixels on its long side; the photo's rotation applied. Raises
    ValueError for bytes that are not a picture Pillow reads."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                image.draft("RGB", (edge, edge))  # decode at 1/2–1/8 scale: 10× faster for big photos
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("not a picture") from exc
    picture.thumbnail((edge, edge))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def data_url(jpeg: bytes) -> str:
    """For WeasyPrint, which fetches nothing but data: and the templates' own files."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
