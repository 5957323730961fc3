"""Organisers register someone directly: a walk-in or a late addition, with or without invitation.

Shares the edit form's helpers with :mod:`wadconf.views.admin.registrations`.
"""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.forms.review import WalkInForm
from wadconf.i18n import bi
from wadconf.models import Event, Invitation, InvitationState, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, review
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.registrations import (
    _back,
    _category_id,
    _delegate_data,
    _prepare,
    _show_errors,
)

# --- direct registration ----------------------------------------------------------------


def _open_invitation_filter(event: Event):
    """Invitations someone may still be registered on: not revoked or declined, a seat free."""
    return (
        Invitation.event_id == event.id,
        Invitation.state.not_in([InvitationState.REVOKED, InvitationState.DECLINED]),
        Invitation.seats_used < Invitation.seats,
    )


def _open_invitation(event: Event, value: str) -> Invitation | None:
    """The open invitation ``value`` (an id) of ``event``, if it is one."""
    if not value.isdigit():
        return None
    return db.session.scalar(
        select(Invitation).where(Invitation.id == int(value), *_open_invitation_filter(event))
    )


def _invitation_choices(event: Event, chosen: Invitation | None) -> list[tuple[str, str]]:
    """No invitation, the delegations with a free seat, and the invitation chosen by link.

    A person's invitation is reached from its own page (``?invitation=ID``): listing every
    invitation here would make a select of thousands.
    """
    options = list(
        db.session.scalars(
            select(Invitation)
            .where(*_open_invitation_filter(event), Invitation.seats > 1)
            .order_by(Invitation.organisation, Invitation.id)
        )
    )
    if chosen is not None and chosen not in options:
        options.insert(0, chosen)
    return [("", _l("No invitation"))] + [
        (str(inv.id), f"{bi(inv, 'name')} · {inv.organisation} ({inv.seats_used}/{inv.seats})")
        for inv in options
    ]


@bp.route("/events/<slug>/registrations/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def registration_new(slug: str):
    """Register someone directly: a walk-in or a late addition, with or without invitation."""
    event = event_or_404(slug)
    source = request.form if request.method == "POST" else request.args
    chosen = source.get("invitation", "")
    invitation = _open_invitation(event, chosen)
    form = _prepare(WalkInForm(data={"invitation": chosen, "locale": event.default_locale}), event)
    form.invitation.choices = _invitation_choices(event, invitation)
    if form.validate_on_submit():
        if form.invitation.data and invitation is None:
            form.invitation.errors = [
                *form.invitation.errors,
                _l("This invitation has no free seat."),
            ]
        else:
            try:
                registration = review.register_directly(
                    event,
                    _delegate_data(form, None),
                    invitation=invitation,
                    category_id=_category_id(form),
                    by=current_user,
                )
            except DomainError as exc:
                db.session.rollback()
                _show_errors(form, exc)
            else:
                db.session.commit()
                if registration.status.value == "waitlisted":
                    flash(
                        _l("The event is full: the registration was put on the waiting list."),
                        "info",
                    )
                else:
                    flash(_l("The registration was added."), "success")
                return _back(event, registration)
    return render_template(
        "admin/registrations/form.html", event=event, form=form, registration=None
    )
