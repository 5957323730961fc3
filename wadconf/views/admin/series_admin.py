"""Series activities, organiser side: deadlines, reporting bodies, their logins, per-body view.

The board of all bodies, reminders and exports are in :mod:`series_board` (E2).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.forms.series import (
    ActionForm,
    BodyForm,
    DeadlinesForm,
    NewBodyForm,
    ReopenForm,
    ReporterForm,
)
from wadconf.models import Event, Role
from wadconf.models.series import ActivityPlan, ActivityReport, ReportingBody
from wadconf.security import roles_required
from wadconf.services import DomainError, reporter_accounts, series_files
from wadconf.services import reporting_bodies as bodies
from wadconf.services import series as service
from wadconf.views.admin import bp, event_or_404


def _to_local(value: datetime | None, zone: str) -> datetime | None:
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None


def _from_local(value: datetime | None, zone: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(zone)) if value else None


def _body(event: Event, body_id: int) -> ReportingBody:
    body = bodies.get_body(event, body_id)
    if body is None:
        abort(404)
    return body


def _show_error(form, exc: DomainError) -> None:
    target = getattr(form, str(exc.params.get("field", "")), None)
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")


def _overview(
    event: Event,
    *,
    deadlines: DeadlinesForm | None = None,
    new_body: NewBodyForm | None = None,
):
    plans = {
        p.body_id: p
        for p in db.session.scalars(select(ActivityPlan).where(ActivityPlan.event_id == event.id))
    }
    reports = {
        r.body_id: r
        for r in db.session.scalars(
            select(ActivityReport).where(ActivityReport.event_id == event.id)
        )
    }
    if deadlines is None:
        deadlines = DeadlinesForm(formdata=None)
        deadlines.plans_due_at.data = _to_local(event.plans_due_at, event.timezone)
        deadlines.reports_due_at.data = _to_local(event.reports_due_at, event.timezone)
    return render_template(
        "admin/series/overview.html",
        event=event,
        bodies=bodies.list_bodies(event),
        plans=plans,
        reports=reports,
        deadlines=deadlines,
        new_body=new_body or NewBodyForm(formdata=None, prefix="new"),
        action_form=ActionForm(),
        provincial_count=len(bodies.PROVINCIAL_BODIES),
    )


@bp.get("/events/<slug>/series/")
@roles_required(Role.ORGANIZER)
def series_overview(slug: str):
    """Deadlines and the list of reporting bodies of an event."""
    return _overview(event_or_404(slug))


@bp.post("/events/<slug>/series/deadlines")
@roles_required(Role.ORGANIZER)
def series_deadlines(slug: str):
    """Set the deadlines, entered in the event's time zone."""
    event = event_or_404(slug)
    form = DeadlinesForm()
    if form.validate_on_submit():
        try:
            changed = service.set_deadlines(
                event,
                plans_due_at=_from_local(form.plans_due_at.data, event.timezone),
                reports_due_at=_from_local(form.reports_due_at.data, event.timezone),
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.series_overview", slug=slug))
    return _overview(event, deadlines=form)


@bp.post("/events/<slug>/series/bodies/preload")
@roles_required(Role.ORGANIZER)
def series_preload(slug: str):
    """Add the 32 provincial-level market regulators that are not in the list yet."""
    event = event_or_404(slug)
    if ActionForm().validate_on_submit():
        added = bodies.preload_provincial_bodies(event, by=current_user)
        db.session.commit()
        flash(_l("%(n)d bodies were added.", n=added), "success")
    return redirect(url_for("admin.series_overview", slug=slug))


@bp.post("/events/<slug>/series/bodies/new")
@roles_required(Role.ORGANIZER)
def series_body_new(slug: str):
    """Add a reporting body (an association, a certification body...)."""
    event = event_or_404(slug)
    form = NewBodyForm(prefix="new")
    if form.validate_on_submit():
        try:
            body = bodies.add_body(
                event,
                code=form.code.data,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                kind=form.kind.data,
                contact_email=form.contact_email.data or "",
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The body was added."), "success")
            return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))
    return _overview(event, new_body=form)


def _body_page(
    event: Event,
    body: ReportingBody,
    *,
    edit_form: BodyForm | None = None,
    reporter_form: ReporterForm | None = None,
):
    from wadconf.database import utcnow

    now = utcnow()
    plan, report = service.plan_of(body), service.report_of(body)
    return render_template(
        "admin/series/body.html",
        event=event,
        body=body,
        plan=plan,
        report=report,
        plan_state=service.edit_state(plan, event.plans_due_at, now),
        report_state=service.edit_state(report, event.reports_due_at, now),
        plan_files=series_files.current_files(plan),
        report_files=series_files.current_files(report),
        reporters=reporter_accounts.reporters_of(body),
        edit_form=edit_form or BodyForm(formdata=None, obj=body),
        reporter_form=reporter_form or ReporterForm(formdata=None, prefix="rep"),
        reopen_form=ReopenForm(formdata=None),
        action_form=ActionForm(),
        file_url=lambda a: url_for("admin.series_attachment", slug=event.slug, token=a.token),
    )


@bp.get("/events/<slug>/series/bodies/<int:body_id>")
@roles_required(Role.ORGANIZER)
def series_body(slug: str, body_id: int):
    """One body: its details, logins, plan and report with their versions."""
    event = event_or_404(slug)
    return _body_page(event, _body(event, body_id))


