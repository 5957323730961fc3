"""The shape of a printed or exported list, shared by the list builder and its renderers.

:mod:`wadconf.services.lists` builds a :class:`ListTable` (rows chosen, filtered,
ordered, grouped and masked); the page, CSV, XLSX (:mod:`wadconf.services.lists`) and
PDF (:mod:`wadconf.services.list_pdf`) renderers only lay it out. Cells hold what may
be printed: phone numbers are already masked, and no renderer adds data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: ``zh``: Chinese headers; ``en``: English; ``bilingual``: both ("姓名 Name").
ListLanguage = Literal["zh", "en", "bilingual"]
Orientation = Literal["portrait", "landscape"]
CellValue = str | int | datetime | None


@dataclass(frozen=True)
class ListColumn:
    """One column: its key, its bilingual header, its share of the width on paper."""

    key: str
    label_zh: str
    label_en: str
    #: Relative width on paper (1.0 is an ordinary text column).
    width: float = 1.0
    #: ``left``, ``right`` or ``center``.
    align: str = "left"

    def label(self, language: ListLanguage) -> str:
        """The header in the list's language."""
        if language == "zh":
            return self.label_zh
        if language == "en":
            return self.label_en
        return f"{self.label_zh} {self.label_en}"


@dataclass
class ListRow:
    """One delegate's line. ``cells`` maps column keys to values (datetimes aware UTC)."""

    number: int
    registration_id: int
    cells: dict[str, CellValue] = field(default_factory=dict)


@dataclass
class ListGroup:
    """Rows under one sub-heading; a list that is not grouped has one group labelled ''."""

    label: str
    rows: list[ListRow] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        """How many rows the group has."""
        return len(self.rows)


@dataclass
class ListTable:
    """A list ready to lay out."""

    event_title: str
    title: str
    columns: list[ListColumn]
    groups: list[ListGroup]
    language: ListLanguage
    orientation: Orientation
    #: Aware UTC; shown in ``timezone``.
    generated_at: datetime
    #: The event's zone (``Asia/Shanghai``): datetimes in cells and the footer use it.
    timezone: str
    #: A sign-in sheet (签到表): rows tall enough to sign in.
    is_signin_sheet: bool = False
    #: Whether the list is grouped (then sub-headings and subtotals are printed).
    grouped: bool = False

    @property
    def total(self) -> int:
        """All rows of all groups."""
        return sum(group.subtotal for group in self.groups)

    def rows(self) -> list[ListRow]:
        """Every row, group after group."""
        return [row for group in self.groups for row in group.rows]
