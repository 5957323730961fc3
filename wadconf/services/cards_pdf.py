"""Table cards (folded tents) and seat cards: a delegate's name in both scripts and organisation.

Table cards are A4 landscape, one per sheet, folded along the middle: the lower half is
printed upright and the upper half upside-down, so once folded the name reads from
both sides of the table. Seat cards are an eighth of an A4 sheet (105 x 74.25 mm),
eight per page with cut marks. Names are fitted to their line: the longest shrink, and
past a floor they wrap (:func:`wadconf.pdf.fit_text` measures with ``get_string_width``).

Who gets a card: a session's people (chairs, speakers, guests, external people named on
it) and, for a signing ceremony, its signatories and witnesses; or one category; or
every confirmed delegate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF
from fpdf.enums import TextMode
from sqlalchemy import select

from wadconf import pdf as pdfkit
from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event, Registration, RegistrationStatus, StaffUser
from wadconf.models.schedule import Session
from wadconf.services import audit
from wadconf.services.badge_layouts import PageLayout
from wadconf.services.badge_pdf import cut_marks

CardKind = Literal["table", "seat"]
KINDS: tuple[CardKind, ...] = ("table", "seat")

#: A4 landscape folded in two.
TABLE_W, TABLE_H = 297.0, 210.0
#: Eight seat cards on an A4 portrait sheet, edge to edge, cut along the marks.
SEAT = PageLayout(
    "seat",
    210.0,
    297.0,
    105.0,
    74.25,
    tuple((x, y * 74.25) for y in range(4) for x in (0.0, 105.0)),
    cut_marks=True,
)


@dataclass(frozen=True)
class CardPerson:
    """What a card shows of one person."""

    name_zh: str = ""
    name_en: str = ""
    organisation_zh: str = ""
    organisation_en: str = ""

    @property
    def main_name(self) -> str:
        """The large line: the Chinese name, else the name in Latin letters."""
        return pdfkit.clean(self.name_zh) or pdfkit.clean(self.name_en)

    @property
    def second_name(self) -> str:
        """The line under it: the Latin name when the Chinese one leads."""
        return pdfkit.clean(self.name_en) if pdfkit.clean(self.name_zh) else ""

    @property
    def organisations(self) -> list[str]:
        """Organisation lines, Chinese first, without repeats."""
        lines: list[str] = []
        for text in (self.organisation_zh, self.organisation_en):
            text = pdfkit.clean(text)
            if text and text not in lines:
                lines.append(text)
        return lines

    @property
    def is_empty(self) -> bool:
        return not self.main_name


def _has_cjk(text: str) -> bool:
    return any(pdfkit._is_cjk(ch) for ch in text)


def person_of(
    registration: Registration, *, organisation: tuple[str, str] | None = None
) -> CardPerson:
    """A registered delegate's card; ``organisation`` (zh, en) overrides their own."""
    if organisation is None:
        own = registration.organisation or ""
        organisation = (own, "") if _has_cjk(own) else ("", own)
    return CardPerson(registration.name_zh, registration.name_en, *organisation)


def _add(people: list[CardPerson], seen: set, key, person: CardPerson) -> None:
    if person.is_empty or key in seen:
        return
    seen.add(key)
    people.append(person)


def session_card_people(session: Session) -> list[CardPerson]:
    """The session's people in their order, then its signatories and witnesses (each once).

    A person named on the session without a registration (an external guest) gets a card
    from the names typed on the session. A registered person appears once even when they
    both speak and sign.
    """
    people: list[CardPerson] = []
    seen: set = set()
    for item in session.people:
        registration = item.registration
        if registration is not None and not registration.is_erased:
            organisation = None
            if item.organisation_zh or item.organisation_en:
                organisation = (item.organisation_zh, item.organisation_en)
            person = person_of(registration, organisation=organisation)
            if item.name_zh or item.name_en:
                person = CardPerson(
                    item.name_zh or registration.name_zh,
                    item.name_en or registration.name_en,
                    person.organisation_zh,
                    person.organisation_en,
                )
            _add(people, seen, ("r", registration.id), person)
        elif registration is None:
            person = CardPerson(
                item.name_zh, item.name_en, item.organisation_zh, item.organisation_en
            )
            _add(people, seen, ("n", person.name_zh, person.name_en), person)
    for agreement in session.agreements:
        for party in agreement.parties:
            for signatory in party.signatories:
                registration = signatory.registration
                if registration is None or registration.is_erased:
                    continue
                person = person_of(registration, organisation=(party.name_zh, party.name_en))
                _add(people, seen, ("r", registration.id), person)
        for witness in agreement.witnesses:
            registration = witness.registration
            if registration is not None:
                if not registration.is_erased:
                    _add(people, seen, ("r", registration.id), person_of(registration))
                continue
            person = CardPerson(
                witness.name_zh, witness.name_en, witness.organisation_zh, witness.organisation_en
            )
            _add(people, seen, ("n", person.name_zh, person.name_en), person)
    return people


def _confirmed(event: Event, category: DelegateCategory | None = None) -> list[CardPerson]:
    query = select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.personal_data_erased_at.is_(None),
    )
    if category is not None:
        query = query.where(Registration.category_id == category.id)
    query = query.order_by(Registration.organisation, Registration.name_en, Registration.id)
    people: list[CardPerson] = []
    seen: set = set()
    for registration in db.session.scalars(query):
        _add(people, seen, registration.id, person_of(registration))
    return people


