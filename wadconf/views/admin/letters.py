"""Printable invitation letters (PDF) for invitees reached by post."""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services import letters
from wadconf.views import render_error
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.invitations import list_filters

#: More letters than this in one PDF is refused: at about 11 ms of CPU a page (measured,
#: tests/perf/README.md) 1,000 letters keep a worker busy 11 s on an idle machine and far
#: longer on a loaded one, against gunicorn's 60 s timeout; print batches are smaller.
MAX_LETTERS = 1000


def _ids() -> list[int] | None:
    """``?ids=1,2,3`` (or repeated ``ids``) as ints; ``None`` when absent; 400 when malformed."""
    values = [part.strip() for value in request.args.getlist("ids") for part in value.split(",")]
    values = [value for value in values if value]
    if not values:
        return None
    if len(values) > MAX_LETTERS or not all(v.isdigit() and len(v) < 12 for v in values):
        abort(400)
    return [int(value) for value in values]


@bp.get("/events/<slug>/invitations/letters.pdf")
@roles_required(Role.ORGANIZER)
def invitation_letters(slug: str):
    """One letter per invitation: those in ``ids``, else those the list's filters show.

    Revoked invitations are never printed. The printing is audited (who, which invitations).
    """
    event = event_or_404(slug)
    ids = _ids()
    if ids is None and request.args.get("scope") == "selected":
        # The list's "print the selected" button with nothing ticked: not "print everything".
        return render_error(400, _l("Select at least one invitation."))
    invitations = letters.invitations_for_letters(event, ids=ids, filters=list_filters(event))
    if not invitations:
        return render_error(404, _l("There is no invitation to print a letter for."))
    if len(invitations) > MAX_LETTERS:
        return render_error(
            400,
            _l(
                "At most %(n)d letters can be printed at once; narrow the list with its filters.",
                n=MAX_LETTERS,
            ),
        )
    data = letters.render_letters(event, invitations)
    filename = letters.letters_filename(event)
    ids = [invitation.id for invitation in invitations]
    # The PDF was built in this GET's read transaction; the audit entry gets a write
    # transaction of its own (BEGIN IMMEDIATE on SQLite), held only for the insert.
    db.session.rollback()
    with write_intent():
        letters.record_printing(event, ids, by=current_user._get_current_object())
        db.session.commit()
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
