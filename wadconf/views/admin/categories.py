"""The editable list of delegate categories of an event."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm, CategoryForm, NewCategoryForm
from wadconf.models import DelegateCategory, Event, Role
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import categories as service
from wadconf.views.admin import bp, event_or_404


def _category(event: Event, category_id: int) -> DelegateCategory:
    """``event``'s category ``category_id``, else 404 (another event's id included)."""
    category = service.get_category(event, category_id)
    if category is None:
        abort(404)
    return category


def _page(
    event: Event,
    *,
    edited: tuple[int, CategoryForm] | None = None,
    new_form: NewCategoryForm | None = None,
):
    """The page; a form that failed keeps what was typed, the others show stored values."""
    categories = service.list_categories(event)
    forms = {c.id: CategoryForm(formdata=None, obj=c, prefix=f"c{c.id}") for c in categories}
    if edited is not None:
        forms[edited[0]] = edited[1]
    return render_template(
        "admin/categories.html",
        event=event,
        categories=categories,
        forms=forms,
        new_form=new_form or NewCategoryForm(formdata=None, prefix="new"),
        action_form=ActionForm(),
    )


def _show_error(form: CategoryForm, exc: DomainError) -> None:
    """Put the refusal under the field it concerns, else at the top of the page."""
    field = getattr(form, str(exc.params.get("field", "")), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@bp.get("/events/<slug>/categories/")
@roles_required(Role.ORGANIZER)
def categories(slug: str):
    """The event's delegate categories, each editable in place."""
    return _page(event_or_404(slug))


@bp.post("/events/<slug>/categories/<int:category_id>")
@roles_required(Role.ORGANIZER)
def category_update(slug: str, category_id: int):
    """Rename a category, change its colour or approval rule."""
    event = event_or_404(slug)
    category = _category(event, category_id)
    form = CategoryForm(prefix=f"c{category.id}")
    if form.validate_on_submit():
        try:
            changed = service.update_category(
                category,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                colour=form.colour.data,
                requires_approval=form.requires_approval.data,
                highlight_arrivals=form.highlight_arrivals.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.categories", slug=slug))
    return _page(event, edited=(category.id, form))


@bp.post("/events/<slug>/categories/new")
@roles_required(Role.ORGANIZER)
def category_new(slug: str):
    """Add a category at the end of the list."""
    event = event_or_404(slug)
    form = NewCategoryForm(prefix="new")
    if form.validate_on_submit():
        try:
            service.add_category(
                event,
                code=form.code.data,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                colour=form.colour.data,
                requires_approval=form.requires_approval.data,
                highlight_arrivals=form.highlight_arrivals.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The category was added."), "success")
            return redirect(url_for("admin.categories", slug=slug))
    return _page(event, new_form=form)


@bp.post("/events/<slug>/categories/<int:category_id>/move")
@roles_required(Role.ORGANIZER)
def category_move(slug: str, category_id: int):
    """Move a category one place up (``direction=up``) or down."""
    event = event_or_404(slug)
    category = _category(event, category_id)
    if ActionForm().validate_on_submit():
        offset = -1 if request.form.get("direction") == "up" else 1
        if service.move_category(category, offset, by=current_user):
            db.session.commit()
    return redirect(url_for("admin.categories", slug=slug))
