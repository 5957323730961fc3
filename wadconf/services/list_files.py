"""Lists as files (CSV, XLSX, PDF), the text of their cells, and the audit of every export.

Formula injection: a cell that starts with ``= + - @``, a tab or a carriage return could
start a formula in a spreadsheet. Such text gets a leading ``'`` here, in CSV and XLSX
alike, so that no cell of an exported list ever starts with ``=``, even after the file is
re-saved by another program. Phone-like text (``+86 138 0000 0000``, ``-``, a masked
``+86138****5678``) is not harmful and stays as written: the shared writers of
:mod:`wadconf.services.exports` then keep it a text cell with Excel's quote prefix in XLSX,
and put the OWASP ``'`` before it in CSV, which has no other way to say "text".
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from wadconf.models import Event, StaffUser
from wadconf.services import audit, exports
from wadconf.services.list_table import ListGroup, ListTable
from wadconf.services.lists import ListSpec

FORMATS = ("csv", "xlsx", "pdf")
MIMETYPES = {
    "csv": exports.CSV_MIMETYPE,
    "xlsx": exports.XLSX_MIMETYPE,
    "pdf": "application/pdf",
}
#: Digits, spaces, brackets, dots, dashes, asterisks (masks) after an optional sign.
_PHONE_LIKE = re.compile(r"[+\-]?[\d\s().*\-]*")
#: Columns that make sense on paper only.
_PAPER_ONLY = {"signature"}
_GROUP_HEADER = {"zh": "分组", "en": "Group", "bilingual": "分组 Group"}


def neutralise(value: Any) -> Any:
    """``value`` made safe to open in a spreadsheet (see the module's docstring)."""
    if isinstance(value, str) and value.startswith(exports.FORMULA_PREFIXES):
        if _PHONE_LIKE.fullmatch(value):
            return value
        return "'" + value
    return value


def local_time(value: datetime, zone: str) -> datetime:
    """An aware datetime as naive wall-clock time in ``zone`` (what a spreadsheet stores)."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def cell_text(value: Any, zone: str) -> str:
    """A cell as text on a page: datetimes to the minute in the event's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    return str(value)


def html_groups(table: ListTable) -> list[tuple[ListGroup, list[Markup]]]:
    """Each group with its rows as escaped ``<tr>`` markup, for the page and the print view.

    Building the rows here (every cell escaped) rather than cell by cell in Jinja made a
    5,000-row page several times faster.
    """
    zone = ZoneInfo(table.timezone)
    keys = [column.key for column in table.columns]
    opens = [
        "<td>" if column.align == "left" else f'<td class="align-{column.align}">'
        for column in table.columns
    ]
    result = []
    for group in table.groups:
        rows = []
        for row in group.rows:
            cells = row.cells
            parts = ["<tr>"]
            for key, opening in zip(keys, opens, strict=True):
                value = cells.get(key)
                if value is None:
                    text = ""
                elif isinstance(value, datetime):
                    text = value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                else:
                    text = escape(str(value))
                parts.append(f"{opening}{text}</td>")
            parts.append("</tr>")
            rows.append(Markup("".join(parts)))
        result.append((group, rows))
    return result


def _sheet(table: ListTable) -> tuple[list[str], list[list[Any]]]:
    """Header and rows for a spreadsheet: a group column when grouped, no signature box."""
    columns = [c for c in table.columns if c.key not in _PAPER_ONLY]
    header = [c.label(table.language) for c in columns]
    if table.grouped:
        header.insert(0, _GROUP_HEADER[table.language])
    rows = []
    for group in table.groups:
        for row in group.rows:
            values = []
            for column in columns:
                value = row.cells.get(column.key)
                if isinstance(value, datetime):
                    value = local_time(value, table.timezone)
                values.append(neutralise(value))
            if table.grouped:
                values.insert(0, neutralise(group.label))
            rows.append(values)
    return [neutralise(h) for h in header], rows


def list_csv(table: ListTable) -> bytes:
    """The list as CSV, UTF-8 with a byte-order mark (Excel on Chinese Windows reads it right)."""
    header, rows = _sheet(table)
    return exports.write_csv(header, rows)


def list_xlsx(table: ListTable) -> bytes:
    """The list as an XLSX sheet: numbers as numbers, check-in times as Excel dates."""
    header, rows = _sheet(table)
    return exports.write_xlsx(header, rows, sheet_title=table.title)


def render(table: ListTable, fmt: str) -> bytes:
    """The list in ``fmt`` (``csv``, ``xlsx`` or ``pdf``)."""
    if fmt == "csv":
        return list_csv(table)
    if fmt == "xlsx":
        return list_xlsx(table)
    if fmt == "pdf":
        from wadconf.services.list_pdf import list_pdf

        return list_pdf(table)
    raise ValueError(f"unknown list format {fmt!r}")


def filename(event: Event, spec: ListSpec, fmt: str) -> str:
    """An ASCII file name: ``list-wad2024-session-12-checked_in.xlsx``."""
    parts = ["list", event.slug]
    if spec.scope == "session":
        parts += ["session", str(spec.session_id)]
    elif spec.scope == "checkpoint":
        parts += ["checkpoint", str(spec.checkpoint_id)]
    parts.append(spec.status)
    return "-".join(parts) + "." + fmt


def record_export(
    event: Event,
    spec: ListSpec,
    table: ListTable,
    fmt: str,
    *,
    actor: StaffUser | None = None,
) -> None:
    """Write who exported which list, with its filters and row count, to the audit log."""
    audit.record(
        "list.export",
        actor=actor,
        event_id=event.id,
        details={
            "format": fmt,
            "title": table.title,
            "rows": table.total,
            "columns": [c.key for c in table.columns],
            **spec.settings(),
        },
    )
