"""The phone e-badge: a PNG shown on the manage page and attached to the confirmation e-mail.

Portrait, 600 x 1060 px: the category's colour band, the event, the name (the delegate's
language first and largest), organisation, country or region, and a large QR code of the
badge code at the bottom, sized for a gate phone's camera (13 px per module for the usual
version 2 symbol). Text is drawn with the CJK font of :mod:`wadconf.fonts`, so Chinese
renders without OS fonts; it shrinks, then wraps, to fit its box and is never cut.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from wadconf.fonts import cjk_font_path
from wadconf.models import Event, Registration
from wadconf.services.badge_layouts import BadgeFace, badge_face
from wadconf.services.qr import qr_matrix

WIDTH, HEIGHT = 600, 1060
MARGIN = 36
BAND_HEIGHT = 104
#: The QR code with its quiet zone: a square of at most this side, centred at the bottom.
QR_SIDE = 430
QR_TOP = HEIGHT - QR_SIDE - 40
#: Text never gets smaller than this to fit; past it, it wraps onto more lines.
FLOOR_PX = 14

# The badge is drawn in greyscale ("L") and saved as a palette PNG: one byte per pixel,
# which draws and deflates about three times faster than RGB and gives a smaller file.
# Two ramps share the 256 entries: 0..127 run from the category colour to its text colour
# (the band), 128..255 from black to white (everything else), so anti-aliased text blends
# correctly on both.
BAND, BAND_TEXT = 0, 127
BLACK, WHITE = 128, 255


def _grey(level: int) -> int:
    """The palette index of grey ``level`` (0 black .. 255 white)."""
    return BLACK + round(level * (WHITE - BLACK) / 255)


INK, GREY = _grey(20), _grey(95)


def _palette(colour: tuple[int, int, int], on_colour: tuple[int, int, int]) -> list[int]:
    """The 256-entry RGB palette: the band's ramp, then the grey ramp."""
    palette: list[int] = []
    for i in range(128):
        palette.extend(round(c + (o - c) * i / 127) for c, o in zip(colour, on_colour, strict=True))
    for i in range(128):
        palette.extend([round(255 * i / 127)] * 3)
    return palette


@functools.cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Loading the 8 MB OTF costs ~10 ms: once per size per process. The basic layout engine
    # (no shaping) is enough for Chinese and Latin and several times faster than raqm.
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


class _Measure:
    """Text widths at one font size, summed from cached per-character advances.

    The basic layout adds glyph advances (no GPOS kerning), so the sum equals the width
    Pillow reports; trying a dozen sizes on a long organisation name then costs microseconds.
    """

    _cache: dict[tuple[str, int], dict[str, float]] = {}

    def __init__(self, path: str, size: int) -> None:
        self.font = _font(path, size)
        self.known = self._cache.setdefault((path, size), {})

    def __call__(self, text: str) -> float:
        known, total = self.known, 0.0
        for ch in text:
            width = known.get(ch)
            if width is None:
                width = known[ch] = self.font.getlength(ch)
            total += width
        return total


@dataclass(frozen=True)
class _Fitted:
    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    line_height: int
    widths: tuple[float, ...]

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _pieces(text: str) -> list[str]:
    """Unbreakable pieces: words with their trailing space, and single Chinese characters."""
    pieces: list[str] = []
    word = ""
    for ch in text:
        if ch == " ":
            pieces.append(word + " ")
            word = ""
        elif _is_cjk(ch):
            if word:
                pieces.append(word)
            pieces.append(ch)
            word = ""
        else:
            word += ch
    if word:
        pieces.append(word)
    return pieces


