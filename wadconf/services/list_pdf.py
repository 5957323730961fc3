"""A4 PDFs of lists and sign-in sheets (fpdf2, the embedded Noto Sans SC of :mod:`wadconf.pdf`).

Rows are laid out here, not with fpdf2's ``table()``: that builds a styled object per
cell and was several times slower on a 5,000-row list (tests/perf/bench_list_pdf.py).
Every page carries the event name and the list title, the column headers, "page N of
M" (fpdf2's ``{nb}`` alias, filled in when the document is finished) and the time the
list was generated in the event's zone. Cells wrap inside their column; a cell too long
for a whole page is cut with an ellipsis rather than running off the paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf.enums import TextMode

from wadconf import pdf as pdfkit
from wadconf.services.list_table import CellValue, ListColumn, ListLanguage, ListTable
from wadconf.services.privacy import mask_mobile

#: Page margins, mm.
MARGIN_X = 12.0
MARGIN_TOP = 10.0
MARGIN_BOTTOM = 12.0
#: Body text and header sizes, points.
BODY_PT = 9.0
SIGNIN_PT = 10.5
#: Inner padding of a cell, mm.
PAD_X = 1.2
PAD_Y = 1.2
#: Rows are never lower than this (mm): a sign-in sheet leaves room for a signature.
MIN_ROW_MM = 6.0
SIGNIN_ROW_MM = 12.0
#: The signature column added to a sign-in sheet that has none.
SIGNATURE = ListColumn("signature", "签名", "Signature", width=2.0)
#: Column keys whose cells are phone numbers (re-masked if an unmasked one slips through).
PHONE_KEYS = frozenset({"phone", "mobile"})
ELLIPSIS = "…"
#: A band (group heading, subtotal, total) has at most this many lines.
BAND_LINES = 2
#: Titles longer than this are cut (they are set smaller, then wrapped, to fit their box).
TITLE_CHARS = 200
#: Height of the page's titles at most (event name, list title), mm from the top.
TITLES_MM = MARGIN_TOP + 9 + 0.5 + 13 + 2

_PHONE = re.compile(r"\+?\d{7,}")
_HEADER_FILL = (226, 230, 236)
_GROUP_FILL = (242, 244, 247)
_GREY = (90, 90, 90)

# Fixed words of the printed page in the list's language (the list chooses its language,
# not the organiser's screen, so these are not catalogue strings).
_WORDS = {
    "page": {"zh": "第 {n} 页，共 {nb} 页", "en": "Page {n} of {nb}"},
    "generated": {"zh": "生成时间：{when}", "en": "Generated {when}"},
    "subtotal": {"zh": "小计：{n}", "en": "Subtotal: {n}"},
    "total": {"zh": "合计：{n}", "en": "Total: {n}"},
    "continued": {"zh": "{label}（续）", "en": "{label} (continued)"},
}


def words(key: str, language: ListLanguage, **params: object) -> str:
    """A fixed phrase of the page in ``language`` (both, Chinese first, when bilingual)."""
    forms = _WORDS[key]
    if language == "bilingual":
        return f"{forms['zh'].format(**params)} · {forms['en'].format(**params)}"
    return forms[language].format(**params)


def mask_phone_cell(value: str) -> str:
    """A phone cell as it may be printed: an unmasked number is masked (138****5678).

    Masking is the list builder's job; this is a guard so that a number that slipped
    through never reaches paper. Values with ``*`` or that are not phone-like pass as given.
    """
    compact = re.sub(r"[\s\-()]", "", value)
    if "*" in compact or not _PHONE.fullmatch(compact):
        return value
    return mask_mobile(compact)


def cell_text(value: CellValue, column: ListColumn, zone: ZoneInfo) -> str:
    """A cell as printed text: datetimes in the event's zone, nothing for ``None``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if column.key in PHONE_KEYS:
        text = mask_phone_cell(text)
    return text


def columns_of(table: ListTable) -> list[ListColumn]:
    """The printed columns: a sign-in sheet always has a signature column."""
    columns = list(table.columns)
    if table.is_signin_sheet and not any(c.key == "signature" for c in columns):
        columns.append(SIGNATURE)
    return columns


@dataclass(frozen=True)
class Page:
    """The geometry of one orientation of A4, mm."""

    w: float
    h: float

    @property
    def body_w(self) -> float:
        return self.w - 2 * MARGIN_X


def page_of(table: ListTable) -> Page:
    """A4 in the table's orientation."""
    return Page(297.0, 210.0) if table.orientation == "landscape" else Page(210.0, 297.0)


def column_widths(columns: list[ListColumn], body_w: float) -> list[float]:
    """Widths in mm: each column's share of ``body_w`` by its relative ``width``."""
    shares = [max(column.width, 0.1) for column in columns]
    total = sum(shares)
    return [body_w * share / total for share in shares]