@bp.post("/events/<slug>/series/bodies/<int:body_id>/edit")
@roles_required(Role.ORGANIZER)
def series_body_update(slug: str, body_id: int):
    """Change a body's names, kind or contact address."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    form = BodyForm()
    if form.validate_on_submit():
        try:
            changed = bodies.update_body(
                body,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                kind=form.kind.data,
                contact_email=form.contact_email.data or "",
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))
    return _body_page(event, body, edit_form=form)


@bp.post("/events/<slug>/series/bodies/<int:body_id>/active")
@roles_required(Role.ORGANIZER)
def series_body_active(slug: str, body_id: int):
    """Deactivate a body (``active=0``) or activate it again."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        if bodies.set_body_active(body, active, by=current_user):
            db.session.commit()
            flash(
                _l("The body is active.") if active else _l("The body is deactivated."), "success"
            )
    return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))


@bp.post("/events/<slug>/series/bodies/<int:body_id>/reporters/new")
@roles_required(Role.ORGANIZER)
def series_reporter_new(slug: str, body_id: int):
    """Create a login for the body and e-mail it the link to choose a password."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    form = ReporterForm(prefix="rep")
    if form.validate_on_submit():
        try:
            reporter_accounts.create_reporter(
                body,
                email=form.email.data,
                display_name=form.display_name.data or "",
                locale=None if form.locale.data == "both" else form.locale.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The account was created and the invitation e-mail queued."), "success")
            return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))
    return _body_page(event, body, reporter_form=form)


def _reporter(body: ReportingBody, reporter_id: int):
    user = reporter_accounts.reporter_of(body, reporter_id)
    if user is None:
        abort(404)
    return user


@bp.post("/events/<slug>/series/bodies/<int:body_id>/reporters/<int:reporter_id>/resend")
@roles_required(Role.ORGANIZER)
def series_reporter_resend(slug: str, body_id: int, reporter_id: int):
    """E-mail a reporter a new link to choose a password."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    user = _reporter(body, reporter_id)
    if ActionForm().validate_on_submit():
        try:
            reporter_accounts.resend_invitation(user, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The invitation e-mail was queued again."), "success")
    return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))


@bp.post("/events/<slug>/series/bodies/<int:body_id>/reporters/<int:reporter_id>/active")
@roles_required(Role.ORGANIZER)
def series_reporter_active(slug: str, body_id: int, reporter_id: int):
    """Disable a reporter's login (``active=0``) or enable it again."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    user = _reporter(body, reporter_id)
    if ActionForm().validate_on_submit():
        reporter_accounts.set_reporter_active(
            user, request.form.get("active") == "1", by=current_user
        )
        db.session.commit()
    return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))


def _submission(body: ReportingBody, what: str):
    submission = service.plan_of(body) if what == "plan" else service.report_of(body)
    if submission is None:
        abort(404)
    return submission


@bp.post("/events/<slug>/series/bodies/<int:body_id>/<any(plan, report):what>/reopen")
@roles_required(Role.ORGANIZER)
def series_reopen(slug: str, body_id: int, what: str):
    """Let the body submit its plan or report once more after the deadline."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    form = ReopenForm()
    submission = service.plan_of(body) if what == "plan" else service.report_of(body)
    if submission is None:
        flash(
            _l("Nothing was submitted yet: the body can still submit (it counts as late)."), "error"
        )
    elif form.validate_on_submit():
        try:
            service.reopen(
                submission, by=current_user, until=_from_local(form.until.data, event.timezone)
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("Reopened: the body can submit a new version."), "success")
    return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))


@bp.post("/events/<slug>/series/bodies/<int:body_id>/<any(plan, report):what>/close")
@roles_required(Role.ORGANIZER)
def series_close_reopening(slug: str, body_id: int, what: str):
    """End a reopening the body has not used."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    submission = service.plan_of(body) if what == "plan" else service.report_of(body)
    if submission is not None and ActionForm().validate_on_submit():
        if service.close_reopening(submission, by=current_user):
            db.session.commit()
            flash(_l("The reopening was ended."), "success")
    return redirect(url_for("admin.series_body", slug=slug, body_id=body.id))


@bp.get("/events/<slug>/series/bodies/<int:body_id>/<any(plan, report):what>/versions/<int:number>")
@roles_required(Role.ORGANIZER)
def series_version(slug: str, body_id: int, what: str, number: int):
    """One version of a body's plan or report, as submitted."""
    event = event_or_404(slug)
    body = _body(event, body_id)
    submission = _submission(body, what)
    if what == "plan":
        version = service.plan_version(submission, number)
    else:
        version = service.report_version(submission, number)
    if version is None:
        abort(404)
    return render_template(
        "admin/series/version.html",
        event=event,
        body=body,
        what=what,
        submission=submission,
        version=version,
        files=series_files.files_of_version(submission, number),
        file_url=lambda a: url_for("admin.series_attachment", slug=event.slug, token=a.token),
    )


@bp.get("/events/<slug>/series/files/<token>")
@roles_required(Role.ORGANIZER)
def series_attachment(slug: str, token: str):
    """Download any attachment of the event's plans and reports."""
    from wadconf.services.uploads import send_stored

    event = event_or_404(slug)
    found = series_files.attachment_of_event(event, token)
    if found is None:
        abort(404)
    return send_stored(found)
