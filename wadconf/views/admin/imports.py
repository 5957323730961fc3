"""Importing invitations from a file: upload, preview, confirm.

Between preview and confirm the upload waits in ``instance/imports/`` under a random
name that only this browser's session knows; the confirmation re-reads and re-checks
that file, so nothing the client sends back (row lists, counts) is trusted.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from wadconf.database import set_begin_immediate
from wadconf.extensions import db
from wadconf.forms.imports import ImportConfirmForm, ImportUploadForm
from wadconf.models import Event, Role
from wadconf.security import roles_required
from wadconf.services import DomainError, import_files, imports
from wadconf.services.categories import list_categories
from wadconf.views.admin import bp, event_or_404

SESSION_KEY = "invitation_import"
#: Uploads never confirmed are removed after this many seconds.
STALE_SECONDS = 24 * 3600
#: Room for the multipart envelope around the file itself.
MULTIPART_SLACK = 64 * 1024
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _upload_dir() -> Path:
    """``instance/imports``, readable by the server's user only."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _upload_path(key: str) -> Path | None:
    """Where upload ``key`` is stored; ``None`` for anything that is not one of our keys."""
    return _upload_dir() / f"{key}.upload" if _KEY_RE.match(key or "") else None


def _forget_upload() -> None:
    """Delete this session's pending upload, if any."""
    stored = session.pop(SESSION_KEY, None)
    path = _upload_path(stored.get("key", "")) if isinstance(stored, dict) else None
    if path is not None:
        path.unlink(missing_ok=True)


def _remove_stale_uploads() -> None:
    """Delete uploads abandoned at the preview (closed tab, lost session)."""
    limit = time.time() - STALE_SECONDS
    for path in _upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass  # another worker removed it first


def _upload_page(event: Event, form: ImportUploadForm, status: int = 200):
    """The upload form, with the columns and the event's categories documented."""
    return render_template(
        "admin/imports/upload.html",
        event=event,
        form=form,
        columns=import_files.COLUMNS,
        column_help=import_files.COLUMN_HELP,
        categories=list_categories(event),
        max_mb=import_files.max_megabytes(),
    ), status


def _preview_page(event: Event, plan: imports.ImportPlan, *, key: str | None, file_name: str):
    """Counts, problems and first rows; a confirm button only when ``key`` names an upload."""
    confirm = ImportConfirmForm(formdata=None, upload=key) if key else None
    return render_template(
        "admin/imports/preview.html",
        event=event,
        plan=plan,
        confirm=confirm,
        file_name=file_name,
        preview_rows=plan.rows[: imports.PREVIEW_ROWS],
    )


@bp.url_value_preprocessor
def _limit_import_upload(endpoint: str | None, values: dict | None) -> None:
    """Cap the upload body before anything reads it.

    URL value preprocessors run before ``before_request`` functions, and CSRFProtect
    reads the form in one of those: setting the limit in the view would be too late.
    With the limit set, Werkzeug refuses a larger ``Content-Length`` without reading
    the body, and stops a chunked body at the limit.
    """
    if endpoint == "admin.invitations_import":
        request.max_content_length = import_files.max_bytes() + MULTIPART_SLACK


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(exc: RequestEntityTooLarge):
    """On the import page, say how large a file may be; elsewhere the usual 413 page."""
    if request.endpoint != "admin.invitations_import" or not current_user.is_authenticated:
        from wadconf.views import render_error  # here: wadconf.views imports this package

        return render_error(413)
    event = event_or_404((request.view_args or {}).get("slug", ""))
    form = ImportUploadForm(formdata=None)
    form.file.errors = [import_files.too_large_message()]
    return _upload_page(event, form, 413)


@bp.route("/events/<slug>/invitations/import", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def invitations_import(slug: str):
    """Upload a file of invitations; a valid upload is checked and shown as a preview."""
    event = event_or_404(slug)
    form = ImportUploadForm()
    if form.validate_on_submit():
        _forget_upload()
        _remove_stale_uploads()
        key = secrets.token_urlsafe(24)
        path = _upload_path(key)
        upload = form.file.data
        upload.save(path)
        file_name = (upload.filename or "")[:200]
        # The preview only reads. End the write transaction this POST began and check in
        # a deferred one, so check-in scans need not wait while a large file is checked.
        db.session.commit()
        set_begin_immediate(False)
        try:
            plan = imports.check_file(event, path)
        except DomainError as exc:
            path.unlink(missing_ok=True)
            form.file.errors = [exc.message]
        else:
            if not plan.ok or not plan.count("new"):
                path.unlink(missing_ok=True)  # nothing to confirm: keep nothing
                return _preview_page(event, plan, key=None, file_name=file_name)
            session[SESSION_KEY] = {"key": key, "event": event.id, "name": file_name}
            return _preview_page(event, plan, key=key, file_name=file_name)
    return _upload_page(event, form)


@bp.post("/events/<slug>/invitations/import/confirm")
@roles_required(Role.ORGANIZER)
def invitations_import_confirm(slug: str):
    """Import the previewed file: every row, or none if a row has become bad meanwhile."""
    event = event_or_404(slug)
    form = ImportConfirmForm()
    stored = session.get(SESSION_KEY)
    path = _upload_path(form.upload.data or "")
    if (
        not form.validate_on_submit()
        or not isinstance(stored, dict)
        or path is None
        or stored.get("key") != form.upload.data
        or stored.get("event") != event.id
        or not path.exists()
    ):
        # Another tab uploaded a newer file, the session ended, or the form was forged.
        flash(_l("This preview is no longer available. Upload the file again."), "error")
        return redirect(url_for("admin.invitations_import", slug=event.slug))
    file_name = stored.get("name", "")
    try:
        plan = imports.import_invitations(event, path, by=current_user, source_name=file_name)
    except DomainError as exc:
        db.session.rollback()
        _forget_upload()
        flash(exc.message, "error")
        return redirect(url_for("admin.invitations_import", slug=event.slug))
    if not plan.ok:
        # Someone invited one of these people differently since the preview.
        db.session.rollback()
        _forget_upload()
        return _preview_page(event, plan, key=None, file_name=file_name)
    db.session.commit()
    _forget_upload()
    flash(
        _l(
            "%(added)d invitations were imported as drafts; %(skipped)d already invited "
            "were skipped.",
            added=plan.added,
            skipped=plan.count("existing"),
        ),
        "success",
    )
    # The invitation list, once the invitations pages exist; until then back to the import.
    target = "admin.invitations"
    if target not in current_app.view_functions:
        target = "admin.invitations_import"
    return redirect(url_for(target, slug=event.slug))


@bp.get("/events/<slug>/invitations/import/template.csv")
@roles_required(Role.ORGANIZER)
def invitations_import_template(slug: str):
    """An empty sheet with the accepted columns, headed in Chinese and English."""
    event = event_or_404(slug)
    return Response(
        import_files.template_csv(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="invitations-{event.slug}.csv"',
        },
    )
