"""CSV and XLSX writers for lists organisers download (invitations, registrations...).

Both guard against formula injection: a name such as ``=HYPERLINK("http://evil","x")``
typed into a form must not become a live formula when an organiser opens the file.

- CSV: a cell starting with ``= + - @`` (or a tab or carriage return, which some
  spreadsheet programs skip before looking for those) gets a leading ``'``, as OWASP advises.
- XLSX: every text cell is written as a string, never as a formula, and risky ones also
  get Excel's own "quote prefix" flag, so that the value stays text even when a person
  edits the cell, while the text itself (``+8613812345678``) is kept as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_risky(value: Any) -> bool:
    """Whether a spreadsheet program could read ``value`` as the start of a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def guard_formula(value: Any) -> Any:
    """``value`` with a ``'`` in front when it could start a formula; other values unchanged."""
    return "'" + value if is_risky(value) else value


def _csv_value(value: Any) -> Any:
    """``value`` as CSV text: local datetimes formatted, formula starts guarded."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("convert datetimes to the event's local time before exporting")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return guard_formula(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8 with BOM, CRLF line ends) of ``header`` and ``rows``.

    The byte-order mark lets Excel on Chinese Windows read UTF-8 instead of GBK.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_value(str(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Sheet1"
) -> bytes:
    """An XLSX workbook of one sheet, streamed with openpyxl's ``write_only`` mode."""
    workbook = Workbook(write_only=True)
    # Excel limits sheet titles to 31 characters and forbids a few punctuation marks.
    title = "".join(ch for ch in sheet_title if ch not in "[]:*?/\\")[:31] or "Sheet1"
    sheet = workbook.create_sheet(title=title)
    sheet.append([_xlsx_cell(sheet, str(h)) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: Any):
    """``value`` as openpyxl should write it; a plain value where that is safe (much faster)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("convert datetimes to the event's local time before exporting")
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if not isinstance(value, str):
        return value
    # Control characters pasted into a form are not allowed in the XML of a sheet.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not is_risky(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    # openpyxl turns any text starting with "=" into a formula; text must stay text.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_xlsx_sheets(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> bytes:
    """A workbook of several sheets ``(title, header, rows)``, guarded like :func:`write_xlsx`."""
    workbook = Workbook(write_only=True)
    for sheet_title, header, rows in sheets:
        title = "".join(ch for ch in sheet_title if ch not in "[]:*?/\\")[:31] or "Sheet"
        sheet = workbook.create_sheet(title=title)
        sheet.append([_xlsx_cell(sheet, str(h)) for h in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
