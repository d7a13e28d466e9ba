"""The site import is bounded and never crashes: hostile or broken files are a 400, not a 500 or an OOM.

All files here are real CSV or XLSX bytes, built small in the test (an XLSX is patched at the XML
level where openpyxl would not write the problem itself).
"""

import io
import random
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from procure.audit.services import Actor
from procure.kernel.errors import InvalidInput
from procure.sites import importing, services
from procure.sites.rules import validate_site
from tests.factories import JurisdictionFactory

ACTOR = Actor(None, "officer")
HEADER = ["code", "name", "kind", "grade", "jurisdiction_code", "area_m2"]
CSV_HEADER = ",".join(HEADER) + "\n"
SHEET = "xl/worksheets/sheet1.xml"
UNREADABLE = "The XLSX workbook cannot be read; save it again from Excel or WPS."


@pytest.fixture()
def street(session):
    return JurisdictionFactory(code="330110002", name="仓前街道")


def workbook(*rows: list) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows or (["X-1", "梦想小镇广场", "square", 1, "330110002", 100],):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def repack(content: bytes, edit: dict[str, bytes | Callable[[bytes], bytes] | None] | None = None,
           add: dict[str, bytes] | None = None) -> bytes:
    """The ZIP again, with parts replaced (bytes), edited (a function) or dropped (None), and parts added."""
    edit, add = edit or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in edit:
                change = edit[item.filename]
                if change is None:
                    continue
                data = change(data) if callable(change) else change
            target.writestr(item, data)
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def append_rows(xml: str) -> Callable[[bytes], bytes]:
    return lambda sheet: sheet.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


def dimension_bomb(ref_rows: int) -> bytes:
    """A few KB declaring the whole width of a sheet (XFD = 16 384 columns), one cell in the last row."""
    def edit(sheet: bytes) -> bytes:
        sheet = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:XFD{ref_rows}"/>'.encode(), sheet)
        return append_rows(f'<row r="{ref_rows}"><c r="A{ref_rows}" t="inlineStr"><is><t>z</t></is></c></row>')(sheet)
    return repack(workbook(), {SHEET: edit})


def ratio_bomb() -> bytes:
    """8 MB of zeros packed into a few KB: a part expanding about 1000 times."""
    return repack(workbook(), add={"xl/media/padding.bin": bytes(8 * 1024 * 1024)})


def inline_row(number: int, values: list) -> str:
    cells = "".join(f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                    for column, value in zip("ABCDEF", values))
    return f'<row r="{number}">{cells}</row>'


