"""Publicity materials: upload, edit, publish, delete, counted downloads."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from tests.services import upload_samples as samples
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, Material
from wadconf.services import DomainError
from wadconf.services import materials as service
from wadconf.services.uploads import open_stored


def _file(data: bytes = samples.PDF, name: str = "poster.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _add(event, **fields) -> Material:
    fields.setdefault("title_zh", "海报")
    fields.setdefault("title_en", "Poster")
    fields.setdefault("language", "both")
    return service.add_material(db.session.get(Event, event.id), _file(), **fields)


def test_add_material_stores_file_and_audits(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        db.session.commit()
        assert open_stored(material.storage_key).read_bytes() == samples.PDF
        assert material.content_type == "application/pdf" and material.download_count == 0
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "material.add" in actions


def test_material_needs_a_title(app, make_event):
    event = make_event()
    with app.test_request_context(), pytest.raises(DomainError) as excinfo:
        _add(event, title_zh=" ", title_en="")
    assert excinfo.value.code == "material_title_missing"


def test_material_may_be_a_pptx_poster_deck(app, make_event):
    deck = samples.zip_bytes(
        {
            "[Content_Types].xml": b"presentationml.presentation.main+xml",
            "ppt/presentation.xml": b"<p:presentation/>",
        }
    )
    event = make_event()
    with app.test_request_context():
        material = service.add_material(
            db.session.get(Event, event.id),
            _file(deck, "slides.pptx"),
            title_zh="",
            title_en="Slides",
            language="en",
        )
    assert material.original_name == "slides.pptx"


def test_disguised_material_is_refused(app, make_event):
    event = make_event()
    with app.test_request_context(), pytest.raises(DomainError) as excinfo:
        service.add_material(
            db.session.get(Event, event.id),
            _file(samples.HTML, "poster.pdf"),
            title_zh="x",
            title_en="",
            language="zh_Hans",
        )
    assert excinfo.value.code == "upload_markup"


def test_materials_have_their_own_size_limit(app, make_event):
    app.config["MATERIAL_MAX_BYTES"] = 50
    event = make_event()
    with app.test_request_context(), pytest.raises(DomainError) as excinfo:
        _add(event)
    assert excinfo.value.code == "upload_too_large"


def test_count_download_adds_one_in_the_database(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        db.session.commit()
        service.count_download(material)
        service.count_download(material)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Material, material.id).download_count == 2


def test_unpublished_material_is_not_found_by_token(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        assert service.published_by_token(material.token) is material
        service.set_published(material, False)
        assert service.published_by_token(material.token) is None


def test_public_list_leaves_out_unpublished(app, make_event):
    event = make_event()
    with app.test_request_context():
        shown = _add(event, title_en="Shown")
        _add(event, title_en="Hidden", is_published=False)
        fresh = db.session.get(Event, event.id)
        assert service.list_materials(fresh, published_only=True) == [shown]
        assert len(service.list_materials(fresh, published_only=False)) == 2


def test_update_records_what_changed(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        changed = service.update_material(
            material,
            title_zh="海报",
            title_en="New poster",
            language="both",
            description="",
            is_published=True,
        )
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.update"))
    assert changed and entry.details["changes"] == {"title_en": ["Poster", "New poster"]}


def test_update_without_change_is_not_audited(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event, description="")
        changed = service.update_material(
            material, title_zh="海报", title_en="Poster", language="both",
            description="", is_published=True,
        )  # fmt: skip
    assert changed is False


def test_delete_then_purge_removes_row_and_file(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        db.session.commit()
        key, material_id = material.storage_key, material.id
        service.delete_material(material)
        db.session.commit()
        service.purge_file(key)
        assert db.session.get(Material, material_id) is None
        with pytest.raises(DomainError):
            open_stored(key)


def test_material_of_another_event_is_not_found(app, make_event):
    first, second = make_event(), make_event()
    with app.test_request_context():
        material = _add(first)
        assert service.get_material(db.session.get(Event, second.id), material.id) is None


def test_count_download_does_not_overwrite_a_count_made_elsewhere(app, make_event):
    event = make_event()
    with app.test_request_context():
        material = _add(event)
        db.session.commit()
        # Another worker counted 5 downloads since this session loaded the row.
        db.session.execute(
            update(Material)
            .where(Material.id == material.id)
            .values(download_count=5)
            .execution_options(synchronize_session=False)
        )
        assert material.download_count == 0  # stale in this session
        service.count_download(material)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Material, material.id).download_count == 6
