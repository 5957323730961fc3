"""List pages: the page, the print view, exports (organisers only, audited) and layouts."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import AuditEntry, ListLayout

EN = {"Accept-Language": "en"}


def _login(auth, make_user, role: str = "organizer"):
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


def _base(event) -> str:
    return f"/admin/events/{event.slug}/lists"


def _audit(app, action: str = "list.export") -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def listed(make_event, make_registration):
    """An event with two delegates, one with a mobile and an e-mail to hide."""
    event = make_event()
    make_registration(
        event, name_zh="王芳", name_en="WANG Fang", mobile="+8613812345678", email="wf@example.org"
    )
    make_registration(event, name_zh="张伟", name_en="ZHANG Wei", organisation="+86 138 0000 0000")
    return event


COLUMNS = "columns=name_zh&columns=phone&columns=organisation"


def test_the_page_lists_delegates_in_stroke_order(client, auth, make_user, listed):
    _login(auth, make_user)
    page = client.get(_base(listed) + "/", headers=EN).get_data(as_text=True)
    assert page.index("王芳") < page.index("张伟")


def test_the_page_masks_phones(client, auth, make_user, listed):
    _login(auth, make_user)
    page = client.get(f"{_base(listed)}/?{COLUMNS}", headers=EN).get_data(as_text=True)
    assert "+86138****5678" in page
    assert "13812345678" not in page


def test_the_print_view_is_audited_and_masks_phones(app, client, auth, make_user, listed):
    _login(auth, make_user)
    response = client.get(f"{_base(listed)}/print?{COLUMNS}&language=zh", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "+86138****5678" in page and "13812345678" not in page
    assert "测试大会" in page  # the event's name heads every printed page
    assert "参会人员名单" in page
    [entry] = _audit(app)
    assert entry.details["format"] == "print" and entry.details["rows"] == 2


def test_csv_export_is_a_download_and_audited(app, client, auth, make_user, listed):
    user = _login(auth, make_user)
    response = client.get(f"{_base(listed)}/export?format=csv&{COLUMNS}", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    assert "+86138****5678" in text and "13812345678" not in text
    [entry] = _audit(app)
    assert entry.actor_id == user.id
    assert entry.details["format"] == "csv" and entry.details["rows"] == 2


def test_xlsx_export_masks_phones_and_keeps_phone_like_text(client, auth, make_user, listed):
    _login(auth, make_user)
    response = client.get(f"{_base(listed)}/export?format=xlsx&{COLUMNS}", headers=EN)
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "+86138****5678" in values
    assert "+86 138 0000 0000" in values
    assert not any("13812345678" in str(v) for v in values)


def test_pdf_export_masks_phones(app, client, auth, make_user, listed):
    _login(auth, make_user)
    response = client.get(f"{_base(listed)}/export?format=pdf&{COLUMNS}", headers=EN)
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    assert "王芳" in text and "****5678" in text and "13812345678" not in text
    assert _audit(app)[0].details["format"] == "pdf"


@pytest.mark.parametrize("role", ["checkin", "reporter"])
@pytest.mark.parametrize("path", ["/", "/print", "/export?format=csv", "/export?format=xlsx"])
def test_check_in_staff_and_reporters_cannot_list_or_export(
    app, client, auth, make_user, listed, role, path
):
    _login(auth, make_user, role)
    assert client.get(_base(listed) + path, headers=EN).status_code == 403
    assert _audit(app) == []


def test_an_unknown_format_is_not_found(client, auth, make_user, listed):
    _login(auth, make_user)
    assert client.get(f"{_base(listed)}/export?format=docx").status_code == 404


def test_a_tampered_choice_falls_back_to_the_default(client, auth, make_user, listed):
    _login(auth, make_user)
    response = client.get(f"{_base(listed)}/?order=nonsense&columns=id_number", headers=EN)
    assert response.status_code == 200
    assert "王芳" in response.get_data(as_text=True)


def test_a_layout_is_saved_and_opens_the_list_with_its_columns(
    app, client, auth, make_user, listed
):
    _login(auth, make_user)
    response = client.post(
        f"{_base(listed)}/layouts",
        data={"name": "Sign-in sheet", "query": "columns=name_zh&columns=signature&order=pinyin"},
    )
    assert response.status_code == 302
    with app.app_context():
        layout = db.session.scalar(select(ListLayout))
        assert layout.columns == ["name_zh", "signature"]
        assert layout.settings["order"] == "pinyin"
    page = client.get(f"{_base(listed)}/?layout={layout.id}", headers=EN).get_data(as_text=True)
    assert "col-signature" in page


def test_a_layout_is_deleted(app, client, auth, make_user, listed):
    _login(auth, make_user)
    client.post(f"{_base(listed)}/layouts", data={"name": "Old", "query": ""})
    with app.app_context():
        layout_id = db.session.scalar(select(ListLayout.id))
    response = client.post(f"{_base(listed)}/layouts/delete", data={"layout_id": layout_id})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ListLayout)) is None


def test_names_are_escaped(client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event, name_zh="", name_en="<script>alert(1)</script>")
    _login(auth, make_user)
    page = client.get(f"{_base(event)}/print", headers=EN).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_links_a_sign_in_sheet_grouped_by_organisation(client, auth, make_user, listed):
    _login(auth, make_user)
    page = client.get(_base(listed) + "/", headers=EN).get_data(as_text=True)
    assert "columns=signature" in page and "group_by=organisation" in page


def test_the_open_layout_button_replaces_the_form_with_the_layout(
    app, client, auth, make_user, listed
):
    _login(auth, make_user)
    client.post(f"{_base(listed)}/layouts", data={"name": "Sheet", "query": "columns=signature"})
    with app.app_context():
        layout_id = db.session.scalar(select(ListLayout.id))
    url = f"{_base(listed)}/?scope=event&columns=name_zh&layout={layout_id}&open_layout=1"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "col-signature" in page and "col-name_zh" not in page
