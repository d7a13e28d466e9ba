"""Reading site lists from CSV (UTF-8 or GBK) and XLSX into rows of raw strings.

Only parsing lives here; validation is ``sites.rules.validate_site`` and writing is the service.

Every read is bounded, whatever the file declares (limits below): an XLSX is checked as a ZIP
before openpyxl sees it, rows are streamed (never the whole sheet in memory) and any way a
malformed file can fail is answered with ``InvalidInput`` (400), not a crash.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from xml.parsers import expat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from procure.kernel.errors import InvalidInput

#: Column name → the headers people actually write, English and Chinese.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "编号", "养护对象编码"),
    "name": ("name", "名称", "养护对象名称"),
    "kind": ("kind", "类型", "类别"),
    "grade": ("grade", "等级", "养护等级"),
    "jurisdiction_code": ("jurisdiction_code", "jurisdiction", "属地编码", "属地代码"),
    "area_m2": ("area_m2", "area", "面积", "面积(m2)", "面积（m²）", "面积(m²)"),
    "length_m": ("length_m", "length", "长度", "长度(m)"),
    "width_m": ("width_m", "width", "宽度", "宽度(m)"),
    "handover_date": ("handover_date", "移交日期"),
    "address": ("address", "地址"),
    "lon": ("lon", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
}
REQUIRED = ("code", "name", "kind", "grade", "jurisdiction_code")

_ALIAS = {alias.lower(): column for column, aliases in COLUMNS.items() for alias in aliases}

# --- limits ---------------------------------------------------------------------------------

#: Largest import file accepted; bigger uploads are refused before they are read (413).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: Sites in one file. A whole district's registry (a few thousand roads, squares, parks, green
#: spaces and rivers) fits with room to spare; a bigger list is split into several files.
MAX_IMPORT_ROWS = 20_000
#: The known columns must be within the first this many columns: the 12 of ``COLUMNS`` and room
#: for the user's own (序号, 备注, 管养单位 …). Cells to the right of the last known column are not read.
MAX_IMPORT_COLUMNS = 32
#: Characters in one CSV row; the ``csv`` module refuses a longer field by itself (same number).
MAX_CSV_ROW_CHARS = 131_072
#: XLSX as a ZIP: total unpacked size of its parts, parts in it, and how much one part may expand.
#: A 20 000-site sheet of 14 columns unpacks to about 13 MB and packs about 8:1 (written by openpyxl).
MAX_XLSX_UNPACKED_MB = 64
MAX_XLSX_PARTS = 1000
MAX_XLSX_RATIO = 100
#: XML elements in all parts; inside one sheet row or shared string; and outside rows and shared
#: strings (kept in memory by openpyxl, some 400-800 bytes each). A 20 000-site sheet of 14 columns
#: has 0.7 M elements, 20 000 of them kept; Excel adds one kept per distinct text (shared strings).
MAX_XLSX_ELEMENTS = 2_000_000
MAX_XLSX_ITEM_ELEMENTS = 65_536  # a row filled to Excel's last column (XFD) with values has 32 768
MAX_XLSX_KEPT_ELEMENTS = 200_000
#: Parts smaller than this are not ratio-checked: they cannot be a bomb, and tiny XML packs well.
_RATIO_CHECK_FROM = 1024 * 1024
#: Excel's own sheet size; rows and columns past it do not exist.
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384

#: What openpyxl (and zipfile, zlib, ElementTree under it) raise on a malformed workbook, at load
#: time or while rows are read: ``ParseError`` is a ``SyntaxError``; ``LookupError`` covers a
#: shared-string index out of range and a missing part; ``RuntimeError`` an encrypted part or an
#: unsupported compression. ``MemoryError`` is deliberately not here: the limits prevent it.
_XLSX_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, SyntaxError, LookupError,
    TypeError, ValueError, AttributeError, ArithmeticError, OSError, EOFError, RuntimeError,
)


@dataclass(frozen=True)
class RawRow:
    number: int  # the row number a spreadsheet shows (header = 1)
    values: dict[str, object]  # cell values as the file holds them (text, numbers, dates, None)


def read_rows(content: bytes, filename: str = "") -> list[RawRow]:
    """Rows of a CSV or XLSX file, told apart by content (an XLSX is a ZIP), not by name."""
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if filename.lower().endswith((".xlsx", ".xls")) or b"\x00" in content[:4096]:
        raise InvalidInput("The file is neither a CSV text file nor an XLSX workbook.")
    return _read_csv(_decode(content))


def _decode(content: bytes) -> str:
    # Excel in a Chinese locale saves CSV as GBK; GB 18030 is its superset.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("The CSV file is neither UTF-8 nor GBK text.")


def _map_header(header: Sequence[object]) -> list[str | None]:
    """The known column of each header cell, up to the last known one (so data rows are read no wider)."""
    mapped = [_ALIAS.get(str(cell or "").strip().lower()) for cell in header]
    known = [position for position, column in enumerate(mapped) if column is not None]
    if known and known[-1] >= MAX_IMPORT_COLUMNS:
        raise InvalidInput(
            "The column {column} is column {position}, but only the first {limit} columns are read; "
            "move it further left.",
            column=str(header[known[-1]]).strip(), position=known[-1] + 1, limit=MAX_IMPORT_COLUMNS,
        )
    missing = [column for column in REQUIRED if column not in mapped]
    if "area_m2" not in mapped and not {"length_m", "width_m"} <= set(mapped):
        missing.append("area_m2")
    if missing:
        raise InvalidInput(
            "The file is missing required columns: {columns}.",
            columns=", ".join(missing),
            errors=[{"row": 1, "column": column, "message": "Missing column."} for column in missing],
        )
    return mapped[: known[-1] + 1]


def _blank(record: Sequence[object]) -> bool:
    # count(None) runs in C: openpyxl fills gaps between rows with all-None rows, possibly many.
    return record.count(None) == len(record) or all(cell is None or str(cell).strip() == "" for cell in record)


def _rows(header: list[str | None], records: Iterable[Sequence[object]]) -> list[RawRow]:
    """The non-blank rows after the header (row 1), at most ``MAX_IMPORT_ROWS``, streamed."""
    rows: list[RawRow] = []
    for number, record in enumerate(records, start=2):
        if _blank(record):
            continue
        if len(rows) == MAX_IMPORT_ROWS:
            raise InvalidInput("The file has more than {limit} sites; split it into several files.",
                               limit=MAX_IMPORT_ROWS)
        values = {column: _cell(cell) for column, cell in zip(header, record) if column is not None}
        rows.append(RawRow(number, values))
    if not rows:
        raise InvalidInput("The file has a header but no sites.")
    return rows


def _cell(value: object) -> object:
    # XLSX numbers arrive as floats; go through repr so 1234.5 stays 1234.5, not 1234.4999…
    if isinstance(value, float):
        return repr(value)
    return value


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(text: str) -> list[RawRow]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = _CsvLines(text)
    reader = csv.reader(lines, dialect)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput("The file is empty.")
        return _rows(_map_header(header), lines.records(reader))
    except csv.Error:  # a field over the csv module's limit (an unclosed quote runs into one), a NUL
        raise lines.unreadable(max(reader.line_num, 1)) from None


class _CsvLines:
    """The text's lines for ``csv.reader``, refusing a row (one or more lines) over ``MAX_CSV_ROW_CHARS``.

    ``csv`` bounds a field but not the number of fields in a row: a row of two million commas
    would be a list of two million strings. Counting characters per row bounds both.
    """

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")  # as the csv docs ask: \r, \n and \r\n all end a line
        self._used = 0
        self._line = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self._line += 1
            self._used += len(line)
            if self._used > MAX_CSV_ROW_CHARS:
                raise self.unreadable(self._line)
            yield line

    def records(self, reader: Iterator[list[str]]) -> Iterator[list[str]]:
        self._used = 0  # the header's characters
        for record in reader:
            self._used = 0
            yield record

    @staticmethod
    def unreadable(line: int) -> InvalidInput:
        return InvalidInput(
            "The CSV file cannot be read at line {line}: a row is longer than {limit} characters, "
            "a quotation mark is not closed, or the file is not plain text.",
            line=line, limit=MAX_CSV_ROW_CHARS,
        )


# --- XLSX -----------------------------------------------------------------------------------


def _check_archive(content: bytes) -> None:
    """Refuse a workbook that would unpack or parse too far, before openpyxl reads any of it.

    First the ZIP's declared sizes, which bind: ``zipfile`` never returns more than a part's
    declared size (and fails its CRC if the data runs on). Then every part is scanned as XML by
    expat, streamed, counting elements: openpyxl keeps an object of several hundred bytes for
    each element it does not throw away, so bytes alone do not bound its memory (48 MB of styles
    took 1.5 GB). Parts that are not XML (images) end their scan at once; if openpyxl reads one
    of them it reports the error itself.
    """
    # Each part has one central-directory entry; count them in C before zipfile builds an object each.
    if content.count(b"PK\x01\x02") > MAX_XLSX_PARTS:
        raise InvalidInput("The XLSX workbook has more than {limit} parts; save it again from Excel or WPS.",
                           limit=MAX_XLSX_PARTS)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            _check_sizes(parts)
            budget = _XmlBudget()
            for part in parts:
                with archive.open(part) as stream:
                    budget.scan(stream)
    except _XLSX_ERRORS:
        raise _unreadable() from None


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_XLSX_PARTS:
        raise InvalidInput("The XLSX workbook has more than {limit} parts; save it again from Excel or WPS.",
                           limit=MAX_XLSX_PARTS)
    if sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_MB * 1024 * 1024:
        raise InvalidInput(
            "The XLSX workbook unpacks to more than {limit} MB; delete images and unused sheets, "
            "or save the sites as CSV.",
            limit=MAX_XLSX_UNPACKED_MB,
        )
    for part in parts:
        if part.flag_bits & 0x1 or part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable()  # encrypted, or packed in a way Excel does not use
        if part.file_size > _RATIO_CHECK_FROM and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            raise InvalidInput(
                "The XLSX workbook contains a part that unpacks to more than {limit} times its size "
                "(a ZIP bomb?); save it again from Excel or WPS.",
                limit=MAX_XLSX_RATIO,
            )


class _XmlBudget:
    """Element counts over all parts of a workbook, against the ``MAX_XLSX_*ELEMENTS`` limits.

    openpyxl discards what is inside a sheet row (``row``) or a shared string (``si``) once it has
    read it; everything else it keeps. So elements inside one row or string count against a
    per-item limit, the rest against a smaller one, and all of them against the total.
    """

    def __init__(self) -> None:
        self.total = 0
        self.kept = 0

    def scan(self, stream: IO[bytes]) -> None:
        parser = expat.ParserCreate()
        depth = item_depth = in_item = 0

        def start(name: str, _attributes: dict[str, str]) -> None:
            nonlocal depth, item_depth, in_item
            depth += 1
            self.total += 1
            if item_depth:
                in_item += 1
                if in_item > MAX_XLSX_ITEM_ELEMENTS:
                    raise InvalidInput(
                        "A row or text of the XLSX workbook is too complex to read (more than {limit} XML "
                        "elements); copy the sites into a new workbook or save them as CSV.",
                        limit=MAX_XLSX_ITEM_ELEMENTS,
                    )
            else:
                self.kept += 1
                if name.rpartition(":")[2] in ("row", "si"):
                    item_depth, in_item = depth, 0
            if self.total > MAX_XLSX_ELEMENTS or self.kept > MAX_XLSX_KEPT_ELEMENTS:
                raise InvalidInput(
                    "The XLSX workbook is too complex to read (more than {limit} XML elements); copy the "
                    "sites into a new workbook or save them as CSV.",
                    limit=MAX_XLSX_ELEMENTS if self.total > MAX_XLSX_ELEMENTS else MAX_XLSX_KEPT_ELEMENTS,
                )

        def end(_name: str) -> None:
            nonlocal depth, item_depth
            if depth == item_depth:
                item_depth = 0
            depth -= 1

        def doctype(*_args: object) -> None:
            raise _unreadable()  # Excel never writes a DTD; entities are a bomb's tool

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = doctype
        try:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            return  # not XML, or broken XML: see the docstring of _check_archive


def _read_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook  # openpyxl (slow to import) only for an XLSX import

    _check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise _unreadable() from None
    try:
        if not workbook.worksheets:
            raise InvalidInput("The XLSX workbook has no worksheet.")
        sheet = workbook.worksheets[0]
        # Explicit bounds: openpyxl would otherwise pad every row to the <dimension> the file
        # declares (A1:XFD1048576 from a few bytes), and stop early where it under-declares.
        first = sheet.iter_rows(min_row=1, max_row=1, max_col=_EXCEL_COLUMNS, values_only=True)
        header = next(_guarded(first), None)
        first.close()
        if header is None:
            raise InvalidInput("The file is empty.")
        mapped = _map_header(header)
        # Rows stream to the end of the sheet so that a site past the limit is refused, never
        # dropped. _check_archive bounds the rows in the XML; openpyxl fills gaps between row
        # numbers with one shared all-None tuple, so even a jump to row 1 048 576 costs ~2 s, no memory.
        data = sheet.iter_rows(min_row=2, max_row=_EXCEL_ROWS, max_col=len(mapped), values_only=True)
        return _rows(mapped, _guarded(data))
    finally:
        workbook.close()


def _unreadable() -> InvalidInput:
    return InvalidInput("The XLSX workbook cannot be read; save it again from Excel or WPS.")


def _guarded(records: Iterator[Sequence[object]]) -> Iterator[Sequence[object]]:
    """The records, with any error reading the workbook turned into ``InvalidInput``."""
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except _XLSX_ERRORS:
            raise _unreadable() from None
        yield record
