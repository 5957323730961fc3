"""Printable invitation letters: one A4 page per invitee, in both languages, with the QR
of the personal registration link, for invitees reached by post.

The invitee's language comes first (Chinese for ``zh_Hans`` and ``both``, English for
``en``); the other language follows on the same page, so a letter can always be read by
whoever opens it. Texts are gettext strings rendered under ``force_locale``; event
fields are the ``_zh``/``_en`` pairs, each falling back to the other when empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_interval, format_time, get_timezone_gmt
from flask_babel import force_locale, gettext
from fpdf import FPDF

from wadconf import pdf as pdfkit
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.i18n import bi
from wadconf.models import (
    AuditEntry,
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    StaffUser,
)
from wadconf.services import audit
from wadconf.services.invitations import filtered_invitations
from wadconf.urls import public_url

ZH, EN = "zh_Hans", "en"
# Page geometry (mm): A4 with 22 mm side margins. Each box below has a height cap; the
# caps of the header, both language blocks and the signature add up to 215 mm, above the
# registration panel, and auto page breaks are off: a letter never spills onto a second
# sheet. (Only text past the model's length limits could overflow a box at 5 pt.)
LEFT, WIDTH = 22.0, 166.0
ACCENT = (11, 79, 138)
GREY = (90, 90, 90)
PANEL = (240, 244, 249)
PANEL_TOP, PANEL_HEIGHT, QR_SIZE = 218.0, 52.0, 44.0
#: The organiser's name sits low, leaving room above it for the seal (公章) stamped on it.
SIGNATURE_TOP = 190.0
FOOTER_TOP = 278.0


@dataclass(frozen=True)
class LetterBlock:
    """The letter in one language."""

    event_name: str
    salutation: str
    organisation: str
    body: str
    title: str
    organiser: str
    themes: tuple[str, ...]
    register_heading: str
    register_hint: str
    footer: str
    issued: str


def letter_languages(invitation: Invitation) -> tuple[str, str]:
    """The two languages of ``invitation``'s letter, the invitee's own first."""
    return (EN, ZH) if invitation.locale == InvitationLocale.EN else (ZH, EN)


def invitations_for_letters(
    event: Event, *, ids: Sequence[int] | None = None, filters: dict[str, Any] | None = None
) -> list[Invitation]:
    """The invitations of ``event`` to print, in the invitation list's order; never revoked ones.

    ``filters`` are those of the list (``status``, ``q``, ``category_id``, see
    :func:`wadconf.services.invitations.filtered_invitations`); ``ids`` narrows further.
    """
    query = filtered_invitations(event, **(filters or {})).where(
        Invitation.state != InvitationState.REVOKED
    )
    if ids is not None:
        query = query.where(Invitation.id.in_(list(ids)))
    return list(db.session.scalars(query))


def _dates(event: Event, locale: str) -> str:
    """The event's day or days, written for ``locale``."""
    if event.starts_on == event.ends_on:
        return format_date(event.starts_on, "long", locale=locale)
    return format_interval(event.starts_on, event.ends_on, "yMMMd", locale=locale)


def _deadline(event: Event, locale: str) -> str:
    """When registration closes, in the event's zone, or ``""`` when it never does."""
    closes = event.registration_closes_at
    if closes is None:
        return ""
    local = closes.astimezone(event.zone)
    # The zone is spelled out: a foreign invitee must not read the time as their own.
    return (
        f"{format_date(local.date(), 'long', locale=locale)} "
        f"{format_time(local.time(), 'HH:mm', locale=locale)} "
        f"({get_timezone_gmt(local, 'long', locale=locale)})"
    )


def _body(invitation: Invitation, event: Event, event_name: str, locale: str) -> str:
    """The letter's paragraphs in ``locale`` (already inside ``force_locale``)."""
    if invitation.is_delegation:
        invite = gettext(
            "We have the honour to invite your delegation of %(seats)d to attend the %(event)s.",
            seats=invitation.seats,
            event=event_name,
        )
    else:
        invite = gettext(
            "We have the honour to invite you to attend the %(event)s.", event=event_name
        )
    venue = bi(event, "venue")
    when = _dates(event, locale)
    held = (
        gettext("It will be held on %(date)s in %(venue)s.", date=when, venue=venue)
        if venue
        else gettext("It will be held on %(date)s.", date=when)
    )
    deadline = _deadline(event, locale)
    register = (
        gettext(
            "Please register online by %(deadline)s with your personal link or the QR code below.",
            deadline=deadline,
        )
        if deadline
        else gettext("Please register online with your personal link or the QR code below.")
    )
    if invitation.is_delegation:
        register = _join(
            locale,
            register,
            gettext(
                "As the contact person of the delegation, you register each of its delegates"
                " through the same link."
            ),
        )
    return "\n".join(
        (_join(locale, invite, held), register, gettext("We look forward to welcoming you."))
    )


