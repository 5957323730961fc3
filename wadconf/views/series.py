"""The reporting bodies' portal for World Accreditation Day series activities.

Every page but the password page needs a ``reporter`` account and shows only that account's
body: records are looked up through the body, so another body's version or attachment is
a 404 however its number or token was obtained.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.database import utcnow
from wadconf.extensions import db, limiter
from wadconf.forms.series import PlanForm, ReportForm, WelcomeForm
from wadconf.models import Role
from wadconf.models.series import ReportingBody
from wadconf.security import roles_required
from wadconf.services import DomainError, reporter_accounts, series_files
from wadconf.services import series as service

bp = Blueprint("series", __name__, url_prefix="/series")


def reporter_required(view: Callable) -> Callable:
    """Allow only reporter accounts of an active body; ``g.body`` and ``g.event`` are set."""

    @roles_required(Role.REPORTER)
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role != Role.REPORTER or current_user.reporting_body_id is None:
            abort(403)
        body = db.session.get(ReportingBody, current_user.reporting_body_id)
        if body is None or not body.is_active:
            abort(403)
        g.body = body
        g.event = body.event
        return view(body, *args, **kwargs)

    return wrapped


def _field_error(form, exc: DomainError) -> None:
    """Show a refusal under its field, else at the top."""
    target = getattr(form, str(exc.params.get("field", "")), None)
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.get("/")
@reporter_required
def home(body: ReportingBody):
    """The body's plan and report at a glance, with the deadlines."""
    now = utcnow()
    plan, report = service.plan_of(body), service.report_of(body)
    return render_template(
        "series/home.html",
        body=body,
        event=body.event,
        plan=plan,
        report=report,
        plan_state=service.edit_state(plan, body.event.plans_due_at, now),
        report_state=service.edit_state(report, body.event.reports_due_at, now),
    )


def _plan_form(plan) -> PlanForm:
    if request.method == "POST" or plan is None:
        return PlanForm()
    data = service.PlanData.from_version(service.current_plan_version(plan))
    form = PlanForm(formdata=None, obj=data)
    form.activity_kind.data = str(data.activity_kind)
    return form


def _submission_page(
    body: ReportingBody,
    *,
    what: str,
    current,
    due_at,
    form,
    data_of: Callable,
    submit: Callable,
    messages: tuple[str, str],
):
    """The plan or report form: submit a (new) version while edits are allowed.

    ``what`` is ``plan`` or ``report`` (template and context name); ``data_of(form)`` makes
    the service's data; ``messages`` are the success and the too-late flash.
    """
    state = service.edit_state(current, due_at, utcnow())
    if state.may_submit and form.validate_on_submit():
        try:
            submit(
                body,
                data_of(form),
                by=current_user,
                files=request.files.getlist(form.files.name),
                remove=request.form.getlist("remove"),
            )
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(messages[0], "success")
            return redirect(url_for("series.home"))
    elif request.method == "POST" and not state.may_submit:
        flash(messages[1], "error")
    return render_template(
        f"series/{what}_form.html",
        body=body,
        event=body.event,
        form=form,
        state=state,
        files=series_files.current_files(current),
        **{what: current},
    )


def _version_page(body: ReportingBody, *, what: str, current, version_of: Callable, number: int):
    """One submitted version of the body's plan or report; 404 when there is none."""
    version = version_of(current, number) if current else None
    if version is None:
        abort(404)
    return render_template(
        f"series/{what}_version.html",
        body=body,
        event=body.event,
        version=version,
        files=series_files.files_of_version(current, number),
        file_url=lambda a: url_for("series.attachment", token=a.token),
        **{what: current},
    )


@bp.route("/plan", methods=["GET", "POST"])
@reporter_required
def plan(body: ReportingBody):
    """Submit the activity plan, or a new version of it while edits are allowed."""
    current = service.plan_of(body)
    return _submission_page(
        body,
        what="plan",
        current=current,
        due_at=body.event.plans_due_at,
        form=_plan_form(current),
        data_of=lambda form: service.PlanData(
            **{name: getattr(form, name).data for name in service.PlanData.__dataclass_fields__}
        ),
        submit=service.submit_plan,
        messages=(
            _l("Your plan was submitted."),
            _l("The deadline has passed; the plan can no longer be changed."),
        ),
    )


