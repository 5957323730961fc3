"""Reading invitation spreadsheets: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) and XLSX.

The type of a file is judged by its content, never by its name. Headers in Chinese or
English are mapped onto the column keys of :data:`COLUMNS`. Checking the rows is the
business of :mod:`wadconf.services.imports`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from wadconf.services import DomainError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0"  # .xls from old Excel
#: Starts of common non-spreadsheet files (PNG, JPEG, GIF, PDF, gzip, RAR, 7-Zip).
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
)
_NOT_A_SPREADSHEET = _l("This file is not a CSV or XLSX spreadsheet.")

#: column key -> header names accepted (compared after :func:`_header_key`); the first two
#: (English, Chinese) make the headers of the template file.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name_zh": ("name_zh", "中文姓名", "姓名", "中文名", "chinese name"),
    "name_en": ("name_en", "英文姓名", "english name", "英文名", "姓名拼音", "pinyin"),
    "organisation": ("organisation", "单位", "organization", "机构", "单位/机构", "工作单位"),
    "category": ("category", "类别", "代表类别"),
    "email": ("email", "邮箱", "e-mail", "电子邮箱", "电子邮件"),
    "mobile": ("mobile", "手机", "手机号", "手机号码", "mobile phone"),
    "language": ("language", "语言"),
    "seats": ("seats", "名额"),
    "expires": ("expires", "有效期", "expiry", "截止日期"),
    "note": ("note", "备注"),
}
#: What each column holds, for the upload page and the README.
COLUMN_HELP = {
    "name_zh": _l("Name in Chinese. A name in Chinese or English is required."),
    "name_en": _l("Name in English or pinyin."),
    "organisation": _l("Organisation."),
    "category": _l("Delegate category: its code or its Chinese or English name."),
    "email": _l("E-mail address; identifies the invitee when the file is imported again."),
    "mobile": _l("Mobile number, international (+44 20...) or Chinese 11 digits."),
    "language": _l(
        "zh, en or both (中文, 英文, 中英文). Empty: Chinese if a Chinese name is given."
    ),
    "seats": _l("Number of seats, 1 for a person (the default), more for a delegation."),
    "expires": _l("Last day the invitation can be used, e.g. 2025-05-31."),
    "note": _l("Organiser's note, not shown to the invitee."),
}


def _header_key(text: str) -> str:
    """A header compared case-, width- and space-insensitively (``E-Mail `` = ``email``)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*:：]+", "", text)


_HEADER_ALIASES = {_header_key(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def max_bytes() -> int:
    """The largest file accepted (``IMPORT_MAX_BYTES``, default 5 MB)."""
    value = current_app.config.get("IMPORT_MAX_BYTES") if has_app_context() else None
    return int(value or DEFAULT_MAX_BYTES)


# --- reading ----------------------------------------------------------------------------


def read_sheet(path: Path) -> tuple[str, list[str], Iterator[tuple[int, list[Any]]]]:
    """(file type, header cells, iterator of (line, cells)) of a CSV or XLSX file at ``path``.

    The type comes from the content, never the name: a PNG called ``.csv`` is refused.
    """
    size = path.stat().st_size
    if size > max_bytes():
        raise DomainError("too_large", too_large_message())
    if size == 0:
        raise DomainError("empty_file", _l("The file is empty."))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx", *_read_xlsx(path)
    if head.startswith(_OLE2_SIGNATURE):
        raise DomainError(
            "legacy_xls", _l("Old Excel files (.xls) are not read: save the sheet as .xlsx or CSV.")
        )
    if head.startswith(_BINARY_SIGNATURES):
        raise DomainError("not_a_spreadsheet", _NOT_A_SPREADSHEET)
    return "csv", *_read_csv(path.read_bytes())


def max_megabytes() -> str:
    """The size limit in MB, for messages (``5``, ``0.5``)."""
    return f"{max_bytes() / 1024 / 1024:g}"


def too_large_message():
    """The translated refusal of a file over the limit."""
    return _l("The file is larger than %(mb)s MB.", mb=max_megabytes())


def _decode(data: bytes) -> str:
    """Text of a CSV: UTF-16 with BOM, UTF-8 with or without BOM, else GB18030.

    Excel on Chinese Windows saves "CSV" in the ANSI code page, GBK; GB18030 decodes it.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        # GB18030 is a superset of GBK and GB2312; UTF-8 goes first because valid UTF-8
        # Chinese is almost never valid GB18030 of the same length, and not vice versa.
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Text files hold no control characters but tab and line ends; binaries do.
        if any(ord(c) < 32 and c not in "\t\r\n" for c in text[:65536]):
            break
        return text
    raise DomainError("not_a_spreadsheet", _NOT_A_SPREADSHEET)


def _read_csv(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Header cells and (line, cells) rows of CSV bytes."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    # Excel writes ";" in some locales and tab in "Unicode text"; the header tells which.
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise DomainError("empty_file", _l("The file is empty.")) from None
    except csv.Error as exc:
        raise DomainError("not_a_spreadsheet", _NOT_A_SPREADSHEET) from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        """Data rows with the line each starts on."""
        while True:
            # A quoted cell may span lines: report the line where the row starts.
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield line, [UnreadableRow()]
                return
            yield line, cells

    return headers, rows()


class UnreadableRow:
    """Marks a CSV row the csv module could not parse."""


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Header cells and (line, cells) rows of the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise DomainError("not_a_spreadsheet", _NOT_A_SPREADSHEET)
        # read_only streams rows from the zip instead of building the whole sheet in memory.
        # A file object, not the path: openpyxl judges a path by its extension, and uploads
        # are stored under a neutral one.
        workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DomainError("not_a_spreadsheet", _NOT_A_SPREADSHEET) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    headers = next(values, None)
    if headers is None:
        workbook.close()
        raise DomainError("empty_file", _l("The file is empty."))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        """Data rows with their sheet row number; closes the workbook at the end."""
        try:
            for line, cells in enumerate(values, start=2):
                yield line, list(cells)
        finally:
            workbook.close()

    return ["" if h is None else str(h) for h in headers], rows()


def map_headers(headers: list[str]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """(cell index -> column key, column key -> header as written, ignored headers).

    A bilingual header such as ``中文姓名 (name_zh)`` is matched by either of its parts.
    """
    by_index: dict[int, str] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        header = str(header).strip()
        if not header:
            continue
        key = _HEADER_ALIASES.get(_header_key(header))
        if key is None:
            pieces = re.split(r"[/()（）|]", header)
            parts = {_HEADER_ALIASES.get(_header_key(p)) for p in pieces if p.strip()}
            parts.discard(None)
            key = parts.pop() if len(parts) == 1 else None
        if key is None:
            ignored.append(header)
            continue
        if key in written:
            raise DomainError(
                "duplicate_column",
                _l("Two columns mean the same thing: %(a)s and %(b)s.", a=written[key], b=header),
            )
        by_index[index] = key
        written[key] = header
    if "name_zh" not in written and "name_en" not in written:
        raise DomainError(
            "no_name_column", _l("The file has no name column (中文姓名 or English name).")
        )
    return by_index, written, ignored


def template_csv() -> bytes:
    """An empty import sheet: bilingual headers, UTF-8 with BOM so that Excel shows the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{aliases[1]} ({key})" for key, aliases in COLUMNS.items()])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
