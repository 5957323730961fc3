"""Attendance lists: the page, the print view, CSV/XLSX/PDF exports and saved layouts.

Organisers and admins only: a list holds personal data (PIPL). Every print view and
export is written to the audit log with its filters and row count.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.forms.lists import LayoutDeleteForm, LayoutSaveForm, ListForm
from wadconf.forms.review import country_names
from wadconf.i18n import bi
from wadconf.models import Checkpoint, Event, Role
from wadconf.models.schedule import Session
from wadconf.security import roles_required
from wadconf.services import DomainError, list_files, list_layouts, lists
from wadconf.services import registration_queries as queries
from wadconf.services.categories import list_categories
from wadconf.views.admin import bp, event_or_404


def _list_form(event: Event, args: MultiDict) -> ListForm:
    """The list form read from ``args`` with the event's choices; a saved layout fills it."""
    form = ListForm(args)
    form.layout.choices = [("", _l("(none)"))] + [
        (str(layout.id), layout.name) for layout in list_layouts.list_layouts(event)
    ]
    form.session.choices = [("", "")] + [
        (str(s.id), f"{s.starts_at.astimezone(event.zone):%m-%d %H:%M} {bi(s, 'title')}")
        for s in db.session.scalars(
            select(Session).where(Session.event_id == event.id).order_by(Session.starts_at)
        )
    ]
    form.checkpoint.choices = [("", "")] + [
        (str(c.id), bi(c, "name") or c.code)
        for c in db.session.scalars(
            select(Checkpoint)
            .where(Checkpoint.event_id == event.id)
            .order_by(Checkpoint.position, Checkpoint.id)
        )
    ]
    form.category.choices = [("", _l("All categories"))] + [
        (str(c.id), bi(c, "name")) for c in list_categories(event)
    ]
    names = country_names()
    form.country.choices = [("", _l("All countries and regions"))] + [
        (code, names.get(code, code)) for code in queries.countries_in_use(event)
    ]
    form.delegation.choices = [("", _l("All delegations"))] + [
        (str(i.id), f"{i.organisation or bi(i, 'name')} ({i.seats})")
        for i in queries.delegation_invitations(event)
    ]
    layout_id = args.get("layout", "")
    # A layout link (``?layout=3``) or the "Open layout" button fills the form from it.
    if layout_id.isdigit() and ("scope" not in args or "open_layout" in args):
        layout = list_layouts.get_layout(event, int(layout_id))
        if layout is not None:
            form.fill(list_layouts.layout_spec(layout))
    return form


def _spec_and_table(event: Event, args: MultiDict):
    """(form, spec, table) for ``args``; a list that cannot be made is a 404."""
    form = _list_form(event, args)
    form.validate()
    spec = form.to_spec()
    try:
        table = lists.build_list(event, spec)
    except DomainError as exc:
        if exc.code == "list_invalid":
            # A session or checkpoint not chosen yet: show the whole event meanwhile.
            spec.scope, spec.session_id, spec.checkpoint_id = "event", None, None
            table = lists.build_list(event, spec)
        else:
            abort(404)
    return form, spec, table


def _query_string(spec: lists.ListSpec) -> str:
    """``spec`` as the list form's query string (print and export links)."""
    pairs = [
        ("scope", spec.scope),
        ("session", spec.session_id or ""),
        ("checkpoint", spec.checkpoint_id or ""),
        ("status", spec.status),
        ("category", spec.category_id or ""),
        ("organisation", spec.organisation),
        ("country", spec.country),
        ("delegation", spec.delegation_id or ""),
        *[("columns", key) for key in spec.columns],
        ("order", spec.order),
        ("group_by", spec.group_by),
        ("language", spec.language),
        ("orientation", spec.orientation),
        ("title", spec.title),
    ]
    return urlencode([(k, v) for k, v in pairs if v != ""])


#: A sign-in sheet (签到表): who, in both scripts, their organisation, and room to sign.
SIGNIN_COLUMNS = ["number", "name_zh", "name_en", "organisation", "signature"]


