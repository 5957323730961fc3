"""Print-ready badges as PDF: A6 portrait, four A6 on an A4 sheet with cut marks, CR80 cards.

Everything is vector: text is text in the embedded (subset) CJK font, so Chinese prints on a
machine without fonts, and the QR code is one filled path (:func:`wadconf.pdf.draw_qr`).
Texts are set with :func:`wadconf.pdf.layout_text`: shrunk, then wrapped; a text that still
does not fit takes room from the texts around it rather than being cut. Names are drawn as
typed ("<script>" prints as those characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from wadconf import pdf as pdfkit
from wadconf.models import Event, Registration
from wadconf.services.badge_layouts import LAYOUTS, BadgeFace, PageLayout, badge_face

GREY = (90, 90, 90)
INK = (15, 15, 15)


@dataclass(frozen=True)
class _Item:
    """One text of a stack: start size, smallest single-line size, height it may take (mm)."""

    text: str
    size: float
    min_size: float
    cap: float
    colour: tuple[int, int, int] = INK


def _stack(
    pdf: FPDF,
    items: Sequence[_Item],
    *,
    x: float,
    y: float,
    w: float,
    h: float,
    align: str = "C",
    gap: float = 0.8,
    centre: bool = True,
) -> float:
    """Draw ``items`` one below the other in the ``w`` x ``h`` box; returns the ``y`` below.

    Each text first gets its own ``cap`` (scaled down if the caps exceed the box). A text
    that cannot fit its cap even at the smallest size keeps the height it needs, and the
    others shrink into what is left: nothing is cut, and the box is left only when the
    texts could not fit it at the smallest size together.
    """
    items = [item for item in items if item.text]
    if not items:
        return y
    room = h - gap * (len(items) - 1)
    total_cap = sum(item.cap for item in items)
    caps = [item.cap * min(1.0, room / total_cap) for item in items]

    def lay(k: int):
        item = items[k]
        return pdfkit.layout_text(
            pdf, item.text, w=w, h=caps[k], size=item.size, min_size=min(item.min_size, item.size)
        )

    fitted = [lay(k) for k in range(len(items))]
    for _ in range(3):
        if sum(f.height for f in fitted) <= room + 1e-6:
            break
        over = [k for k, f in enumerate(fitted) if f.height > caps[k] + 1e-6]
        spare = [k for k in range(len(items)) if k not in over]
        if not over or not spare:
            break
        need = sum(fitted[k].height - caps[k] for k in over)
        spare_caps = sum(caps[k] for k in spare)
        factor = max(0.15, (spare_caps - need) / spare_caps)
        for k in over:
            caps[k] = fitted[k].height
        for k in spare:
            caps[k] *= factor
            fitted[k] = lay(k)
    used = sum(f.height for f in fitted) + gap * (len(items) - 1)
    if centre and used < h:
        y += (h - used) / 2
    for item, f in zip(items, fitted, strict=True):
        pdf.set_text_color(*item.colour)
        y = pdfkit.draw_lines(pdf, f, x=x, y=y, w=w, align=align) + gap
    return y - gap


def _band(pdf: FPDF, face: BadgeFace, *, x: float, y: float, w: float, h: float, size: float):
    """The category's colour band with its label."""
    pdf.set_fill_color(*face.colour)
    pdf.rect(x, y, w, h, style="F")
    if face.category:
        _stack(
            pdf,
            [_Item(face.category, size, size * 0.7, h - 2, face.on_colour)],
            x=x + 4,
            y=y + 1,
            w=w - 8,
            h=h - 2,
        )


def _code_line(pdf: FPDF, code: str, *, x: float, y: float, w: float) -> None:
    """The badge code in small print under the QR code (typed in when a camera fails)."""
    pdf.set_text_color(*GREY)
    fitted = pdfkit.layout_text(pdf, code, w=w, h=3, size=6, min_size=5)
    pdfkit.draw_lines(pdf, fitted, x=x, y=y, w=w, align="C")


def draw_a6(pdf: FPDF, face: BadgeFace, *, x: float, y: float, h: float = 148.0) -> None:
    """One A6 portrait badge (105 mm wide) with its top-left corner at (``x``, ``y``)."""
    w, margin = 105.0, 6.0
    _band(pdf, face, x=x, y=y, w=w, h=18, size=20)
    # A thin band at the foot too: the colour shows when the badge hangs turned round.
    pdf.set_fill_color(*face.colour)
    pdf.rect(x, y + h - 4, w, 4, style="F")
    inner = w - 2 * margin
    _stack(
        pdf,
        [
            _Item(face.event_name, 11, 8, 8, GREY),
            _Item(face.event_name_other, 8.5, 7, 5.5, GREY),
            _Item(face.dates, 8.5, 7, 4.5, GREY),
        ],
        x=x + margin,
        y=y + 20.5,
        w=inner,
        h=17,
        centre=False,
    )
    _stack(
        pdf,
        [
            _Item(face.name, 28, 18, 22),
            _Item(face.name_other, 15, 11, 11),
            _Item(face.organisation, 11.5, 9, 13),
            _Item(face.country, 9.5, 8, 5, GREY),
        ],
        x=x + margin,
        y=y + 39,
        w=inner,
        h=53,
    )
    qr = 42.0
    pdfkit.draw_qr(pdf, face.code, x=x + (w - qr) / 2, y=y + h - 4 - 3.5 - qr - 2, size=qr)
    _code_line(pdf, face.code, x=x + margin, y=y + h - 4 - 5, w=inner)


