"""Organisers import invitations through the admin pages: upload, preview, confirm."""

from __future__ import annotations

import io
import re
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import build_app
from tests.factories import PASSWORD
from tests.services.test_imports import csv_bytes, person, xlsx_bytes
from wadconf.extensions import db
from wadconf.models import AuditEntry, Invitation

EN = {"Accept-Language": "en"}
_instances = count(1)


@pytest.fixture
def event(make_event):
    """An event to import into."""
    return make_event()


@pytest.fixture
def organiser(client, auth, make_user):
    """The client, logged in as an organiser."""
    user = make_user("organizer")
    assert auth.login(user.email).status_code == 302
    return user


def url(event, suffix: str = "") -> str:
    """The import page of ``event`` (or one of its sub-pages)."""
    return f"/admin/events/{event.slug}/invitations/import{suffix}"


def upload(client, event, data: bytes, name: str = "list.csv", **extra):
    """POST a file to the upload form."""
    return client.post(
        url(event),
        data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
        headers=EN,
    )


def upload_key(response) -> str:
    """The upload named by the confirm form of a preview page."""
    match = re.search(r'name="upload"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no confirm form on the page"
    return match.group(1)


def invitation_count(app) -> int:
    """Invitations in the database."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def stored_uploads(app) -> list[Path]:
    """Files waiting between preview and confirm."""
    folder = Path(app.instance_path) / "imports"
    return list(folder.glob("*")) if folder.exists() else []


def test_upload_page_shows_the_form_and_documents_the_columns(client, organiser, event):
    page = client.get(url(event), headers=EN).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page
    for column in ("name_zh", "中文姓名", "邮箱", "expires"):
        assert column in page
    assert "专家学者" in page  # the event's categories


def test_upload_shows_a_preview_with_counts_and_writes_nothing(app, client, organiser, event):
    response = upload(client, event, csv_bytes([person(1), person(2)]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "New invitations: 2" in page and "Bad rows: 0" in page
    assert "代表1" in page and "person2@example.org" in page
    assert invitation_count(app) == 0
    assert len(stored_uploads(app)) == 1


def test_confirm_imports_the_previewed_file_and_removes_it(app, client, organiser, event):
    key = upload_key(upload(client, event, csv_bytes([person(1), person(2)])))
    response = client.post(url(event, "/confirm"), data={"upload": key}, headers=EN)
    assert response.status_code == 302
    assert invitation_count(app) == 2
    assert stored_uploads(app) == []
    assert "2 invitations were imported" in client.get(
        response.headers["Location"], headers=EN
    ).get_data(as_text=True)


def test_import_is_audited_as_the_organiser(app, client, organiser, event):
    key = upload_key(upload(client, event, csv_bytes([person(1)])))
    client.post(url(event, "/confirm"), data={"upload": key})
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.import")
        )
    assert entry.actor_id == organiser.id and entry.details["file"] == "list.csv"


def test_xlsx_upload_is_previewed(client, organiser, event):
    response = upload(client, event, xlsx_bytes([person(1)]), name="list.xlsx")
    assert "New invitations: 1" in response.get_data(as_text=True)


def test_preview_lists_every_bad_row_and_offers_no_confirm(app, client, organiser, event):
    data = csv_bytes([person(1, email="wrong"), person(2), person(3, category="astronaut")])
    page = upload(client, event, data).get_data(as_text=True)
    assert "Nothing was imported" in page and "Bad rows: 2" in page
    assert re.search(r'data-code="bad_email"><td>2</td><td>email</td>', page)
    assert re.search(r'data-code="unknown_category"><td>4</td><td>category</td>', page)
    assert 'name="upload"' not in page
    assert stored_uploads(app) == []


def test_preview_of_an_already_imported_file_offers_nothing_to_import(client, organiser, event):
    data = csv_bytes([person(1)])
    client.post(url(event, "/confirm"), data={"upload": upload_key(upload(client, event, data))})
    page = upload(client, event, data).get_data(as_text=True)
    assert "Already invited (skipped): 1" in page and 'name="upload"' not in page


def test_preview_escapes_markup_in_cells(client, organiser, event):
    page = upload(client, event, csv_bytes([person(1, organisation="<script>alert(1)</script>")]))
    text = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_preview_masks_mobile_numbers(client, organiser, event):
    response = upload(client, event, csv_bytes([person(1, mobile="13812345678")]))
    text = response.get_data(as_text=True)
    assert "13812345678" not in text and "+86138****5678" in text


def test_not_a_spreadsheet_is_refused_with_a_translated_message(app, client, organiser, event):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
    response = upload(client, event, png, name="list.csv")
    assert response.status_code == 200
    assert "This file is not a CSV or XLSX spreadsheet." in response.get_data(as_text=True)
    assert invitation_count(app) == 0 and stored_uploads(app) == []


def test_upload_without_a_file_asks_for_one(client, organiser, event):
    response = client.post(url(event), data={}, content_type="multipart/form-data", headers=EN)
    assert "Choose a file to import." in response.get_data(as_text=True)


class CountingStream(io.RawIOBase):
    """A multipart body with one file part of ``size`` bytes, made up as it is read.

    ``read_bytes`` counts what the server read.
    """

    HEAD = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    TAIL = b"\r\n--x--\r\n"

    def __init__(self, size: int):
        self.size = len(self.HEAD) + size + len(self.TAIL)
        self.position = self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking to its end

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def _byte(self, i: int) -> int:
        if i < len(self.HEAD):
            return self.HEAD[i]
        tail_start = self.size - len(self.TAIL)
        return self.TAIL[i - tail_start] if i >= tail_start else ord("a")

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self.position))
        start = self.position
        if start >= len(self.HEAD) and start + n <= self.size - len(self.TAIL):
            buffer[:n] = b"a" * n  # the bulk: fast path
        else:
            buffer[:n] = bytes(self._byte(i) for i in range(start, start + n))
        self.position += n
        self.read_bytes += n
        return n


def test_fifty_megabyte_upload_is_refused_without_reading_it(app, client, organiser, event):
    body = CountingStream(50 * 1024 * 1024)
    response = client.post(
        url(event), input_stream=body, headers=EN, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 413
    assert "The file is larger than 5 MB." in response.get_data(as_text=True)
    assert body.read_bytes < 1024 * 1024
    assert invitation_count(app) == 0


def test_large_file_part_reaches_the_view_when_under_the_limit(app, client, organiser, event):
    # The counterpart of the test above: the same body, allowed, is read in full and
    # turned down by content, so the 413 above comes from the limit and not the body.
    app.config["IMPORT_MAX_BYTES"] = 60 * 1024 * 1024
    body = CountingStream(6 * 1024 * 1024)
    response = client.post(
        url(event), input_stream=body, headers=EN, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 200
    assert body.read_bytes == body.size
    # One 6 MB line of "a": longer than any CSV cell may be.
    assert "This file is not a CSV or XLSX spreadsheet." in response.get_data(as_text=True)


def test_file_just_over_the_limit_is_refused_after_upload(app, client, organiser, event):
    app.config["IMPORT_MAX_BYTES"] = 2000
    data = csv_bytes([person(n) for n in range(40)])
    assert 2000 < len(data) < 2000 + 64 * 1024
    text = upload(client, event, data).get_data(as_text=True)
    assert "The file is larger than" in text
    assert stored_uploads(app) == []


def test_confirm_without_a_preview_imports_nothing(app, client, organiser, event):
    response = client.post(url(event, "/confirm"), data={"upload": "A" * 32}, headers=EN)
    assert response.status_code == 302
    assert invitation_count(app) == 0


def test_confirm_of_an_older_preview_imports_nothing(app, client, organiser, event):
    first = upload_key(upload(client, event, csv_bytes([person(1)])))
    upload(client, event, csv_bytes([person(2)]))  # a newer upload replaces the first
    client.post(url(event, "/confirm"), data={"upload": first})
    assert invitation_count(app) == 0


def test_confirm_rechecks_the_file_and_imports_nothing_if_a_row_became_bad(
    app, client, organiser, event, make_invitation
):
    key = upload_key(upload(client, event, csv_bytes([person(1), person(2)])))
    make_invitation(event, email="person2@example.org", name_en="Another Person")
    response = client.post(url(event, "/confirm"), data={"upload": key}, headers=EN)
    assert response.status_code == 200
    assert "duplicate_existing" in response.get_data(as_text=True)
    assert invitation_count(app) == 1


def test_another_organisers_upload_cannot_be_confirmed(app, event, make_user, organiser, client):
    key = upload_key(upload(client, event, csv_bytes([person(1)])))
    other = app.test_client()
    someone = make_user("organizer")
    other.post("/login", data={"email": someone.email, "password": PASSWORD})
    other.post(url(event, "/confirm"), data={"upload": key})
    assert invitation_count(app) == 0


def test_template_is_csv_with_bom_and_bilingual_headers(client, organiser, event):
    response = client.get(url(event, "/template.csv"))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "中文姓名 (name_zh)" in response.data.decode("utf-8-sig")


def test_checkin_staff_cannot_upload(app, client, auth, make_user, event):
    user = make_user("checkin")
    auth.login(user.email)
    assert upload(client, event, csv_bytes([person(1)])).status_code == 403
    assert stored_uploads(app) == []


def test_unknown_event_is_not_found(client, organiser):
    assert client.get("/admin/events/nope/invitations/import").status_code == 404


def page_token(client, path: str) -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def secured_client(backend, database_urls, tmp_path, make_user, app):
    """A client of an app with CSRF protection on, logged in as an organiser."""
    secured = build_app(
        database_urls[backend], tmp_path / f"csrf{next(_instances)}", WTF_CSRF_ENABLED=True
    )
    user = make_user("organizer")
    client = secured.test_client()
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": page_token(client, "/login"),
        },
    )
    return client


def test_upload_without_csrf_token_is_refused(secured_client, event):
    response = upload(secured_client, event, csv_bytes([person(1)]))
    assert response.status_code == 400
    assert "New invitations" not in response.get_data(as_text=True)


def test_upload_with_csrf_token_is_accepted(secured_client, event):
    token = page_token(secured_client, url(event))
    accepted = upload(secured_client, event, csv_bytes([person(1)]), csrf_token=token)
    assert "New invitations: 1" in accepted.get_data(as_text=True)


def test_confirm_without_csrf_token_imports_nothing(app, secured_client, event):
    token = page_token(secured_client, url(event))
    key = upload_key(upload(secured_client, event, csv_bytes([person(1)]), csrf_token=token))
    response = secured_client.post(url(event, "/confirm"), data={"upload": key})
    assert response.status_code == 400
    assert invitation_count(app) == 0


def test_fifty_megabytes_are_refused_before_the_csrf_check_reads_them(secured_client, event):
    # With CSRF on, Flask-WTF reads the form before the view runs: the limit must already hold.
    body = CountingStream(50 * 1024 * 1024)
    response = secured_client.post(
        url(event), input_stream=body, headers=EN, content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 413
    assert body.read_bytes < 1024 * 1024