def _signin_query(spec: lists.ListSpec) -> str:
    """The same delegates as a sign-in sheet grouped by organisation."""
    return _query_string(
        replace(spec, columns=list(SIGNIN_COLUMNS), group_by=spec.group_by or "organisation")
    )


def _audit(event: Event, spec, table, fmt: str) -> None:
    """Record the export in a write transaction of its own (PIPL: who took which data)."""
    db.session.commit()  # end the read transaction of this GET request
    with write_intent():
        list_files.record_export(event, spec, table, fmt, actor=current_user._get_current_object())
        db.session.commit()


@bp.get("/events/<slug>/lists/")
@roles_required(Role.ORGANIZER)
def lists_page(slug: str):
    """Choose who to list and how; the list below; links to print and export it."""
    event = event_or_404(slug)
    form, spec, table = _spec_and_table(event, request.args)
    return render_template(
        "admin/lists/page.html",
        event=event,
        form=form,
        table=table,
        query=_query_string(spec),
        signin_query=_signin_query(spec),
        save_form=LayoutSaveForm(formdata=None, query=_query_string(spec)),
        delete_form=LayoutDeleteForm(formdata=None),
        layouts=list_layouts.list_layouts(event),
        groups=list_files.html_groups(table),
    )


@bp.get("/events/<slug>/lists/print")
@roles_required(Role.ORGANIZER)
def lists_print(slug: str):
    """The list as a page to print on A4: headers on every page, the time it was made."""
    event = event_or_404(slug)
    _form, spec, table = _spec_and_table(event, request.args)
    _audit(event, spec, table, "print")
    return render_template(
        "admin/lists/print.html",
        event=event,
        table=table,
        query=_query_string(spec),
        groups=list_files.html_groups(table),
        generated=table.generated_at.astimezone(event.zone).strftime("%Y-%m-%d %H:%M"),
    )


@bp.get("/events/<slug>/lists/export")
@roles_required(Role.ORGANIZER)
def lists_export(slug: str):
    """The list as ``?format=csv`` (default), ``xlsx`` or ``pdf``."""
    event = event_or_404(slug)
    fmt = request.args.get("format", "csv")
    if fmt not in list_files.FORMATS:
        abort(404)
    _form, spec, table = _spec_and_table(event, request.args)
    data = list_files.render(table, fmt)
    _audit(event, spec, table, fmt)
    return Response(
        data,
        mimetype=list_files.MIMETYPES[fmt],
        headers={
            "Content-Disposition": (
                f'attachment; filename="{list_files.filename(event, spec, fmt)}"'
            )
        },
    )


@bp.post("/events/<slug>/lists/layouts")
@roles_required(Role.ORGANIZER)
def lists_layout_save(slug: str):
    """Save the list's current choice as a named layout (same name: replaced)."""
    event = event_or_404(slug)
    form = LayoutSaveForm()
    back = url_for("admin.lists_page", slug=slug)
    if not form.validate():
        flash(_l("Give the layout a name."), "error")
        return redirect(back)
    args = MultiDict(parse_qsl(form.query.data or "", keep_blank_values=False))
    list_form = _list_form(event, args)
    list_form.validate()
    try:
        with write_intent():
            layout = list_layouts.save_layout(
                event, form.name.data, list_form.to_spec(), by=current_user._get_current_object()
            )
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    flash(_l("Layout saved."), "success")
    return redirect(url_for("admin.lists_page", slug=slug, layout=layout.id))


@bp.post("/events/<slug>/lists/layouts/delete")
@roles_required(Role.ORGANIZER)
def lists_layout_delete(slug: str):
    """Delete a saved layout."""
    event = event_or_404(slug)
    form = LayoutDeleteForm()
    back = url_for("admin.lists_page", slug=slug)
    if not form.validate():
        return redirect(back)
    try:
        with write_intent():
            list_layouts.delete_layout(
                event, form.layout_id.data, by=current_user._get_current_object()
            )
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    flash(_l("Layout deleted."), "success")
    return redirect(back)
