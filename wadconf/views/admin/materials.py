"""Admin pages: publicity materials of an event (upload, edit, unpublish, delete)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.materials import ActionForm, MaterialEditForm, MaterialUploadForm
from wadconf.models import Event, Material, Role
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import materials as service
from wadconf.services.uploads import send_stored
from wadconf.views.admin import bp, event_or_404


def _material(event: Event, material_id: int) -> Material:
    material = service.get_material(event, material_id)
    if material is None:
        abort(404)
    return material


def _show_error(form, exc: DomainError) -> None:
    """Upload refusals go under the file field, title ones under the title."""
    name = str(exc.params.get("field") or ("file" if exc.code.startswith("upload_") else ""))
    field = getattr(form, name, None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def _page(event: Event, form: MaterialUploadForm | None = None):
    if form is None:
        form = MaterialUploadForm(formdata=None, is_published=True)
    max_mb = int(current_app.config["MATERIAL_MAX_BYTES"]) // (1024 * 1024)
    return render_template(
        "admin/materials/index.html",
        event=event,
        materials=service.list_materials(event, published_only=False),
        form=form,
        action_form=ActionForm(),
        max_mb=max_mb,
    )


@bp.get("/events/<slug>/materials/")
@roles_required(Role.ORGANIZER)
def materials(slug: str):
    """The event's materials with their download counts, and the upload form."""
    return _page(event_or_404(slug))


@bp.post("/events/<slug>/materials/")
@roles_required(Role.ORGANIZER)
def material_upload(slug: str):
    """Upload a new material."""
    event = event_or_404(slug)
    form = MaterialUploadForm()
    if form.validate_on_submit():
        try:
            service.add_material(
                event,
                form.file.data,
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                language=form.language.data,
                description=form.description.data or "",
                is_published=form.is_published.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("The material was uploaded."), "success")
            return redirect(url_for("admin.materials", slug=slug))
    return _page(event, form)


@bp.route("/events/<slug>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def material_edit(slug: str, material_id: int):
    """Change a material's titles, language, description or visibility."""
    event = event_or_404(slug)
    material = _material(event, material_id)
    form = MaterialEditForm(obj=material)
    if form.validate_on_submit():
        try:
            changed = service.update_material(
                material,
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                language=form.language.data,
                description=form.description.data or "",
                is_published=form.is_published.data,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("admin.materials", slug=slug))
    return render_template("admin/materials/edit.html", event=event, material=material, form=form)


@bp.post("/events/<slug>/materials/<int:material_id>/unpublish")
@roles_required(Role.ORGANIZER)
def material_unpublish(slug: str, material_id: int):
    """Hide a material from reporters and the public (it stays here)."""
    event = event_or_404(slug)
    material = _material(event, material_id)
    if ActionForm().validate_on_submit():
        service.set_published(material, False, by=current_user)
        db.session.commit()
        flash(_l("The material is no longer published."), "success")
    return redirect(url_for("admin.materials", slug=slug))


@bp.post("/events/<slug>/materials/<int:material_id>/publish")
@roles_required(Role.ORGANIZER)
def material_publish(slug: str, material_id: int):
    """Show a material to reporters and the public again."""
    event = event_or_404(slug)
    material = _material(event, material_id)
    if ActionForm().validate_on_submit():
        service.set_published(material, True, by=current_user)
        db.session.commit()
        flash(_l("The material is published."), "success")
    return redirect(url_for("admin.materials", slug=slug))


@bp.post("/events/<slug>/materials/<int:material_id>/delete")
@roles_required(Role.ORGANIZER)
def material_delete(slug: str, material_id: int):
    """Delete a material and its file."""
    event = event_or_404(slug)
    material = _material(event, material_id)
    if ActionForm().validate_on_submit():
        key = material.storage_key
        service.delete_material(material, by=current_user)
        db.session.commit()
        service.purge_file(key)  # after the commit: a rolled-back delete keeps its file
        flash(_l("The material was deleted."), "success")
    return redirect(url_for("admin.materials", slug=slug))


@bp.get("/events/<slug>/materials/<int:material_id>/file")
@roles_required(Role.ORGANIZER)
def material_file(slug: str, material_id: int):
    """Download a material as organisers (published or not; not counted)."""
    event = event_or_404(slug)
    return send_stored(_material(event, material_id))
