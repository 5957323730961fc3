"""Admin pages: table cards and seat cards (PDF) for a session, a category or every delegate."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.forms.list_prints import CardsForm
from wadconf.i18n import bi, fmt_datetime
from wadconf.models import Event, Role
from wadconf.security import roles_required
from wadconf.services import cards_pdf
from wadconf.services.categories import get_category, list_categories
from wadconf.services.schedule import sessions_of
from wadconf.views.admin import bp, event_or_404

#: More cards than this in one PDF from the web is refused: a table card costs about as
#: much as a badge, and a worker must answer well within gunicorn's timeout.
MAX_CARDS = 2000


def _form(event: Event) -> CardsForm:
    """The card form with the event's sessions and categories to choose from."""
    form = CardsForm()
    form.session.choices = [("", _l("Choose a session"))] + [
        (
            str(session.id),
            f"{fmt_datetime(session.starts_at, event.timezone, 'short')} · {bi(session, 'title')}",
        )
        for session in sessions_of(event)
    ]
    form.category.choices = [("", _l("Choose a category"))] + [
        (str(category.id), bi(category, "name")) for category in list_categories(event)
    ]
    return form


@bp.get("/events/<slug>/cards")
@roles_required(Role.ORGANIZER)
def cards(slug: str):
    """Choose table or seat cards and whose names they carry."""
    event = event_or_404(slug)
    return render_template(
        "admin/list_prints/cards.html", event=event, form=_form(event), max_cards=MAX_CARDS
    )


@bp.post("/events/<slug>/cards.pdf")
@roles_required(Role.ORGANIZER)
def cards_download(slug: str):
    """The cards as a PDF download; the printing is audited (who, which cards, how many)."""
    event = event_or_404(slug)
    form = _form(event)
    if not form.validate_on_submit():
        flash(_l("Choose the cards and whose names they carry."), "error")
        return redirect(url_for("admin.cards", slug=event.slug))
    session = category = None
    if form.source.data == "session":
        session = next(s for s in sessions_of(event) if str(s.id) == form.session.data)
        people = cards_pdf.session_card_people(session)
    elif form.source.data == "category":
        category = get_category(event, int(form.category.data))
        people = cards_pdf.category_card_people(event, category)
    else:
        people = cards_pdf.confirmed_card_people(event)
    if not people:
        flash(_l("Nobody to print a card for."), "error")
        return redirect(url_for("admin.cards", slug=event.slug))
    if len(people) > MAX_CARDS:
        flash(_l("At most %(n)d cards can be printed at once.", n=MAX_CARDS), "error")
        return redirect(url_for("admin.cards", slug=event.slug))
    kind = form.kind.data
    title = f"{event.name_zh or event.name_en} · {event.name_en or event.name_zh}"
    data = cards_pdf.cards_pdf(people, kind, title=title)
    # The PDF was built in the read transaction; the audit entry gets its own write one.
    source = form.source.data
    session_id = session.id if session is not None else None
    category_id = category.id if category is not None else None
    db.session.rollback()
    with write_intent():
        event = event_or_404(slug)
        cards_pdf.record_printing(
            event,
            kind=kind,
            source=source,
            count=len(people),
            session_id=session_id,
            category_id=category_id,
            by=current_user._get_current_object(),
        )
        db.session.commit()
    filename = f"{event.slug}-{kind}-cards.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
