"""Admin pages: badges. The list with print counts, printing a batch (PDF), reissuing a badge."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.database import set_begin_immediate, write_intent
from wadconf.extensions import db
from wadconf.forms.badges import BadgeFilterForm, BadgePrintForm, ReissueForm, order_choices
from wadconf.forms.review import status_choices
from wadconf.i18n import bi
from wadconf.models import Event, Registration, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, badges
from wadconf.services.badge_layouts import LAYOUTS
from wadconf.services.categories import list_categories
from wadconf.views import render_error
from wadconf.views.admin import bp, event_or_404

#: More badges than this in one PDF from the web is refused: at about 8 ms of CPU a badge
#: (tests/perf/README.md) 2,000 keep a worker busy 16 s on an idle machine, far longer on a
#: loaded one, against gunicorn's timeout. `wadconf badges pdf` has no limit.
MAX_BADGES = 2000


def _filters(event: Event, source) -> tuple[BadgeFilterForm, dict]:
    """The filter form bound to ``source`` (args or form) and the service's keyword filters."""
    form = BadgeFilterForm(source, meta={"csrf": False})
    form.category.choices = [("", _l("All categories"))] + [
        (str(c.id), bi(c, "name")) for c in list_categories(event)
    ]
    form.status.choices = [("", _l("Any status"))] + status_choices()
    statuses = {value for value, _label in status_choices()}
    # Confirmed unless the form says otherwise ("" is any status): those get badges.
    status = source.get("status", "confirmed")
    form.status.data = status if status in statuses else ""
    category = source.get("category", "")
    order = source.get("order", "organisation")
    if order not in badges.ORDERS:
        order = "organisation"
    form.order.data = order
    printed = source.get("printed", "")
    return form, {
        "status": form.status.data or None,
        "category_id": int(category) if category.isdigit() else None,
        "q": (source.get("q") or "")[:200],
        "printed": printed if printed in {"never", "yes"} else "",
        "order": order,
    }


@bp.get("/events/<slug>/badges")
@roles_required(Role.ORGANIZER)
def badges_list(slug: str):
    """The badges a filter selects, with how often and when each was printed."""
    event = event_or_404(slug)
    form, filters = _filters(event, request.args)
    rows = badges.badges_for_print(event, **filters)
    return render_template(
        "admin/badges/list.html",
        event=event,
        form=form,
        print_form=BadgePrintForm(),
        rows=rows,
        filters=filters,
        never_printed=sum(1 for row in rows if not row.badge_print_count),
        status_labels=dict(status_choices()),
        order_labels=dict(order_choices()),
        max_badges=MAX_BADGES,
    )


def _selected_ids() -> list[int] | None:
    """The ticked registrations (``ids``), ``None`` when none were sent; 400 when malformed."""
    values = [value.strip() for value in request.form.getlist("ids") if value.strip()]
    if not values:
        return None
    if len(values) > MAX_BADGES or not all(v.isdigit() and len(v) < 12 for v in values):
        abort(400)
    return [int(value) for value in values]


@bp.post("/events/<slug>/badges/print")
@roles_required(Role.ORGANIZER)
def badges_print(slug: str):
    """The PDF of the listed badges (``scope=all``) or the ticked ones (``scope=selected``).

    Each printed badge's count goes up by one and the batch is audited. The PDF is built in
    a read transaction; the counts get a short write transaction of their own, so a long
    batch never holds SQLite's write lock while check-in desks are scanning.
    """
    print_form = BadgePrintForm()
    if not print_form.validate_on_submit() or print_form.layout.data not in LAYOUTS:
        abort(400)
    # End the transaction the login check opened as a write (this is a POST) and read in a
    # deferred one instead.
    db.session.rollback()
    set_begin_immediate(False)
    event = event_or_404(slug)
    _form, filters = _filters(event, request.form)
    ids = _selected_ids()
    if ids is None and request.form.get("scope") == "selected":
        return render_error(400, _l("Select at least one badge."))
    registrations = badges.badges_for_print(event, ids=ids, **filters)
    if not registrations:
        return render_error(404, _l("There is no badge to print."))
    if len(registrations) > MAX_BADGES:
        return render_error(
            400,
            _l(
                "At most %(n)d badges can be printed at once; narrow the list with its filters.",
                n=MAX_BADGES,
            ),
        )
    layout = print_form.layout.data
    data = badges.badge_pdf(registrations, layout=layout, event=event)
    printed = [registration.id for registration in registrations]
    filename = badges.badges_filename(event, layout)
    db.session.rollback()
    with write_intent():
        event = db.session.merge(event)
        badges.record_printing(event, printed, layout=layout, by=current_user._get_current_object())
        db.session.commit()
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _registration(event: Event, registration_id: int) -> Registration:
    """The event's registration; another event's id is as absent as a missing one."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@bp.post("/events/<slug>/registrations/<int:registration_id>/badge/reissue")
@roles_required(Role.ORGANIZER)
def badge_reissue(slug: str, registration_id: int):
    """A new badge code (lost badge): the old badge then scans as ``reissued``."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    form = ReissueForm()
    if form.validate_on_submit():
        try:
            badges.reissue_badge(
                registration, by=current_user._get_current_object(), reason=form.reason.data
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("A new badge was issued. The old badge no longer admits anyone."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(
        url_for("admin.registration_detail", slug=event.slug, registration_id=registration.id)
        + "#badge"
    )


@bp.get("/events/<slug>/registrations/<int:registration_id>/badge.png")
@roles_required(Role.ORGANIZER)
def badge_preview(slug: str, registration_id: int):
    """The delegate's e-badge as they see it (organisers check it before sending it on)."""
    event = event_or_404(slug)
    registration = _registration(event, registration_id)
    if registration.is_erased or not registration.badge_code:
        abort(404)
    return Response(
        badges.badge_png(registration),
        mimetype="image/png",
        headers={"Cache-Control": "private, no-store"},
    )


@bp.app_template_global("badge_layout_choices")
def badge_layout_choices() -> list[tuple[str, str]]:
    """The printed formats, for the one-badge print form on a registration's page."""
    from wadconf.forms.badges import layout_choices

    return layout_choices()
