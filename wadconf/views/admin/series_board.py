"""Admin pages: the board of reporting bodies, reminders, XLSX and ZIP exports (issue #7)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.forms.materials import ReminderForm
from wadconf.models import BodyKind, Event, ReportingBody, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, series_exports
from wadconf.services import series_board as board_service
from wadconf.services.exports import XLSX_MIMETYPE
from wadconf.views.admin import bp, event_or_404


def _choice(name: str, allowed) -> str | None:
    """A filter value from the query string, ignored when it is not one we know."""
    value = request.args.get(name) or None
    return value if value in allowed else None


def _download(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/events/<slug>/series/board")
@roles_required(Role.ORGANIZER)
def series_board(slug: str):
    """Every reporting body with its plan and report state, filters and counts."""
    event = event_or_404(slug)
    filters = {
        "plan_state": _choice("plan", board_service.STATES),
        "report_state": _choice("report", board_service.STATES),
        "kind": _choice("kind", {k.value for k in BodyKind}),
    }
    board = board_service.build_board(event, **filters)
    return render_template(
        "admin/series_board/board.html",
        event=event,
        board=board,
        filters=filters,
        kinds=[k.value for k in BodyKind],
        today=board_service.event_today(event),
        form=ReminderForm(formdata=None),
    )


@bp.post("/events/<slug>/series/board/remind")
@roles_required(Role.ORGANIZER)
def series_remind(slug: str):
    """Queue reminders to the ticked bodies, or to all missing, about their plan or report."""
    event = event_or_404(slug)
    form = ReminderForm()
    if not form.validate_on_submit():
        flash(_l("The reminder could not be sent. Reload the page and try again."), "error")
        return redirect(url_for("admin.series_board", slug=slug))
    body_ids = None if form.scope.data == "missing" else list(form.bodies.data or [])
    try:
        result = board_service.send_reminders(
            event, topic=form.topic.data, body_ids=body_ids, origin="manual", by=current_user
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.series_board", slug=slug))
    db.session.commit()
    _flash_result(result)
    return redirect(url_for("admin.series_board", slug=slug))


def _flash_result(result: board_service.ReminderResult) -> None:
    if result.sent:
        flash(
            ngettext(
                "Reminder queued for %(num)d body (%(mails)d e-mails).",
                "Reminders queued for %(num)d bodies (%(mails)d e-mails).",
                len(result.sent),
                mails=result.messages,
            ),
            "success",
        )
    else:
        flash(_l("No reminder was sent."), "info")
    if result.already_today:
        flash(
            _l("Already reminded today: %(codes)s.", codes=", ".join(result.already_today)),
            "info",
        )
    if result.not_missing:
        flash(
            _l("Skipped, already submitted: %(codes)s.", codes=", ".join(result.not_missing)),
            "info",
        )
    if result.no_address:
        flash(
            _l(
                "No reporter account or contact e-mail: %(codes)s.",
                codes=", ".join(result.no_address),
            ),
            "error",
        )


@bp.get("/events/<slug>/series/board.xlsx")
@roles_required(Role.ORGANIZER)
def series_board_xlsx(slug: str):
    """The board as a spreadsheet."""
    event = event_or_404(slug)
    data = series_exports.board_workbook(event, by=current_user)
    db.session.commit()  # the audit entry
    return _download(data, f"series-board-{event.slug}.xlsx")


@bp.get("/events/<slug>/series/submissions.xlsx")
@roles_required(Role.ORGANIZER)
def series_submissions_xlsx(slug: str):
    """Board, current plans and current reports as one workbook."""
    event = event_or_404(slug)
    data = series_exports.submissions_workbook(event, by=current_user)
    db.session.commit()
    return _download(data, f"series-submissions-{event.slug}.xlsx")


def _body_by_code(event: Event, code: str) -> ReportingBody:
    body = db.session.scalar(
        select(ReportingBody).where(ReportingBody.event_id == event.id, ReportingBody.code == code)
    )
    if body is None:
        abort(404)
    return body


@bp.get("/events/<slug>/series/attachments.zip")
@roles_required(Role.ORGANIZER)
def series_attachments_zip(slug: str):
    """All attachments of every body, or of the body ``?body=<code>``, as a ZIP."""
    event = event_or_404(slug)
    code = request.args.get("body", "").strip()
    body = _body_by_code(event, code) if code else None
    export = series_exports.attachments_zip(event, body=body, by=current_user)
    db.session.commit()
    name = f"series-{event.slug}-{body.code}.zip" if body else f"series-{event.slug}.zip"
    # send_file streams the temporary file and closes (so deletes) it when done.
    response = send_file(
        export.file, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
