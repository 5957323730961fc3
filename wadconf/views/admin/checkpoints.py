"""Admin pages: an event's checkpoints (list, create, edit, close, delete) and scan log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.checkpoints import CheckpointForm, NewCheckpointForm
from wadconf.forms.invitations import ActionForm
from wadconf.models import Checkpoint, Event, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, checkin_stats
from wadconf.services import checkpoints as service
from wadconf.services.categories import list_categories
from wadconf.views.admin import bp, event_or_404

LOG_PAGE = 100


def _checkpoint(event: Event, checkpoint_id: int) -> Checkpoint:
    """``event``'s checkpoint ``checkpoint_id``, else 404 (another event's id included)."""
    checkpoint = service.get_checkpoint(event, checkpoint_id)
    if checkpoint is None:
        abort(404)
    return checkpoint


def _prepare(form: CheckpointForm, event: Event) -> None:
    """Offer the event's categories, sessions and rooms."""
    form.category_ids.choices = [
        (c.id, f"{c.name_zh} / {c.name_en}" if c.name_zh and c.name_en else c.name_zh or c.name_en)
        for c in list_categories(event)
    ]
    _prepare_links(form, event)


def _prepare_links(form: CheckpointForm, event: Event) -> None:
    """Offer the event's sessions (start, title) and rooms for the check-in link."""
    from sqlalchemy import select

    from wadconf.i18n import bi
    from wadconf.models import Room
    from wadconf.services.schedule import sessions_of

    form.session_id.choices = [("", _l("None"))] + [
        (s.id, f"{s.starts_at.astimezone(event.zone):%m-%d %H:%M} {bi(s, 'title')}")
        for s in sessions_of(event)
    ]
    rooms = db.session.scalars(
        select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
    )
    form.room_id.choices = [("", _l("None"))] + [(r.id, bi(r, "name")) for r in rooms]


def _local(value, event: Event):
    """A stored UTC time as the naive event-local time a datetime-local input shows."""
    return value.astimezone(event.zone).replace(tzinfo=None) if value else None


def _data(form: CheckpointForm, code: str) -> service.CheckpointData:
    """The form's values for the service; naive window times are the event's local time."""
    return service.CheckpointData(
        code=code,
        name_zh=form.name_zh.data or "",
        name_en=form.name_en.data or "",
        kind=form.kind.data,
        rule=form.rule.data,
        reentry=form.reentry.data,
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
        is_active=bool(form.is_active.data),
        expected_count=form.expected_count.data,
        category_ids=form.category_ids.data or [],
        session_id=form.session_id.data,
        room_id=form.room_id.data,
    )


def _show_error(form: CheckpointForm, exc: DomainError) -> None:
    """Put the refusal under the field it concerns, else at the top of the page."""
    field = getattr(form, str(exc.params.get("field", "")), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.get("/events/<slug>/checkpoints/")
@roles_required(Role.ORGANIZER)
def checkpoints(slug: str):
    """The event's checkpoints with their rules, windows and whether scans exist."""
    event = event_or_404(slug)
    items = service.list_checkpoints(event)
    return render_template(
        "admin/checkpoints/list.html",
        event=event,
        checkpoints=items,
        scanned={c.id for c in items if service.has_scans(c)},
        action_form=ActionForm(),
        enrolled_available=service.enrolled_rule_available(),
    )


@bp.route("/events/<slug>/checkpoints/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def checkpoint_new(slug: str):
    """Add a checkpoint."""
    event = event_or_404(slug)
    form = NewCheckpointForm()
    _prepare(form, event)
    if form.validate_on_submit():
        try:
            service.create_checkpoint(event, _data(form, form.code.data), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The checkpoint was added."), "success")
            return redirect(url_for("admin.checkpoints", slug=slug))
    return render_template("admin/checkpoints/form.html", event=event, form=form, checkpoint=None)


@bp.route("/events/<slug>/checkpoints/<int:checkpoint_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def checkpoint_edit(slug: str, checkpoint_id: int):
    """Change a checkpoint's names, rule, window, re-entry policy or expected number."""
    event = event_or_404(slug)
    checkpoint = _checkpoint(event, checkpoint_id)
    form = CheckpointForm(obj=checkpoint)
    _prepare(form, event)
    if not form.is_submitted():
        form.kind.data = checkpoint.kind.value
        form.rule.data = checkpoint.rule.value
        form.reentry.data = checkpoint.reentry.value
        form.opens_at.data = _local(checkpoint.opens_at, event)
        form.closes_at.data = _local(checkpoint.closes_at, event)
        form.category_ids.data = [c.id for c in checkpoint.categories]
    if form.validate_on_submit():
        try:
            changed = service.update_checkpoint(
                checkpoint, _data(form, checkpoint.code), by=current_user
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.checkpoints", slug=slug))
    return render_template(
        "admin/checkpoints/form.html", event=event, form=form, checkpoint=checkpoint
    )


@bp.post("/events/<slug>/checkpoints/<int:checkpoint_id>/active")
@roles_required(Role.ORGANIZER)
def checkpoint_active(slug: str, checkpoint_id: int):
    """Close a checkpoint to scanning (``active=0``) or open it again (``active=1``)."""
    event = event_or_404(slug)
    checkpoint = _checkpoint(event, checkpoint_id)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        if service.set_active(checkpoint, active, by=current_user):
            db.session.commit()
            flash(
                _l("The checkpoint is open for scanning.")
                if active
                else _l("The checkpoint is closed; scans there are refused."),
                "success",
            )
    return redirect(url_for("admin.checkpoints", slug=slug))


@bp.post("/events/<slug>/checkpoints/<int:checkpoint_id>/delete")
@roles_required(Role.ORGANIZER)
def checkpoint_delete(slug: str, checkpoint_id: int):
    """Delete a checkpoint where nothing was scanned."""
    event = event_or_404(slug)
    checkpoint = _checkpoint(event, checkpoint_id)
    if ActionForm().validate_on_submit():
        try:
            service.delete_checkpoint(checkpoint, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The checkpoint was deleted."), "success")
    return redirect(url_for("admin.checkpoints", slug=slug))


@bp.get("/events/<slug>/checkpoints/<int:checkpoint_id>/log")
@roles_required(Role.ORGANIZER)
def checkpoint_log(slug: str, checkpoint_id: int):
    """The latest scans at a checkpoint: verdict, delegate, staff, device; pages back."""
    event = event_or_404(slug)
    checkpoint = _checkpoint(event, checkpoint_id)
    before = request.args.get("before", type=int)
    rows = checkin_stats.scan_log(checkpoint, limit=LOG_PAGE, before=before)
    return render_template(
        "admin/checkpoints/log.html",
        event=event,
        checkpoint=checkpoint,
        rows=rows,
        older=rows[-1].id if len(rows) == LOG_PAGE else None,
    )