def _wrap(pieces: list[str], width: Callable[[str], float], w: int) -> list[str]:
    """Greedy lines no wider than ``w``; nothing is dropped."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if not line or width((line + piece).rstrip()) <= w:
            line += piece
            continue
        lines.append(line.rstrip())
        line = piece
        # A word wider than the line is cut where it fills it.
        while width(line.rstrip()) > w and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and width(line[:cut]) > w:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(text: str, *, w: int, h: int, size: int, min_size: int) -> _Fitted:
    """One line shrunk from ``size`` to ``min_size``; else wrapped at the largest size that fits.

    If no size from ``size`` down to :data:`FLOOR_PX` fits ``h``, the floor size is used and
    the lines run past ``h`` (the layout below moves down) rather than being cut.
    """
    path = str(cjk_font_path())
    for s in range(size, min_size - 1, -2):
        measure = _Measure(path, s)
        width = measure(text)
        if width <= w and int(s * 1.3) <= h:
            return _Fitted(measure.font, (text,), int(s * 1.3), (width,))
    pieces = _pieces(text)
    s = size
    for s in range(size, FLOOR_PX - 1, -2):
        measure = _Measure(path, s)
        lines = _wrap(pieces, measure, w)
        if len(lines) * int(s * 1.25) <= h:
            break
    return _Fitted(measure.font, tuple(lines), int(s * 1.25), tuple(map(measure, lines)))


def _draw(draw: ImageDraw.ImageDraw, fitted: _Fitted, y: int, fill: int) -> int:
    """Draw ``fitted`` centred from ``y``; returns the ``y`` below it."""
    for line, width in zip(fitted.lines, fitted.widths, strict=True):
        draw.text(((WIDTH - width) / 2, y), line, font=fitted.font, fill=fill)
        y += fitted.line_height
    return y


def _qr_image(code: str, side: int) -> Image.Image:
    """The QR code of ``code`` with its 4-module quiet zone, at a whole number of px per module."""
    matrix = qr_matrix(code)
    count = len(matrix) + 8
    module = max(side // count, 1)
    small = Image.new("L", (count, count), WHITE)
    small.putdata(
        [
            BLACK if 4 <= r < count - 4 and 4 <= c < count - 4 and matrix[r - 4][c - 4] else WHITE
            for r in range(count)
            for c in range(count)
        ]
    )
    return small.resize((count * module, count * module), Image.Resampling.NEAREST)


def render_png(face: BadgeFace) -> bytes:
    """The e-badge of ``face`` as PNG bytes."""
    image = Image.new("L", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, BAND_HEIGHT), fill=BAND)
    if face.category:
        fitted = _fit(face.category, w=inner, h=BAND_HEIGHT - 24, size=40, min_size=26)
        _draw(draw, fitted, (BAND_HEIGHT - fitted.height) // 2, BAND_TEXT)
    y = BAND_HEIGHT + 14
    for text, size, h in ((face.event_name, 24, 52), (face.event_name_other, 18, 36)):
        if text:
            y = _draw(draw, _fit(text, w=inner, h=h, size=size, min_size=16), y, GREY)
    if face.dates:
        y = _draw(draw, _fit(face.dates, w=inner, h=26, size=20, min_size=16), y, GREY)
    y += 10
    # Each text keeps a box of its own above the QR code; the block is centred in the room
    # left, so a short name does not leave a gap above the code.
    person = [
        (_fit(text, w=inner, h=h, size=size, min_size=min_size), fill)
        for text, size, min_size, h, fill in (
            (face.name, 60, 40, 120, INK),
            (face.name_other, 34, 24, 70, INK),
            (face.organisation, 28, 20, 76, INK),
            (face.country, 24, 18, 30, GREY),
        )
        if text
    ]
    used = sum(fitted.height + 6 for fitted, _fill in person)
    y += max(0, (QR_TOP - 4 - y - used) // 2)
    for fitted, fill in person:
        y = _draw(draw, fitted, y, fill) + 6
    qr = _qr_image(face.code, QR_SIDE)
    image.paste(qr, ((WIDTH - qr.width) // 2, QR_TOP))
    code = _fit(face.code, w=inner, h=24, size=16, min_size=12)
    _draw(draw, code, HEIGHT - 32, GREY)
    image.putpalette(_palette(face.colour, face.on_colour))
    buffer = io.BytesIO()
    # Level 1 deflate: a third of the default's time for a file ~15 % larger.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def badge_png(registration: Registration, *, event: Event | None = None) -> bytes:
    """The phone e-badge of ``registration`` (PNG bytes): QR of its badge code and its details."""
    if not registration.badge_code:
        raise ValueError("registration has no badge code")
    return render_png(badge_face(registration, event))
