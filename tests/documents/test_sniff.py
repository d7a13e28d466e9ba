import io
import zipfile

import pytest

from procure.documents.sniff import ALLOWED, detect

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
# A 1x1 PNG and the first bytes of a JFIF JPEG, as cameras and scanners write them.
MINIMAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5e2d1f50000000049454e44ae426082")
MINIMAL_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("notice.pdf", MINIMAL_PDF, "pdf"),
    ("scan.pdf", b"\xef\xbb\xbf junk before the header\n" + MINIMAL_PDF, "pdf"),
    ("photo.png", MINIMAL_PNG, "png"),
    ("photo.jpg", MINIMAL_JPEG, "jpeg"),
    ("bid.docx", zipped("word/document.xml", "word/styles.xml"), "docx"),
    ("prices.xlsx", zipped("xl/workbook.xml", "xl/worksheets/sheet1.xml"), "xlsx"),
    # The name says nothing: a PDF called .png is still a PDF.
    ("notice.png", MINIMAL_PDF, "pdf"),
])
def test_allowed_content_is_recognised(tmp_path, name, content, kind):
    with write(tmp_path, name, content).open("rb") as file:
        assert detect(file) == kind
        assert kind in ALLOWED
        assert file.tell() == 0


@pytest.mark.parametrize(("name", "content"), [
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("polyglot.pdf", b"MZ\x90\x00" + MINIMAL_PDF),
    ("empty.pdf", b""),
    ("readme.txt", "投标须知：请按时递交。\n".encode()),
    ("archive.zip", zipped("readme.txt")),
    ("both.docx", zipped("word/document.xml", "xl/workbook.xml")),
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 100),
    ("late.pdf", b" " * 1024 + MINIMAL_PDF),
])
def test_anything_else_is_refused(tmp_path, name, content):
    with write(tmp_path, name, content).open("rb") as file:
        file.read(3)
        assert detect(file) is None
        assert file.tell() == 0


def test_position_is_restored_after_a_zip_is_opened():
    file = io.BytesIO(zipped("word/document.xml"))
    file.seek(10)
    assert detect(file) == "docx"
    assert file.tell() == 0
    assert not file.closed