@bp.get("/plan/versions/<int:number>")
@reporter_required
def plan_version(body: ReportingBody, number: int):
    """One version of the body's plan, as submitted."""
    return _version_page(
        body,
        what="plan",
        current=service.plan_of(body),
        version_of=service.plan_version,
        number=number,
    )


def _report_form(report) -> ReportForm:
    if request.method == "POST" or report is None:
        return ReportForm()
    data = service.ReportData.from_version(service.current_report_version(report))
    form = ReportForm(formdata=None, summary=data.summary, participants=data.participants)
    form.media_links.data = "\n".join(data.media_links)
    return form


@bp.route("/report", methods=["GET", "POST"])
@reporter_required
def report(body: ReportingBody):
    """Submit the report on the activities, or a new version of it."""
    current = service.report_of(body)
    return _submission_page(
        body,
        what="report",
        current=current,
        due_at=body.event.reports_due_at,
        form=_report_form(current),
        data_of=lambda form: service.ReportData(
            summary=form.summary.data or "",
            participants=form.participants.data,
            media_links=(form.media_links.data or "").splitlines(),
        ),
        submit=service.submit_report,
        messages=(
            _l("Your report was submitted."),
            _l("The deadline has passed; the report can no longer be changed."),
        ),
    )


@bp.get("/report/versions/<int:number>")
@reporter_required
def report_version(body: ReportingBody, number: int):
    """One version of the body's report, as submitted."""
    return _version_page(
        body,
        what="report",
        current=service.report_of(body),
        version_of=service.report_version,
        number=number,
    )


@bp.get("/files/<token>")
@reporter_required
def attachment(body: ReportingBody, token: str):
    """Download one of the body's own attachments (404 for anyone else's)."""
    from wadconf.services.uploads import send_stored

    found = series_files.attachment_of_body(body, token)
    if found is None:
        abort(404)
    return send_stored(found)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("LOGIN_LIMIT_PER_CLIENT", "20/minute"), methods=["POST"]
)
def welcome(token: str):
    """Choose a password from the invitation link; the link then stops working."""
    try:
        user = reporter_accounts.account_for_token(token)
    except DomainError as exc:
        return render_template("series/welcome_invalid.html", message=exc.message), 410
    form = WelcomeForm()
    if form.validate_on_submit():
        try:
            reporter_accounts.accept_invitation(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_l("Your password is set. Please log in."), "success")
            return redirect(url_for("auth.login", next=url_for("series.home")))
    body = db.session.get(ReportingBody, user.reporting_body_id)
    return render_template("series/welcome.html", form=form, user=user, body=body)


@bp.app_template_global("activity_kind_label")
def activity_kind_label(kind) -> str:
    """The translated name of an activity kind."""
    from wadconf.forms.series import activity_kind_choices

    return str(dict(activity_kind_choices()).get(str(kind), kind))


@bp.app_template_global("body_kind_label")
def body_kind_label(kind) -> str:
    """The translated name of a kind of reporting body."""
    from wadconf.forms.series import body_kind_choices

    return str(dict(body_kind_choices()).get(str(kind), kind))


@bp.app_template_global("edit_state_label")
def edit_state_label(state) -> str:
    """What a reporter or organiser reads about whether a submission is still open."""
    labels = {
        service.EditState.NEW: _l("Not submitted yet"),
        service.EditState.NEW_LATE: _l(
            "Not submitted; the deadline has passed (it will count as late)"
        ),
        service.EditState.OPEN: _l("Submitted; you can change it until the deadline"),
        service.EditState.REOPENED: _l("Reopened by the organisers: you can submit a new version"),
        service.EditState.CLOSED: _l("Submitted; the deadline has passed (read only)"),
    }
    return str(labels.get(state, state))
