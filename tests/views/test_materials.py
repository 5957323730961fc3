"""Materials pages: organisers upload and manage; reporters and the public download, counted."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.services import upload_samples as samples
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, Material
from wadconf.services import materials as service


@pytest.fixture
def make_material(app):
    """``make_material(event, **fields)`` -> the id and token of a stored PDF material."""

    def make(event, **fields):
        from werkzeug.datastructures import FileStorage

        fields.setdefault("title_zh", "世界认可日海报")
        fields.setdefault("title_en", "World Accreditation Day poster")
        fields.setdefault("language", "both")
        with app.test_request_context():
            material = service.add_material(
                db.session.get(Event, event.id),
                FileStorage(stream=io.BytesIO(samples.PDF), filename="海报.pdf"),
                **fields,
            )
            db.session.commit()
            return material.id, material.token

    return make


def _login(auth, make_user, role):
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


def _downloads(app, material_id: int) -> int:
    with app.app_context():
        return db.session.get(Material, material_id).download_count


# --- public page and downloads -------------------------------------------------------------


def test_public_page_lists_published_materials_without_login(client, make_event, make_material):
    event = make_event()
    make_material(event)
    make_material(event, title_en="Secret draft", is_published=False)
    page = client.get(f"/materials/{event.slug}/").get_data(as_text=True)
    assert "世界认可日海报" in page
    assert "Secret draft" not in page


def test_public_page_shows_english_title_first_in_english(client, make_event, make_material):
    event = make_event()
    make_material(event)
    page = client.get(f"/materials/{event.slug}/?lang=en", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert text.index("World Accreditation Day poster") < text.index("世界认可日海报")


def test_download_uses_token_not_id_and_counts(app, client, make_event, make_material):
    event = make_event()
    material_id, token = make_material(event)
    page = client.get(f"/materials/{event.slug}/").get_data(as_text=True)
    assert f"/materials/file/{token}" in page
    response = client.get(f"/materials/file/{token}")
    assert response.status_code == 200
    assert response.get_data() == samples.PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    client.get(f"/materials/file/{token}")
    assert _downloads(app, material_id) == 2


def test_download_by_id_is_not_found(client, make_event, make_material):
    event = make_event()
    material_id, _token = make_material(event)
    assert client.get(f"/materials/file/{material_id}").status_code == 404


def test_unpublished_material_cannot_be_downloaded(app, client, make_event, make_material):
    event = make_event()
    material_id, token = make_material(event, is_published=False)
    assert client.get(f"/materials/file/{token}").status_code == 404
    assert _downloads(app, material_id) == 0


def test_reporter_downloads_materials(client, auth, make_user, make_event, make_material):
    event = make_event()
    _id, token = make_material(event)
    _login(auth, make_user, "reporter")
    assert client.get(f"/materials/file/{token}").status_code == 200


def test_unknown_event_has_no_materials_page(client):
    assert client.get("/materials/nosuch/").status_code == 404


# --- organisers ----------------------------------------------------------------------------


def test_organiser_uploads_a_material(app, client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user, "organizer")
    response = client.post(
        f"/admin/events/{event.slug}/materials/",
        data={
            "title_zh": "宣传册",
            "title_en": "Leaflet",
            "language": "zh_Hans",
            "is_published": "y",
            "file": (io.BytesIO(samples.png()), "leaflet.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        material = db.session.scalar(select(Material))
        assert (material.title_en, material.content_type) == ("Leaflet", "image/png")
        assert material.is_published


def test_disguised_upload_shows_its_reason_under_the_file(app, client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user, "organizer")
    response = client.post(
        f"/admin/events/{event.slug}/materials/",
        data={"title_en": "X", "language": "en", "file": (io.BytesIO(samples.png()), "x.docx")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "The file name says DOCX but the file is really PNG." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Material)) is None


def test_organiser_unpublishes_and_deletes(app, client, auth, make_user, make_event, make_material):
    event = make_event()
    material_id, token = make_material(event)
    _login(auth, make_user, "organizer")
    base = f"/admin/events/{event.slug}/materials/{material_id}"
    assert client.post(f"{base}/unpublish").status_code == 302
    assert client.get(f"/materials/file/{token}").status_code == 404
    assert client.post(f"{base}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Material, material_id) is None
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"material.unpublish", "material.delete"} <= actions


def test_organiser_downloads_unpublished_without_counting(
    app, client, auth, make_user, make_event, make_material
):
    event = make_event()
    material_id, _token = make_material(event, is_published=False)
    _login(auth, make_user, "organizer")
    response = client.get(f"/admin/events/{event.slug}/materials/{material_id}/file")
    assert response.status_code == 200 and response.get_data() == samples.PDF
    assert _downloads(app, material_id) == 0


def test_organiser_edits_titles(app, client, auth, make_user, make_event, make_material):
    event = make_event()
    material_id, _token = make_material(event)
    _login(auth, make_user, "organizer")
    response = client.post(
        f"/admin/events/{event.slug}/materials/{material_id}/edit",
        data={"title_zh": "新海报", "title_en": "", "language": "zh_Hans", "is_published": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Material, material_id).title_zh == "新海报"


def test_material_of_another_event_is_404_in_admin(
    client, auth, make_user, make_event, make_material
):
    first, second = make_event(), make_event()
    material_id, _token = make_material(first)
    _login(auth, make_user, "organizer")
    assert (
        client.get(f"/admin/events/{second.slug}/materials/{material_id}/edit").status_code == 404
    )


@pytest.mark.parametrize("role", ["reporter", "checkin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("POST", ""),
        ("GET", "/{id}/edit"),
        ("POST", "/{id}/unpublish"),
        ("POST", "/{id}/publish"),
        ("POST", "/{id}/delete"),
        ("GET", "/{id}/file"),
    ],
)
def test_materials_admin_is_closed_to_reporters_and_gate_staff(
    app, client, auth, make_user, make_event, make_material, role, method, path
):
    event = make_event()
    material_id, _token = make_material(event)
    _login(auth, make_user, role)
    url = f"/admin/events/{event.slug}/materials/" + path.format(id=material_id).lstrip("/")
    if path:
        url = f"/admin/events/{event.slug}/materials{path.format(id=material_id)}"
    assert client.open(url, method=method).status_code == 403
    assert _downloads(app, material_id) == 0
    with app.app_context():
        assert db.session.get(Material, material_id).is_published


def test_resumed_download_is_not_counted_again(app, client, make_event, make_material):
    event = make_event()
    material_id, token = make_material(event)
    response = client.get(f"/materials/file/{token}", headers={"Range": "bytes=10-"})
    assert response.status_code == 206
    client.head(f"/materials/file/{token}")
    assert _downloads(app, material_id) == 0