def category_card_people(event: Event, category: DelegateCategory) -> list[CardPerson]:
    """Confirmed delegates of ``category``, by organisation then name."""
    return _confirmed(event, category)


def confirmed_card_people(event: Event) -> list[CardPerson]:
    """Every confirmed delegate, by organisation then name."""
    return _confirmed(event)


# Drawing


@dataclass(frozen=True)
class _Lines:
    """Where a card's lines go in its box: heights (mm) and the largest sizes (pt)."""

    main_h: float
    main_pt: float
    second_h: float
    second_pt: float
    org_h: float
    org_pt: float
    gap: float


_TABLE_LINES = _Lines(main_h=34, main_pt=80, second_h=15, second_pt=34, org_h=22, org_pt=18, gap=3)
_SEAT_LINES = _Lines(main_h=17, main_pt=36, second_h=9, second_pt=16, org_h=13, org_pt=10, gap=1.5)


def _bold(pdf: FPDF, size: float):
    """Faux bold (the bundled font has no bold face): glyphs filled and stroked."""
    return pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.012)


def _draw_person(
    pdf: FPDF, person: CardPerson, lines: _Lines, *, x: float, y: float, w: float, h: float
) -> None:
    """``person``'s lines centred in the box (``x``, ``y``, ``w``, ``h``)."""
    second = person.second_name
    organisations = "\n".join(person.organisations)
    # When only a Latin name is known it takes the large line (at a smaller start size).
    main_pt = lines.main_pt if _has_cjk(person.main_name) else lines.main_pt * 0.7
    main = pdfkit.layout_text(
        pdf, person.main_name, w=w, h=lines.main_h, size=main_pt, min_size=main_pt * 0.45
    )
    used = main.height
    sub = None
    if second:
        sub = pdfkit.layout_text(
            pdf, second, w=w, h=lines.second_h, size=lines.second_pt, min_size=lines.second_pt * 0.4
        )
        used += lines.gap + sub.height
    org = None
    if organisations:
        org = pdfkit.layout_text(
            pdf, organisations, w=w, h=lines.org_h, size=lines.org_pt, min_size=lines.org_pt * 0.6
        )
        used += lines.gap * 2 + org.height
    top = y + max(0.0, (h - used) / 2)
    with _bold(pdf, main.size):
        top = pdfkit.draw_lines(pdf, main, x=x, y=top, w=w, align="C")
    if sub is not None:
        top = pdfkit.draw_lines(pdf, sub, x=x, y=top + lines.gap, w=w, align="C")
    if org is not None:
        pdf.set_text_color(60, 60, 60)
        pdfkit.draw_lines(pdf, org, x=x, y=top + lines.gap * 2, w=w, align="C")
        pdf.set_text_color(0, 0, 0)


def _document(title: str) -> FPDF:
    pdf = pdfkit.new_document(title=title)
    pdfkit.remember_widths(pdf)
    return pdf


def table_cards_pdf(people: Sequence[CardPerson], *, title: str = "Table cards") -> bytes:
    """One folded tent card per person on A4 landscape; the upper half printed upside-down."""
    pdf = _document(title)
    half = TABLE_H / 2
    margin_x, margin_y = 15.0, 10.0
    for person in people:
        pdf.add_page(orientation="L")
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(0, half, TABLE_W, half)  # the fold
        pdf.set_dash_pattern()
        box = dict(x=margin_x, w=TABLE_W - 2 * margin_x, h=half - 2 * margin_y)
        _draw_person(pdf, person, _TABLE_LINES, y=half + margin_y, **box)
        with pdf.rotation(180, x=TABLE_W / 2, y=half / 2):
            _draw_person(pdf, person, _TABLE_LINES, y=margin_y, **box)
    if not people:
        pdf.add_page(orientation="L")
    return pdfkit.to_bytes(pdf)


def seat_cards_pdf(people: Sequence[CardPerson], *, title: str = "Seat cards") -> bytes:
    """Eight seat cards to an A4 sheet, with cut marks."""
    pdf = _document(title)
    per_page = len(SEAT.slots)
    margin = 7.0
    for start in range(0, max(len(people), 1), per_page):
        pdf.add_page(orientation="P")
        for person, (sx, sy) in zip(people[start : start + per_page], SEAT.slots, strict=False):
            _draw_person(
                pdf,
                person,
                _SEAT_LINES,
                x=sx + margin,
                y=sy + margin,
                w=SEAT.badge_w - 2 * margin,
                h=SEAT.badge_h - 2 * margin,
            )
        cut_marks(pdf, SEAT)
    return pdfkit.to_bytes(pdf)


def cards_pdf(people: Sequence[CardPerson], kind: CardKind, *, title: str) -> bytes:
    """Table or seat cards of ``people`` in the order given."""
    if kind == "table":
        return table_cards_pdf(people, title=title)
    if kind == "seat":
        return seat_cards_pdf(people, title=title)
    raise ValueError(f"unknown card kind {kind!r}")


def record_printing(
    event: Event,
    *,
    kind: CardKind,
    source: str,
    count: int,
    session_id: int | None = None,
    category_id: int | None = None,
    by: StaffUser | None = None,
) -> None:
    """Audit that cards were printed: which kind, for whom (source, session, category), how many."""
    details: dict[str, object] = {"kind": kind, "source": source, "count": count}
    if session_id is not None:
        details["session_id"] = session_id
    if category_id is not None:
        details["category_id"] = category_id
    audit.record("cards.printed", obj=event, actor=by, event_id=event.id, details=details)