def _join(locale: str, *sentences: str) -> str:
    """``sentences`` as one paragraph."""
    # Chinese sentences follow each other without a space; English ones with one.
    return ("" if locale == ZH else " ").join(sentences)


def _one_line(text: str | None) -> str:
    """``text`` with runs of whitespace (newlines from an import) made single spaces."""
    return " ".join((text or "").split())


def letter_block(invitation: Invitation, event: Event, locale: str, issued_on: date) -> LetterBlock:
    """Every text of ``invitation``'s letter in ``locale`` (``zh_Hans`` or ``en``)."""
    with force_locale(locale):
        event_name = bi(event, "name")
        organisation = _one_line(invitation.organisation)
        name = _one_line(bi(invitation, "name")) or organisation
        themes = tuple(t for t in (bi(event, "intl_theme"), bi(event, "theme")) if t)
        return LetterBlock(
            event_name=event_name,
            salutation=gettext("Dear %(name)s,", name=name),
            organisation=organisation if name != organisation else "",
            body=_body(invitation, event, event_name, locale),
            title=gettext("Invitation"),
            organiser=bi(event, "organiser"),
            themes=themes,
            register_heading=gettext("Register online"),
            register_hint=gettext("Scan the QR code or type the address into a browser."),
            footer=gettext(
                "This letter and its registration link are for the invitee only;"
                " please do not pass them on."
            ),
            issued=format_date(issued_on, "long", locale=locale),
        )


def _header(pdf: FPDF, first: LetterBlock, second: LetterBlock) -> float:
    """Band, event name, themes, rule and title; returns the ``y`` below them."""
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, 210, 5, style="F")
    y = 14.0
    y += pdfkit.fit_text(
        pdf,
        first.event_name,
        x=LEFT,
        y=y,
        w=WIDTH,
        h=14,
        size=18,
        min_size=13,
        family=pdfkit.SERIF,
        align="C",
        color=ACCENT,
    ).height
    if second.event_name != first.event_name:
        y += pdfkit.fit_text(
            pdf,
            second.event_name,
            x=LEFT,
            y=y,
            w=WIDTH,
            h=9,
            size=12,
            min_size=9,
            family=pdfkit.SERIF,
            align="C",
            color=ACCENT,
        ).height
    y += 1.5
    for one, other in zip(first.themes, second.themes, strict=False):
        line = one if one == other else f"{one} · {other}"
        y += pdfkit.fit_text(
            pdf, line, x=LEFT, y=y, w=WIDTH, h=8, size=9, min_size=7.5, align="C", color=GREY
        ).height
    y += 2.5
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(LEFT, y, LEFT + WIDTH, y)
    y += 3.5
    title = first.title if first.title == second.title else f"{first.title}  {second.title}"
    y += pdfkit.fit_text(
        pdf, title, x=LEFT, y=y, w=WIDTH, h=10, size=17, min_size=12, family=pdfkit.SERIF, align="C"
    ).height
    return y + 3


def _block(pdf: FPDF, block: LetterBlock, y: float) -> float:
    """Salutation, organisation and body in one language, from ``y``; returns the next ``y``."""
    y += pdfkit.fit_text(
        pdf, block.salutation, x=LEFT, y=y, w=WIDTH, h=12, size=14, min_size=10, family=pdfkit.SERIF
    ).height
    if block.organisation:
        y += pdfkit.fit_text(
            pdf, block.organisation, x=LEFT, y=y, w=WIDTH, h=10, size=10, min_size=8, color=GREY
        ).height
    y += 1.5
    y += pdfkit.fit_text(
        pdf, block.body, x=LEFT + 6, y=y, w=WIDTH - 6, h=32, size=10.5, min_size=8, leading=1.45
    ).height
    return y + 4


