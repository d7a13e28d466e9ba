"""What an uploaded file really is, judged by its bytes rather than its name.

Bidders upload qualification papers and price sheets; a name ending in ``.pdf`` proves
nothing, so the bureau accepts a file only when its content matches one of ``ALLOWED``.
"""

from __future__ import annotations

import zipfile
from typing import IO

ALLOWED = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: PDF readers accept the header anywhere in the first 1024 bytes (ISO 32000 implementation note).
_PDF_WINDOW = 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_ZIP = b"PK\x03\x04"
#: Executable headers: a DOS/Windows EXE or an ELF file carrying "%PDF-" a few bytes in is a
#: polyglot that a reader would open as a PDF and an OS would run as a program.
_EXECUTABLE = (b"MZ", b"\x7fELF")
_OOXML_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def detect(fileobj: IO[bytes]) -> str | None:
    """The ``ALLOWED`` key that the content of ``fileobj`` matches, or None.

    ``fileobj`` must be seekable; its position is 0 again when this returns.
    """
    try:
        fileobj.seek(0)
        head = fileobj.read(_PDF_WINDOW)
        if head.startswith(_EXECUTABLE):
            return None
        if head.startswith(_PNG):
            return "png"
        if head.startswith(_JPEG):
            return "jpeg"
        if head.startswith(_ZIP):
            return _ooxml_kind(fileobj)
        if b"%PDF-" in head:
            return "pdf"
        return None
    finally:
        fileobj.seek(0)


def _ooxml_kind(fileobj: IO[bytes]) -> str | None:
    # zipfile reads only the central directory at the end, so a large upload stays on disk.
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    kinds = [kind for kind, marker in _OOXML_MARKERS.items() if marker in names]
    # An archive claiming to be both is not a document Office would write.
    return kinds[0] if len(kinds) == 1 else None