def read_bounded(content: bytes, name: str = "s.xlsx") -> tuple[object, float, float]:
    """``read_rows`` (or the InvalidInput it raises), the seconds it took and its peak traced memory in MB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result: object = importing.read_rows(content, name)
    except InvalidInput as exc:
        result = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, time.perf_counter() - started, peak / 2**20


# --- XLSX: size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ref_rows", [20_000, 1_048_576])
def test_a_dimension_bomb_is_read_quickly_in_bounded_memory(ref_rows, session, clock, street):
    content = dimension_bomb(ref_rows)
    assert len(content) < 10_000  # A1:XFD20000 took 2.9 GB before the fix
    rows, seconds, peak_mb = read_bounded(content)
    assert peak_mb < 100 and seconds < 20
    # The declared 16 384 columns are never materialised: the rows hold the header's columns only.
    assert [row.number for row in rows] == [2, ref_rows]
    assert rows[-1].values == {"code": "z", "name": None, "kind": None, "grade": None, "jurisdiction_code": None,
                               "area_m2": None}
    with pytest.raises(InvalidInput) as info:  # the stray last row has no name, kind, …: refused
        services.import_sites(session, clock, ACTOR, content, "s.xlsx")
    assert {e["row"] for e in info.value.errors} == {ref_rows}


def test_a_zip_ratio_bomb_is_refused_before_it_is_unpacked():
    content = ratio_bomb()
    assert len(content) < 50_000
    error, seconds, peak_mb = read_bounded(content)
    assert isinstance(error, InvalidInput) and "times its size" in error.message
    assert error.params == {"limit": importing.MAX_XLSX_RATIO}
    assert peak_mb < 20 and seconds < 5


def test_a_workbook_unpacking_past_the_limit_is_refused():
    # 8 × 9 MB that pack only 20:1 (passing the ratio check): 72 MB unpacked from under 4 MB.
    n = 9 * 1024 * 1024
    block = bytearray(n)
    block[::48] = random.Random(0).randbytes(len(range(0, n, 48)))
    content = repack(workbook(), add={f"xl/media/image{i}.bin": bytes(block) for i in range(8)})
    assert len(content) < importing.MAX_IMPORT_BYTES
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and "unpacks to more than" in error.message
    assert error.params == {"limit": importing.MAX_XLSX_UNPACKED_MB}


def test_a_workbook_with_too_many_parts_is_refused():
    content = repack(workbook(), add={f"customXml/item{i}.xml": b"<a/>" for i in range(importing.MAX_XLSX_PARTS)})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.params == {"limit": importing.MAX_XLSX_PARTS}


def test_millions_of_tiny_xml_elements_are_refused_before_openpyxl_keeps_them():
    # Formatted empty rows cost openpyxl ~400 bytes each however small their XML; 48 MB of styles took 1.5 GB.
    rows = "".join(f'<row r="{r}" s="{r % 7}"/>' for r in range(3, importing.MAX_XLSX_KEPT_ELEMENTS + 10))
    error, seconds, peak_mb = read_bounded(repack(workbook(), {SHEET: append_rows(rows)}))
    assert isinstance(error, InvalidInput) and "too complex" in error.message
    assert error.params == {"limit": importing.MAX_XLSX_KEPT_ELEMENTS}
    assert peak_mb < 100 and seconds < 20


def test_a_row_of_too_many_cells_is_refused():
    cells = "<c><v>1</v></c>" * (importing.MAX_XLSX_ITEM_ELEMENTS // 2 + 1)
    error, _, _ = read_bounded(repack(workbook(), {SHEET: append_rows(f'<row r="3">{cells}</row>')}))
    assert isinstance(error, InvalidInput) and error.params == {"limit": importing.MAX_XLSX_ITEM_ELEMENTS}


def test_an_xlsx_with_more_sites_than_the_limit_is_refused():
    limit = importing.MAX_IMPORT_ROWS
    rows = "".join(inline_row(n, [f"R-{n}", "n", "park", "1", "330110002", "1"]) for n in range(3, limit + 3))
    with pytest.raises(InvalidInput) as info:  # row 2 and 20 000 more
        importing.read_rows(repack(workbook(), {SHEET: append_rows(rows)}), "s.xlsx")
    assert info.value.message.startswith("The file has more than {limit} sites")
    assert info.value.params == {"limit": limit}


def test_a_known_column_past_the_column_limit_is_named():
    far = importing.MAX_IMPORT_COLUMNS + 3
    header = ["x"] * (far - len(HEADER)) + HEADER  # "area_m2", the last known column, is column `far`
    book = Workbook()
    book.active.append(header)
    book.active.append(["v"] * far)
    buffer = io.BytesIO()
    book.save(buffer)
    csv_file = (",".join(header) + "\n" + ",".join(["v"] * far) + "\n").encode()
    for content, name in ((buffer.getvalue(), "s.xlsx"), (csv_file, "s.csv")):
        with pytest.raises(InvalidInput) as info:
            importing.read_rows(content, name)
        assert info.value.params == {"column": "area_m2", "position": far, "limit": importing.MAX_IMPORT_COLUMNS}


def test_extra_columns_before_the_limit_are_fine():
    content = ("序号," + ",".join(HEADER) + ",备注\n1,A-1,n,park,1,330110002,10,x\n").encode()
    (row,) = importing.read_rows(content, "s.csv")
    assert row.values["code"] == "A-1" and row.values["area_m2"] == "10"


# --- XLSX: broken files -------------------------------------------------------------------------


@pytest.mark.parametrize("part", [SHEET, "xl/workbook.xml", "xl/styles.xml"])
def test_malformed_xml_is_invalid_input(part):
    content = repack(workbook(), {part: b"<worksheet><sheetData><row"})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE and error.status_code == 400


def test_malformed_xml_in_a_later_row_is_invalid_input():
    # well-formed up to the rows already read, then not: the error comes while iterating
    content = repack(workbook(), {SHEET: lambda sheet: sheet.replace(b"</sheetData>", b'<row r="3"><c r="A3">')})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE


def test_a_shared_string_index_out_of_range_is_invalid_input():
    content = repack(workbook(), {SHEET: append_rows('<row r="3"><c r="A3" t="s"><v>99</v></c></row>')})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE


def test_a_workbook_without_sheets_is_invalid_input():
    content = repack(workbook(), {"xl/workbook.xml": lambda x: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", x)})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.message == "The XLSX workbook has no worksheet."


def test_a_dtd_is_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b"<lolz>&lol2;</lolz>")
    error, _, _ = read_bounded(repack(workbook(), {"docProps/core.xml": laughs}))
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE


def test_a_cell_number_that_cannot_be_a_number_is_invalid_input():
    content = repack(workbook(), {SHEET: lambda sheet: sheet.replace(b"<v>100</v>", b"<v>inf</v>")})
    error, _, _ = read_bounded(content)
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE


def test_a_truncated_zip_is_invalid_input():
    content = workbook()
    error, _, _ = read_bounded(content[: len(content) // 2])
    assert isinstance(error, InvalidInput) and error.message == UNREADABLE


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", [
    "A," + "x" * 200_000 + ",park,1,330110002,1\n",  # one field past the csv module's 131 072
    "A,n,park,1,330110002,1" + "," * 2_000_000 + "\n",  # two million empty fields
    'A,"n,park,1,330110002,1\n' + "B,n,park,1,330110002,1\n" * 10_000,  # a quote never closed
])
def test_a_csv_row_past_the_limit_is_invalid_input(row):
    error, _, peak_mb = read_bounded((CSV_HEADER + row).encode(), "s.csv")
    assert isinstance(error, InvalidInput) and error.message.startswith("The CSV file cannot be read at line {line}")
    assert error.params["limit"] == importing.MAX_CSV_ROW_CHARS and error.params["line"] >= 2
    assert peak_mb < 60


def test_a_csv_with_more_sites_than_the_limit_is_refused_and_one_at_the_limit_is_read():
    limit = importing.MAX_IMPORT_ROWS
    rows = "".join(f"C-{i},n,park,1,330110002,1\n" for i in range(limit))
    assert len(importing.read_rows((CSV_HEADER + rows + "\n\n").encode(), "s.csv")) == limit  # blank lines are free
    with pytest.raises(InvalidInput) as info:
        importing.read_rows((CSV_HEADER + rows + "C-last,n,park,1,330110002,1\n").encode(), "s.csv")
    assert info.value.params == {"limit": limit}


# --- per-row validation -------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "value", "message"), [
    ("length_m", "1e30", "Too large."),
    ("width_m", "1e30", "Too large."),
    ("length_m", "100000000", "Too large."),  # Fixed(10, 2)
    ("width_m", "999999.995", "Too large."),  # Fixed(8, 2) once rounded
    ("length_m", "NaN", "Not a number."),
    ("width_m", "-Infinity", "Not a number."),
    ("length_m", "0.001", "Must be greater than 0."),  # 0.00 once rounded
    ("area_m2", "1e999999", "Too large."),
])
def test_out_of_range_measures_are_field_errors(column, value, message):
    raw = {"code": "R-1", "name": "路", "kind": "road", "grade": "1", "jurisdiction_code": "330110002",
           "length_m": "1000", "width_m": "24"} | {column: value}
    errors = validate_site(raw, ["330110002"])
    assert errors.errors[column] == message


def test_the_largest_measures_that_fit_are_accepted():
    raw = {"code": "R-1", "name": "路", "kind": "road", "grade": "1", "jurisdiction_code": "330110002",
           "length_m": "99999999.99", "width_m": "99.99"}
    fields = validate_site(raw, ["330110002"])
    assert str(fields.length_m) == "99999999.99" and str(fields.area_m2) == "9998999999.00"


def test_a_length_of_1e30_is_a_row_error_in_an_import(session, clock, street):
    content = b"code,name,kind,grade,jurisdiction_code,length_m,width_m\nF-1,n,road,1,330110002,1e30,1\n"
    with pytest.raises(InvalidInput) as info:
        services.import_sites(session, clock, ACTOR, content, "s.csv")
    assert {(e["row"], e["column"], e["message"]) for e in info.value.errors} >= {(2, "length_m", "Too large.")}


# --- through the API ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "detail"), [
    ("sites.xlsx", ratio_bomb(), "times its size"),
    ("sites.xlsx", repack(workbook(), {SHEET: b"<worksheet><sheetData><row"}), "cannot be read"),
    ("sites.csv", (CSV_HEADER + "A," + "x" * 200_000 + "\n").encode(), "longer than 131072 characters"),
], ids=["zip-bomb", "malformed", "csv-field"])
def test_hostile_imports_are_400_through_the_api(client, as_role, street, name, content, detail):
    response = client.post("/api/v1/sites/import", headers=as_role("officer") | {"Accept-Language": "en"},
                           files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


def test_a_dimension_bomb_through_the_api_is_400_with_the_stray_row_listed(client, as_role, street):
    response = client.post("/api/v1/sites/import", headers=as_role("officer") | {"Accept-Language": "en"},
                           files={"file": ("sites.xlsx", dimension_bomb(20_000), "application/octet-stream")})
    assert response.status_code == 400, response.text
    assert {e["row"] for e in response.json()["errors"]} == {20_000}


def test_a_hostile_import_is_explained_in_chinese(client, as_role, street):
    response = client.post("/api/v1/sites/import", headers=as_role("officer"),  # zh_CN is the default
                           files={"file": ("sites.xlsx", ratio_bomb(), "application/octet-stream")})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "100" in detail and "倍" in detail