def _signature(pdf: FPDF, first: LetterBlock, second: LetterBlock, y: float) -> float:
    """The organiser and the date, right-aligned, no higher than :data:`SIGNATURE_TOP`."""
    x, w = LEFT + WIDTH - 110, 110.0
    y = max(y + 1, SIGNATURE_TOP)
    if first.organiser:
        y += pdfkit.fit_text(
            pdf,
            first.organiser,
            x=x,
            y=y,
            w=w,
            h=9,
            size=11,
            min_size=8,
            family=pdfkit.SERIF,
            align="R",
        ).height
    if second.organiser and second.organiser != first.organiser:
        y += pdfkit.fit_text(
            pdf, second.organiser, x=x, y=y, w=w, h=7, size=9, min_size=7, align="R"
        ).height
    line = first.issued if first.issued == second.issued else f"{first.issued} · {second.issued}"
    return (
        y
        + pdfkit.fit_text(
            pdf, line, x=x, y=y, w=w, h=5, size=9, min_size=7, align="R", color=GREY
        ).height
    )


def _registration_panel(pdf: FPDF, first: LetterBlock, second: LetterBlock, url: str) -> None:
    """The QR code and the printed link, with how to use them, in both languages."""
    pdf.set_fill_color(*PANEL)
    pdf.rect(LEFT, PANEL_TOP, WIDTH, PANEL_HEIGHT, style="F")
    pdfkit.draw_qr(pdf, url, x=LEFT + 4, y=PANEL_TOP + 4, size=QR_SIZE)
    x = LEFT + QR_SIZE + 10
    w = LEFT + WIDTH - 4 - x
    y = PANEL_TOP + 6
    heading = (
        first.register_heading
        if first.register_heading == second.register_heading
        else f"{first.register_heading} · {second.register_heading}"
    )
    y += (
        pdfkit.fit_text(
            pdf, heading, x=x, y=y, w=w, h=8, size=13, min_size=9, family=pdfkit.SERIF, color=ACCENT
        ).height
        + 2
    )
    # The address is printed in full so it can be typed; it wraps rather than shrinks away.
    y += pdfkit.fit_text(pdf, url, x=x, y=y, w=w, h=12, size=10, min_size=8).height + 3
    for hint in dict.fromkeys((first.register_hint, second.register_hint)):
        y += (
            pdfkit.fit_text(pdf, hint, x=x, y=y, w=w, h=9, size=9, min_size=7, color=GREY).height
            + 1
        )


def _footer(pdf: FPDF, first: LetterBlock, second: LetterBlock) -> None:
    """The note that the letter and its link are personal."""
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    pdf.line(LEFT, FOOTER_TOP, LEFT + WIDTH, FOOTER_TOP)
    y = FOOTER_TOP + 2
    for text in dict.fromkeys((first.footer, second.footer)):
        y += pdfkit.fit_text(
            pdf, text, x=LEFT, y=y, w=WIDTH, h=7, size=7.5, min_size=6, align="C", color=GREY
        ).height


def draw_letter(pdf: FPDF, invitation: Invitation, event: Event, *, issued_on: date) -> None:
    """Add one page: ``invitation``'s letter."""
    first_locale, second_locale = letter_languages(invitation)
    first = letter_block(invitation, event, first_locale, issued_on)
    second = letter_block(invitation, event, second_locale, issued_on)
    url = public_url("registration.invitation", token=invitation.token)
    pdf.add_page()
    pdf.set_text_color(0, 0, 0)
    y = _header(pdf, first, second)
    y = _block(pdf, first, y)
    y = _block(pdf, second, y)
    _signature(pdf, first, second, y)
    _registration_panel(pdf, first, second, url)
    _footer(pdf, first, second)


def render_letters(
    event: Event, invitations: Sequence[Invitation], *, issued_on: date | None = None
) -> bytes:
    """A PDF with one letter per invitation, in the order given."""
    if issued_on is None:
        issued_on = utcnow().astimezone(event.zone).date()
    document = pdfkit.new_document(
        title=f"{event.name_zh or event.name_en} · {event.name_en or event.name_zh}",
        author=event.organiser_en or event.organiser_zh,
    )
    for invitation in invitations:
        draw_letter(document, invitation, event, issued_on=issued_on)
    return pdfkit.to_bytes(document)


def record_printing(
    event: Event, invitation_ids: Sequence[int], *, by: StaffUser | None = None
) -> AuditEntry:
    """Audit that letters were printed for ``invitation_ids`` (flushed, not committed)."""
    return audit.record(
        "invitation.letters_print",
        obj=event,
        actor=by,
        event_id=event.id,
        details={"count": len(invitation_ids), "invitation_ids": list(invitation_ids)},
    )


def letters_filename(event: Event, when: datetime | None = None) -> str:
    """A download name such as ``invitation-letters-wad2024-20240520-1430.pdf``."""
    local = (when or utcnow()).astimezone(event.zone)
    return f"invitation-letters-{event.slug}-{local:%Y%m%d-%H%M}.pdf"
