"""Reading site lists from CSV (UTF-8 or GBK) and XLSX into rows of raw strings.

Only parsing lives here; validation is ``sites.rules.validate_site`` and writing is the service.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from procure.errors import InvalidInput

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


@dataclass(frozen=True)
class RawRow:
    number: int  # the row number a spreadsheet shows (header = 1)
    values: dict[str, Any]


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


def _map_header(header: list[Any]) -> list[str | None]:
    mapped = [_ALIAS.get(str(cell or "").strip().lower()) for cell in header]
    missing = [column for column in REQUIRED if column not in mapped]
    if "area_m2" not in mapped and not {"length_m", "width_m"} <= set(mapped):
        missing.append("area_m2")
    if missing:
        raise InvalidInput(
            "The file is missing required columns: {columns}.",
            columns=", ".join(missing),
            errors=[{"row": 1, "column": column, "message": "Missing column."} for column in missing],
        )
    return mapped


def _rows(records: list[list[Any]]) -> list[RawRow]:
    if not records:
        raise InvalidInput("The file is empty.")
    header = _map_header(records[0])
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in record):
            continue
        values = {column: cell for column, cell in zip(header, record) if column is not None}
        rows.append(RawRow(number, values))
    if not rows:
        raise InvalidInput("The file has a header but no sites.")
    return rows


def _read_csv(text: str) -> list[RawRow]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _rows(list(csv.reader(io.StringIO(text), dialect)))


def _read_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InvalidInput("The XLSX workbook cannot be read; save it again from Excel or WPS.") from None
    try:
        sheet = workbook.worksheets[0]
        records = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _rows([[_cell(cell) for cell in record] for record in records])


def _cell(value: Any) -> Any:
    # XLSX numbers arrive as floats; go through repr so 1234.5 stays 1234.5, not 1234.4999…
    if isinstance(value, float):
        return repr(value)
    return value

#: Largest import file accepted; bigger uploads are refused before they are read (413).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