_ALIGN = {"left": "L", "right": "R", "center": "C", "centre": "C"}


class _Layout:
    """Draws one list: pages, their header and footer, rows with manual page breaks."""

    def __init__(self, table: ListTable):
        self.table = table
        self.page = page_of(table)
        self.columns = columns_of(table)
        self.widths = column_widths(self.columns, self.page.body_w)
        self.zone = ZoneInfo(table.timezone)
        self.size = SIGNIN_PT if table.is_signin_sheet else BODY_PT
        self.line_h = pdfkit.line_height(self.size, 1.25)
        self.min_row = SIGNIN_ROW_MM if table.is_signin_sheet else MIN_ROW_MM
        self.pdf = pdfkit.new_document(title=f"{table.event_title} · {table.title}", lang="zh-CN")
        pdfkit.remember_widths(self.pdf)
        self.pdf.c_margin = 0
        self.generated = words(
            "generated",
            table.language,
            when=table.generated_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
            + f" ({table.timezone})",
        )
        self.bottom = self.page.h - MARGIN_BOTTOM
        self.y = 0.0
        #: The group whose rows are being drawn: its heading is repeated on a new page.
        self.group_label: str | None = None
        self.header_lines = [self._wrap(c.label(table.language), w) for c, w in self._cols()]
        self.header_h = self._height(self.header_lines)
        #: Rows (in lines) are cut to what fits a page under the titles, the column
        #: headers and one band (a group's heading, or the same "continued").
        room = self.bottom - TITLES_MM - self.header_h - self._band_max() - 2 * PAD_Y
        self.max_lines = max(1, int(room / self.line_h))

    def _band_max(self) -> float:
        return max(MIN_ROW_MM, BAND_LINES * self.line_h + 2 * PAD_Y)

    def _cols(self):
        return zip(self.columns, self.widths, strict=True)

    def _wrap(self, text: str, w: float) -> list[str]:
        self.pdf.set_font(pdfkit.SANS, size=self.size)
        return pdfkit.wrap(self.pdf, text, max(w - 2 * PAD_X, 1.0))

    def _height(self, cells: list[list[str]]) -> float:
        lines = max((len(lines) for lines in cells), default=1)
        return max(self.min_row, lines * self.line_h + 2 * PAD_Y)

    # Page furniture

    def new_page(self) -> None:
        pdf, table = self.pdf, self.table
        pdf.add_page(orientation="L" if table.orientation == "landscape" else "P")
        w = self.page.body_w
        pdf.set_text_color(*_GREY)
        fitted = pdfkit.fit_text(
            pdf,
            table.event_title[:TITLE_CHARS],
            x=MARGIN_X,
            y=MARGIN_TOP,
            w=w,
            h=9,
            size=10,
            min_size=7,
        )
        pdf.set_text_color(0, 0, 0)
        y = MARGIN_TOP + min(max(fitted.height, 4.5), 9) + 0.5
        with self._bold():
            fitted = pdfkit.fit_text(
                pdf, table.title[:TITLE_CHARS], x=MARGIN_X, y=y, w=w, h=13, size=14, min_size=9
            )
        y += min(max(fitted.height, 6), 13) + 2
        self._footer()
        self.y = y
        self._column_headers()
        if self.group_label is not None:
            text = words("continued", table.language, label=self.group_label)
            self._band(text, fill=_GROUP_FILL, bold=True)

    def _footer(self) -> None:
        pdf = self.pdf
        y = self.page.h - MARGIN_BOTTOM + 3
        pdf.set_draw_color(160, 160, 160)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN_X, y - 1, self.page.w - MARGIN_X, y - 1)
        pdf.set_text_color(*_GREY)
        half = self.page.body_w / 2
        pdfkit.fit_text(pdf, self.generated, x=MARGIN_X, y=y, w=half, h=5, size=8, min_size=6)
        pdf.set_font(pdfkit.SANS, size=8)
        pdf.set_xy(MARGIN_X + half, y)
        # {nb} is fpdf2's alias for the page count, replaced when the document is output.
        text = words("page", self.table.language, n=pdf.page_no(), nb="{nb}")
        pdf.cell(half, pdfkit.line_height(8), text, align="R")
        pdf.set_text_color(0, 0, 0)

    def _bold(self):
        """Faux bold (filled and stroked glyphs): the bundled font has no bold face."""
        return self.pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.12)

    def _column_headers(self) -> None:
        with self._bold():
            self._row(self.header_lines, self.header_h, fill=_HEADER_FILL, header=True)

    # Rows

    def _row(
        self,
        cells: list[list[str]],
        h: float,
        *,
        fill: tuple[int, int, int] | None = None,
        header: bool = False,
    ) -> None:
        pdf, y = self.pdf, self.y
        x = MARGIN_X
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        if fill:
            pdf.set_fill_color(*fill)
            pdf.rect(MARGIN_X, y, self.page.body_w, h, style="DF")
        else:
            pdf.rect(MARGIN_X, y, self.page.body_w, h)
        pdf.set_font(pdfkit.SANS, size=self.size)
        ascent = self.size * pdfkit.MM_PER_PT * 0.88
        for (column, w), lines in zip(self._cols(), cells, strict=True):
            if x > MARGIN_X:
                pdf.line(x, y, x, y + h)
            align = "C" if header else _ALIGN.get(column.align, "L")
            top = y + PAD_Y + (self.line_h - self.size * pdfkit.MM_PER_PT) / 2
            for number, line in enumerate(lines):
                if not line:
                    continue
                left = x + PAD_X
                if align != "L":
                    room = w - 2 * PAD_X - pdf.get_string_width(line)
                    left += room if align == "R" else room / 2
                pdf.text(left, top + number * self.line_h + ascent, line)
            x += w
        self.y = y + h

    def _band(self, text: str, *, fill: tuple[int, int, int] | None, bold: bool) -> None:
        """A full-width line: a group's sub-heading, its subtotal, the grand total."""
        pdf = self.pdf
        lines = self._band_lines(text)
        h = max(MIN_ROW_MM, len(lines) * self.line_h + 2 * PAD_Y)
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        if fill:
            pdf.set_fill_color(*fill)
        pdf.rect(MARGIN_X, self.y, self.page.body_w, h, style="DF" if fill else "D")
        pdf.set_font(pdfkit.SANS, size=self.size)
        ascent = self.size * pdfkit.MM_PER_PT * 0.88
        top = self.y + PAD_Y + (self.line_h - self.size * pdfkit.MM_PER_PT) / 2
        context = self._bold() if bold else pdf.local_context()
        with context:
            for number, line in enumerate(lines):
                pdf.text(MARGIN_X + PAD_X, top + number * self.line_h + ascent, line)
        self.y += h

    def _band_lines(self, text: str) -> list[str]:
        """A band's text in at most :data:`BAND_LINES` lines (cut with an ellipsis)."""
        lines = self._wrap(text, self.page.body_w)
        if len(lines) > BAND_LINES:
            lines = lines[:BAND_LINES]
            lines[-1] = self._with_ellipsis(lines[-1], self.page.body_w)
        return lines

    def _band_height(self, text: str) -> float:
        lines = self._band_lines(text)
        return max(MIN_ROW_MM, len(lines) * self.line_h + 2 * PAD_Y)

    def _room(self, h: float) -> None:
        """Start a new page unless ``h`` mm still fit above the footer."""
        if self.y + h > self.bottom + 1e-6:
            self.new_page()

    def _cells(self, row) -> list[list[str]]:
        cells = []
        for column, w in self._cols():
            if column.key in row.cells:
                value = row.cells[column.key]
            elif column.key == "number":
                value = row.number
            else:
                value = None
            lines = self._wrap(cell_text(value, column, self.zone), w)
            if len(lines) > self.max_lines:
                lines = lines[: self.max_lines]
                lines[-1] = self._with_ellipsis(lines[-1], w)
            cells.append(lines)
        return cells

    def _with_ellipsis(self, line: str, w: float) -> str:
        room = w - 2 * PAD_X - self.pdf.get_string_width(ELLIPSIS)
        while line and self.pdf.get_string_width(line) > room:
            line = line[:-1]
        return line + ELLIPSIS

    def draw(self) -> bytes:
        table = self.table
        language = table.language
        self.new_page()
        for group in table.groups:
            heading = table.grouped and bool(group.label or group.rows)
            rows = iter(group.rows)
            first = next(rows, None)
            if heading:
                label = group.label or "—"
                h = self._band_height(label)
                first_cells = self._cells(first) if first is not None else None
                first_h = self._height(first_cells) if first_cells else 0.0
                # A sub-heading is never left alone at the foot of a page.
                self._room(h + first_h)
                self._band(label, fill=_GROUP_FILL, bold=True)
                self.group_label = label
            if first is not None:
                for row in [first, *rows]:
                    cells = self._cells(row)
                    h = self._height(cells)
                    self._room(h)
                    self._row(cells, h)
            if table.grouped:
                text = words("subtotal", language, n=group.subtotal)
                self._room(self._band_height(text))
                self._band(text, fill=None, bold=False)
            self.group_label = None
        text = words("total", language, n=table.total)
        self._room(self._band_height(text))
        self._band(text, fill=_HEADER_FILL, bold=True)
        return pdfkit.to_bytes(self.pdf)


def list_pdf(table: ListTable) -> bytes:
    """The list as an A4 PDF (portrait or landscape, as the table says).

    Event name and list title on every page, headers repeated, "page N of M" and the
    time generated; a sign-in sheet gets rows tall enough to sign.
    """
    return _Layout(table).draw()
