"""Publicity materials: organisers upload them, reporters and the public download them."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from wadconf.extensions import db
from wadconf.models import Event, Material, MaterialLanguage, StaffUser
from wadconf.services import DomainError, audit
from wadconf.services.uploads import MATERIAL_KINDS, delete_stored, store_upload

AREA = "materials"


def _titles(title_zh: str, title_en: str) -> tuple[str, str]:
    title_zh, title_en = (title_zh or "").strip(), (title_en or "").strip()
    if not title_zh and not title_en:
        raise DomainError(
            "material_title_missing", _("Give a title in Chinese or in English."), field="title_zh"
        )
    return title_zh, title_en


def add_material(
    event: Event,
    file,
    *,
    title_zh: str,
    title_en: str,
    language: str,
    description: str = "",
    is_published: bool = True,
    by: StaffUser | None = None,
) -> Material:
    """Check and store ``file`` as a new material of ``event`` (flushed, audited).

    The file is written before the row; if the flush fails the caller's rollback leaves an
    orphan file, which is harmless (never served) and rarer than the reverse.
    """
    title_zh, title_en = _titles(title_zh, title_en)
    stored = store_upload(
        file,
        allowed=MATERIAL_KINDS,
        area=AREA,
        max_bytes=int(current_app.config.get("MATERIAL_MAX_BYTES", 100 * 1024 * 1024)),
    )
    material = Material(
        event_id=event.id,
        title_zh=title_zh,
        title_en=title_en,
        language=MaterialLanguage(language),
        description=(description or "").strip(),
        storage_key=stored.storage_key,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        is_published=is_published,
        uploaded_by_id=by.id if by else None,
    )
    db.session.add(material)
    db.session.flush()
    audit.record(
        "material.add",
        obj=material,
        actor=by,
        details={"name": stored.original_name, "size": stored.size, "sha256": stored.sha256},
    )
    return material


def update_material(
    material: Material,
    *,
    title_zh: str,
    title_en: str,
    language: str,
    description: str,
    is_published: bool,
    by: StaffUser | None = None,
) -> bool:
    """Change a material's titles, language, description or visibility; whether it changed."""
    title_zh, title_en = _titles(title_zh, title_en)
    new = {
        "title_zh": title_zh,
        "title_en": title_en,
        "language": MaterialLanguage(language),
        "description": (description or "").strip(),
        "is_published": bool(is_published),
    }
    changes = {
        key: [str(getattr(material, key)), str(value)]
        for key, value in new.items()
        if getattr(material, key) != value
    }
    if not changes:
        return False
    for key, value in new.items():
        setattr(material, key, value)
    db.session.flush()
    audit.record("material.update", obj=material, actor=by, details={"changes": changes})
    return True


def set_published(material: Material, published: bool, *, by: StaffUser | None = None) -> bool:
    """Publish or unpublish; whether anything changed."""
    if material.is_published == published:
        return False
    material.is_published = published
    db.session.flush()
    audit.record("material.publish" if published else "material.unpublish", obj=material, actor=by)
    return True


def delete_material(material: Material, *, by: StaffUser | None = None) -> None:
    """Delete the row now; the file goes after the commit (see :func:`purge_file`)."""
    audit.record(
        "material.delete",
        obj=material,
        actor=by,
        details={"name": material.original_name, "downloads": material.download_count},
    )
    db.session.delete(material)
    db.session.flush()


def purge_file(storage_key: str) -> None:
    """Remove a deleted material's file; called once the deletion is committed."""
    delete_stored(storage_key)


def list_materials(event: Event, *, published_only: bool) -> list[Material]:
    """The event's materials in page order."""
    query = select(Material).where(Material.event_id == event.id)
    if published_only:
        query = query.where(Material.is_published.is_(True))
    query = query.order_by(Material.position, Material.created_at.desc(), Material.id.desc())
    return list(db.session.scalars(query))


def get_material(event: Event, material_id: int) -> Material | None:
    """``event``'s material ``material_id`` (None for another event's)."""
    material = db.session.get(Material, material_id)
    return material if material is not None and material.event_id == event.id else None


def published_by_token(token: str) -> Material | None:
    """The published material named ``token`` in a URL, else None."""
    if not token or len(token) > 40:
        return None
    return db.session.scalar(
        select(Material).where(Material.token == token, Material.is_published.is_(True))
    )


def count_download(material: Material) -> None:
    """Add one download in the database itself: two downloads at once both count."""
    db.session.execute(
        update(Material)
        .where(Material.id == material.id)
        .values(download_count=Material.download_count + 1)
        .execution_options(synchronize_session=False)
    )
