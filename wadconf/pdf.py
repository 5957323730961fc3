"""PDF building blocks for printed matter: letters now, badges, lists and sign-in sheets later.

fpdf2 is pure Python, so printing works on any machine the app installs on (WeasyPrint
would need OS libraries). Chinese comes from the CJK fonts of :mod:`wadconf.fonts`
(OTF with CFF outlines, which fpdf2 reads and subsets; ReportLab refuses them).

Coordinates are millimetres from the top-left corner of the page; font sizes are points.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.drawing import PaintedPath, PathPaintRule

from wadconf.fonts import cjk_font_path, cjk_serif_font_path
from wadconf.services.qr import qr_matrix

#: Family names registered by :func:`new_document`.
SANS = "cjk-sans"
SERIF = "cjk-serif"
#: Millimetres per typographic point.
MM_PER_PT = 25.4 / 72
#: Text is never made smaller than this to fit a box; past it, it overflows the box instead
#: of being cut (still legible on paper at 5 pt, barely).
FLOOR_PT = 5.0
_STEP_PT = 0.5


def new_document(*, title: str, author: str = "", lang: str = "zh-CN") -> FPDF:
    """An A4 portrait document with :data:`SANS` and :data:`SERIF` registered, no page breaks.

    Callers place everything themselves and call ``add_page()`` once per page, so an
    automatic page break (which would split one letter over two sheets) is switched off.
    """
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(SANS, "", str(cjk_font_path()))
    pdf.add_font(SERIF, "", str(cjk_serif_font_path()))
    pdf.set_auto_page_break(False)
    # Cells get no inner padding: boxes measured by fit_text are the boxes drawn.
    pdf.c_margin = 0
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("wadconf")
    pdf.set_lang(lang)
    pdf.set_font(SANS, size=11)
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    """The finished document as bytes (fonts subset to the glyphs used)."""
    return bytes(pdf.output())


def clean(text: str | None) -> str:
    """``text`` without control characters (a stray tab or NUL from an import), newlines kept."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A tab between two words still separates them; other control characters go.
    text = text.replace("\t", " ").replace("\v", " ").replace("\f", " ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


@dataclass(frozen=True)
class Fitted:
    """How :func:`fit_text` set a text: the size chosen and the lines it was broken into."""

    size: float
    lines: tuple[str, ...]
    line_height: float

    @property
    def height(self) -> float:
        """Height used on the page, in mm."""
        return self.line_height * len(self.lines)

    @property
    def wrapped(self) -> bool:
        """Whether the text needed more than one line."""
        return len(self.lines) > 1


def line_height(size: float, leading: float = 1.3) -> float:
    """Height in mm of one line of ``size`` points."""
    return size * MM_PER_PT * leading


def _sizes(start: float, stop: float) -> Iterator[float]:
    """Font sizes from ``start`` down to ``stop`` in half points."""
    size = start
    while size >= stop - 1e-9:
        yield round(size, 2)
        size -= _STEP_PT


# Chinese may break between any two characters, but not before a closing mark
# (，。：） ...) nor after an opening one (（《“ ...); Latin text breaks at spaces.
_NO_LINE_START = set("，。、：；！？）》」』】〕〉’”…·,.;:!?)]}%")
_NO_LINE_END = set("（《「『【〔〈‘“([{")


def _is_cjk(ch: str) -> bool:
    """Whether ``ch`` is a CJK ideograph, kana, hangul or full-width form (breakable anywhere)."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0xAC00 <= code <= 0xD7AF
        or 0x20000 <= code <= 0x3FFFF
    )


def _tokens(paragraph: str) -> list[tuple[bool, str]]:
    """(preceded by a space, text) for each unbreakable piece of ``paragraph``."""
    tokens: list[tuple[bool, str]] = []
    word, space = "", False

    def push(text: str) -> None:
        """Add a piece, gluing closing marks to the piece before and opening marks to the next."""
        nonlocal space
        if tokens and (text[0] in _NO_LINE_START or tokens[-1][1][-1] in _NO_LINE_END):
            glued_space, previous = tokens.pop()
            tokens.append((glued_space, previous + (" " if space else "") + text))
        else:
            tokens.append((space, text))
        space = False

    for ch in paragraph:
        if ch.isspace():
            if word:
                push(word)
                word = ""
            space = True
        elif _is_cjk(ch):
            if word:
                push(word)
                word = ""
            push(ch)
        else:
            word += ch
    if word:
        push(word)
    return tokens


def _split(pdf: FPDF, text: str, w: float) -> list[str]:
    """Break ``text`` into lines no wider than ``w`` at the current font; nothing is dropped.

    fpdf2's own wrapping breaks only at spaces, which leaves a Chinese sentence with one
    embedded space ("2024年5月31日 23:59") broken at that space, half a line short.
    """
    # fpdf2 measures a string glyph by glyph through several layers; widths add up (no
    # kerning without text shaping), so each distinct character is measured once.
    known: dict[str, float] = {}

    def width(piece: str) -> float:
        """Width of ``piece`` in mm at the current font."""
        total = 0.0
        for ch in piece:
            if ch not in known:
                known[ch] = pdf.get_string_width(ch)
            total += known[ch]
        return total

    space_width = width(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for spaced, piece in _tokens(paragraph):
            piece_width = width(piece)
            gap = space_width if spaced and line else 0.0
            if line and used + gap + piece_width <= w:
                line, used = line + (" " if gap else "") + piece, used + gap + piece_width
                continue
            if line:
                lines.append(line)
            line, used = piece, piece_width
            while used > w and len(line) > 1:
                # A piece longer than the line (a URL, a long word): cut it where it fills it.
                cut = max(1, _fitting_prefix(pdf, line, w))
                lines.append(line[:cut])
                line = line[cut:]
                used = width(line)
        lines.append(line)
    return lines


def _fitting_prefix(pdf: FPDF, text: str, w: float) -> int:
    """Length of the longest prefix of ``text`` no wider than ``w``."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle]) <= w:
            low = middle
        else:
            high = middle - 1
    return low


def layout_text(
    pdf: FPDF,
    text: str,
    *,
    w: float,
    h: float,
    size: float,
    min_size: float | None = None,
    family: str = SANS,
    leading: float = 1.3,
) -> Fitted:
    """Choose how ``text`` fits a ``w`` x ``h`` mm box, without drawing it.

    First on one line, shrinking from ``size`` down to ``min_size`` (default 70 % of
    ``size``); if it still does not fit, wrapped, at the largest size from ``size``
    down to :data:`FLOOR_PT` whose lines fit the height. If even that fails, the floor
    size is used and the text runs past the box rather than being cut.
    """
    text = clean(text)
    if not text:
        return Fitted(size, (), line_height(size, leading))
    min_size = size * 0.7 if min_size is None else min_size
    if "\n" not in text:
        for s in _sizes(size, min_size):
            pdf.set_font(family, size=s)
            if pdf.get_string_width(text) <= w and line_height(s, leading) <= h + 1e-6:
                return Fitted(s, (text,), line_height(s, leading))
    s = size
    for s in _sizes(size, FLOOR_PT):
        pdf.set_font(family, size=s)
        lh = line_height(s, leading)
        lines = _split(pdf, text, w)
        if len(lines) * lh <= h + 1e-6:
            return Fitted(s, tuple(lines), lh)
    return Fitted(s, tuple(lines), lh)


def draw_lines(
    pdf: FPDF, fitted: Fitted, *, x: float, y: float, w: float, family: str = SANS, align: str = "L"
) -> float:
    """Draw what :func:`layout_text` chose, top at ``y``; returns the ``y`` below it."""
    pdf.set_font(family, size=fitted.size)
    for number, text in enumerate(fitted.lines):
        pdf.set_xy(x, y + number * fitted.line_height)
        pdf.cell(w, fitted.line_height, text, align=align)
    return y + fitted.height


def fit_text(
    pdf: FPDF,
    text: str,
    *,
    x: float,
    y: float,
    w: float,
    h: float,
    size: float,
    min_size: float | None = None,
    family: str = SANS,
    align: str = "L",
    leading: float = 1.3,
    color: tuple[int, int, int] | None = None,
) -> Fitted:
    """Draw ``text`` in the box at (``x``, ``y``): shrunk, then wrapped, so nothing is cut.

    ``align`` is ``L``, ``C`` or ``R``. Text is drawn literally: markup in a name is
    printed as typed, never interpreted. Returns the :class:`Fitted` layout, whose
    ``height`` tells the caller where the next element can start.
    """
    fitted = layout_text(
        pdf, text, w=w, h=h, size=size, min_size=min_size, family=family, leading=leading
    )
    if color is not None:
        previous = pdf.text_color
        pdf.set_text_color(*color)
    draw_lines(pdf, fitted, x=x, y=y, w=w, family=family, align=align)
    if color is not None:
        pdf.text_color = previous
    return fitted


def draw_qr(
    pdf: FPDF, data: str, *, x: float, y: float, size: float, quiet_zone: bool = True
) -> float:
    """Draw ``data`` as a vector QR code in a ``size`` mm square; returns the module size in mm.

    With ``quiet_zone`` the square includes the 4-module white margin scanners need (painted
    white, so the code may sit on a tinted panel). The dark modules are one path filled
    once: separately filled squares leave hairline seams when a viewer anti-aliases them,
    which can break decoding of a printed or rasterised page.
    """
    matrix = qr_matrix(data)
    count = len(matrix)
    margin = 4 if quiet_zone else 0
    module = size / (count + 2 * margin)
    if quiet_zone:
        with pdf.local_context(fill_color=(255, 255, 255)):
            pdf.rect(x, y, size, size, style="F")
    left, top = x + margin * module, y + margin * module
    path = PaintedPath()
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    path.style.fill_color = "#000000"
    path.style.stroke_color = None
    for row_number, row in enumerate(matrix):
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            # One rectangle per horizontal run of dark modules keeps the path short.
            path.rectangle(
                left + start * module, top + row_number * module, (column - start) * module, module
            )
    # copy=False: the path is ours alone, and fpdf2's default deep copy of a path of a few
    # hundred rectangles cost more than everything else on a letter page.
    pdf.draw_path(path, copy=False)
    return module


def wrap(pdf: FPDF, text: str | None, w: float) -> list[str]:
    """``text`` (cleaned) broken into lines no wider than ``w`` mm at the current font.

    Chinese breaks between characters, Latin at spaces, an over-long word where it fills
    the line; nothing is dropped. An empty text is one empty line.
    """
    return _split(pdf, clean(text), w)


def remember_widths(pdf: FPDF) -> None:
    """Make ``pdf`` remember the text widths it measured (a batch measures the same again).

    Fitting a text tries sizes one by one and measures it, and wrapping measures each
    character; fpdf2 spends ~50 us a call on that. A batch of badges or a long list measures
    the same characters and strings thousands of times over: remembered per font, size and
    spacing, the widths stay exact and a batch costs far less CPU (measured in tests/perf).
    """
    measure = pdf.get_string_width
    known: dict[tuple, float] = {}

    def get_string_width(s: str, normalized: bool = False, markdown: bool = False) -> float:
        if normalized or markdown:
            return measure(s, normalized, markdown)
        key = (
            pdf.font_family,
            pdf.font_style,
            pdf.font_size_pt,
            pdf.font_stretching,
            pdf.char_spacing,
            s,
        )
        width = known.get(key)
        if width is None:
            width = known[key] = measure(s)
        return width

    pdf.get_string_width = get_string_width  # type: ignore[method-assign]