def draw_cr80(pdf: FPDF, face: BadgeFace, *, x: float = 0, y: float = 0) -> None:
    """One CR80 card (86 x 54 mm, landscape) with its top-left corner at (``x``, ``y``)."""
    w, margin = 86.0, 3.5
    _band(pdf, face, x=x, y=y, w=w, h=8.5, size=11)
    qr = 27.0
    qr_x = x + w - margin - qr + 1.5  # the quiet zone may reach into the margin
    pdfkit.draw_qr(pdf, face.code, x=qr_x, y=y + 9.5, size=qr)
    column = qr_x - x - margin
    _stack(
        pdf,
        [
            _Item(face.name, 15, 10, 12),
            _Item(face.name_other, 9, 7, 7),
            _Item(face.organisation, 7, 6, 8.5),
            _Item(face.country, 6.5, 5.5, 3.2, GREY),
        ],
        x=x + margin,
        y=y + 10,
        w=column,
        h=33.5,
        align="L",
        gap=0.6,
    )
    pdf.set_draw_color(*face.colour)
    pdf.set_line_width(0.3)
    pdf.line(x + margin, y + 44.5, x + w - margin, y + 44.5)
    event_line = " · ".join(t for t in (face.event_name, face.dates) if t)
    _stack(
        pdf,
        [_Item(event_line, 6.5, 5.5, 3.6, GREY), _Item(face.event_name_other, 5.5, 5, 3, GREY)],
        x=x + margin,
        y=y + 45.3,
        w=w - 2 * margin,
        h=7.4,
        gap=0.3,
    )


def cut_marks(pdf: FPDF, layout: PageLayout) -> None:
    """Marks where the sheet is cut: at the page edges on each cut line, a cross in between."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.15)
    length = 5.0
    xs = sorted({sx for sx, _ in layout.slots if sx > 0})
    ys = sorted({sy for _, sy in layout.slots if sy > 0})
    for cx in xs:
        pdf.line(cx, 0, cx, length)
        pdf.line(cx, layout.page_h - length, cx, layout.page_h)
    for cy in ys:
        pdf.line(0, cy, length, cy)
        pdf.line(layout.page_w - length, cy, layout.page_w, cy)
    for cx in xs:
        for cy in ys:
            pdf.line(cx - length / 2, cy, cx + length / 2, cy)
            pdf.line(cx, cy - length / 2, cx, cy + length / 2)


#: Shared with the list PDFs; kept under its old name for this module's callers.
_remember_widths = pdfkit.remember_widths


def render_faces(faces: Sequence[BadgeFace], *, layout: str, title: str, author: str = "") -> bytes:
    """A PDF of ``faces`` in ``layout`` (``a6``, ``a4x4`` or ``cr80``), in the order given."""
    page = LAYOUTS[layout]
    pdf = pdfkit.new_document(title=title, author=author)
    _remember_widths(pdf)
    per_page = len(page.slots)
    for start in range(0, len(faces), per_page):
        pdf.add_page(format=(page.page_w, page.page_h))
        for face, (sx, sy) in zip(faces[start : start + per_page], page.slots, strict=False):
            if page.key == "cr80":
                draw_cr80(pdf, face, x=sx, y=sy)
            else:
                draw_a6(pdf, face, x=sx, y=sy, h=page.badge_h)
        if page.cut_marks:
            cut_marks(pdf, page)
    return pdfkit.to_bytes(pdf)


def badge_pdf(
    registrations: Sequence[Registration], *, layout: str = "a6", event: Event | None = None
) -> bytes:
    """Print-ready badges of ``registrations`` in ``layout``, one badge each, in the order given."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown badge layout {layout!r}")
    event = event or (registrations[0].event if registrations else None)
    faces = [badge_face(registration, event) for registration in registrations]
    title = "Badges"
    author = ""
    if event is not None:
        title = f"{event.name_zh or event.name_en} · {event.name_en or event.name_zh}"
        author = event.organiser_en or event.organiser_zh
    return render_faces(faces, layout=layout, title=title, author=author)
