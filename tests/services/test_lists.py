"""Attendance lists: who is listed, in which order and groups, and how they are exported."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.services.schedule_support import add_delegate, add_room, add_session, at, enrol, event
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import AuditEntry, CheckIn, Checkpoint, Invitation, RegistrationStatus, Scan
from wadconf.models.checkin import AdmissionRule, Verdict
from wadconf.services import DomainError, list_files, list_layouts
from wadconf.services.categories import category_by_code
from wadconf.services.lists import ListSpec, build_list

__all__ = ["event"]  # the fixture, imported for pytest


def _checkpoint(event, code="main", **fields) -> Checkpoint:
    fields.setdefault("name_zh", "主入口")
    fields.setdefault("name_en", "Main")
    checkpoint = Checkpoint(event_id=event.id, code=code, **fields)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def _check_in(registration, checkpoint, when=None, *, annulled=False) -> CheckIn:
    when = when or utcnow()
    entry = CheckIn(
        event_id=registration.event_id,
        registration_id=registration.id,
        checkpoint_id=checkpoint.id,
        checked_in_at=when,
        annulled_at=utcnow() if annulled else None,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        Scan(
            event_id=registration.event_id,
            checkpoint_id=checkpoint.id,
            registration_id=registration.id,
            check_in_id=entry.id,
            verdict=Verdict.OK,
            scanned_at=when,
        )
    )
    db.session.flush()
    return entry


def _names(table) -> list[str]:
    return [row.cells.get("name_zh") or row.cells.get("name_en") for row in table.rows()]


def _spec(**fields) -> ListSpec:
    fields.setdefault("columns", ["number", "name_zh", "name_en"])
    return ListSpec(**fields)


def test_only_confirmed_delegates_with_data_are_listed(event):
    add_delegate(event, name_zh="王芳")
    add_delegate(event, name_zh="李娜", status=RegistrationStatus.PENDING)
    add_delegate(event, name_zh="张伟", status=RegistrationStatus.CANCELLED)
    add_delegate(event, name_zh="赵六", personal_data_erased_at=utcnow())
    assert _names(build_list(event, _spec())) == ["王芳"]


def test_rows_are_in_stroke_order_and_numbered(event):
    for name in ("张伟", "欧阳明", "王芳", "李娜", "司马光"):
        add_delegate(event, name_zh=name)
    add_delegate(event, name_zh="", name_en="John SMITH")
    table = build_list(event, _spec(order="stroke"))
    assert _names(table) == ["王芳", "司马光", "李娜", "张伟", "欧阳明", "John SMITH"]
    assert [row.cells["number"] for row in table.rows()] == [1, 2, 3, 4, 5, 6]


def test_checked_in_and_absent_at_the_event(event):
    came = add_delegate(event, name_zh="王芳")
    undone = add_delegate(event, name_zh="李娜")
    add_delegate(event, name_zh="张伟")
    gate = _checkpoint(event)
    _check_in(came, gate)
    _check_in(undone, gate, annulled=True)
    assert _names(build_list(event, _spec(status="checked_in"))) == ["王芳"]
    assert _names(build_list(event, _spec(status="absent"))) == ["李娜", "张伟"]


def test_check_in_time_and_place_are_the_first_live_entry(event):
    came = add_delegate(event, name_zh="王芳")
    _check_in(came, _checkpoint(event, "hall-b", name_zh="B厅"), at("10:00"))
    _check_in(came, _checkpoint(event), at("08:30"))
    table = build_list(
        event, _spec(columns=["name_zh", "checked_in_at", "checked_in_place"], language="zh")
    )
    cells = table.rows()[0].cells
    assert cells["checked_in_at"] == at("08:30")
    assert cells["checked_in_place"] == "主入口"


def test_a_session_lists_enrolled_delegates_and_who_attended(event):
    room = add_room(event)
    session = add_session(event, "Workshop", "09:00", "10:00", room=room)
    door = _checkpoint(event, "door", session_id=session.id)
    enrolled_came = add_delegate(event, name_zh="王芳")
    enrolled_absent = add_delegate(event, name_zh="李娜")
    walk_in = add_delegate(event, name_zh="张伟")
    add_delegate(event, name_zh="赵六")  # neither enrolled nor there
    enrol(session, enrolled_came)
    enrol(session, enrolled_absent)
    _check_in(enrolled_came, door, at("08:55"))
    _check_in(walk_in, door, at("09:05"))
    spec = dict(scope="session", session_id=session.id)
    assert _names(build_list(event, _spec(**spec))) == ["王芳", "李娜", "张伟"]
    assert _names(build_list(event, _spec(**spec, status="checked_in"))) == ["王芳", "张伟"]
    assert _names(build_list(event, _spec(**spec, status="absent"))) == ["李娜"]


def test_an_unknown_session_is_not_found(event):
    with pytest.raises(DomainError) as excinfo:
        build_list(event, _spec(scope="session", session_id=10**8))
    assert excinfo.value.code == "list_scope_not_found"


def test_a_checkpoint_lists_who_entered_there(event):
    hall, gate = _checkpoint(event, "hall"), _checkpoint(event, "gate")
    _check_in(add_delegate(event, name_zh="王芳"), hall)
    _check_in(add_delegate(event, name_zh="李娜"), gate)
    spec = _spec(scope="checkpoint", checkpoint_id=hall.id, status="checked_in")
    assert _names(build_list(event, spec)) == ["王芳"]


def test_filters_by_category_organisation_country_and_delegation(event):
    government = category_by_code(event, "government")
    media = category_by_code(event, "media")
    invitation = Invitation(event_id=event.id, name_en="Delegation", seats=3)
    db.session.add(invitation)
    db.session.flush()
    add_delegate(event, name_zh="王芳", category_id=government.id, organisation="国家认监委")
    add_delegate(event, name_zh="李娜", category_id=media.id, organisation="新华社", country="CN")
    add_delegate(event, name_zh="张伟", country="FR", invitation_id=invitation.id)
    assert _names(build_list(event, _spec(category_id=media.id))) == ["李娜"]
    assert _names(build_list(event, _spec(organisation="认监"))) == ["王芳"]
    assert _names(build_list(event, _spec(country="FR"))) == ["张伟"]
    assert _names(build_list(event, _spec(delegation_id=invitation.id))) == ["张伟"]


def test_groups_have_headings_subtotals_and_running_numbers(event):
    add_delegate(event, name_zh="王芳", organisation="新华社")
    add_delegate(event, name_zh="李娜", organisation="国家认监委")
    add_delegate(event, name_zh="张伟", organisation="国家认监委")
    table = build_list(event, _spec(group_by="organisation"))
    # 国 (8 strokes) before 新 (13).
    assert [(g.label, g.subtotal) for g in table.groups] == [("国家认监委", 2), ("新华社", 1)]
    assert [row.number for row in table.rows()] == [1, 2, 3]
    assert table.grouped and table.total == 3


def test_the_mobile_is_masked_and_the_id_number_never_listed(event):
    add_delegate(event, name_zh="王芳", mobile="+8613812345678", id_number="110101199001011234")
    table = build_list(event, _spec(columns=["name_zh", "phone"]))
    assert table.rows()[0].cells == {"name_zh": "王芳", "phone": "+86138****5678"}


def test_e_mail_only_when_chosen(event):
    add_delegate(event, name_zh="王芳")
    assert "email" not in build_list(event, _spec()).rows()[0].cells
    assert "@" in build_list(event, _spec(columns=["email"])).rows()[0].cells["email"]


def test_an_unknown_column_is_refused(event):
    with pytest.raises(DomainError) as excinfo:
        build_list(event, _spec(columns=["name_zh", "id_number"]))
    assert excinfo.value.code == "list_invalid"


def test_default_title_of_a_sign_in_sheet(event):
    session = add_session(event, "Opening", "09:00", "10:00", title_zh="开幕式")
    table = build_list(
        event,
        _spec(scope="session", session_id=session.id, columns=["name_zh", "signature"]),
    )
    assert table.title == "开幕式签到表 Sign-in sheet: Opening"
    assert table.is_signin_sheet


# --- files ------------------------------------------------------------------------------


def test_csv_has_a_bom_and_masked_phones(event):
    add_delegate(event, name_zh="王芳", mobile="+8613812345678")
    data = list_files.list_csv(build_list(event, _spec(columns=["name_zh", "phone"])))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["王芳", "'+86138****5678"]
    assert "13812345678" not in data.decode("utf-8-sig")


def _xlsx(event, columns, **fields):
    table = build_list(event, _spec(columns=columns, **fields))
    return load_workbook(io.BytesIO(list_files.list_xlsx(table))).active


def test_xlsx_holds_no_formula_and_keeps_phone_like_text(event):
    add_delegate(
        event,
        name_zh="王芳",
        name_en='=HYPERLINK("http://evil.example","click")',
        organisation="@SUM(1+1)",
        position="+86 138 0000 0000",
        mobile="+8613812345678",
    )
    sheet = _xlsx(event, ["name_zh", "name_en", "organisation", "position", "phone"])
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert not any(str(cell.value or "").startswith(("=", "@")) for cell in cells)
    values = [cell.value for cell in sheet[2]]
    assert values[1] == '\'=HYPERLINK("http://evil.example","click")'
    assert values[3] == "+86 138 0000 0000"
    assert values[4] == "+86138****5678"


def test_xlsx_has_typed_numbers_and_local_dates(event):
    came = add_delegate(event, name_zh="王芳")
    _check_in(came, _checkpoint(event), at("08:30"))
    sheet = _xlsx(event, ["number", "name_zh", "checked_in_at"])
    number, _name, when = (cell.value for cell in sheet[2])
    assert number == 1
    assert when == datetime(2025, 6, 5, 8, 30)  # Shanghai wall clock, a real Excel date


def test_xlsx_of_a_grouped_list_has_a_group_column(event):
    add_delegate(event, name_zh="王芳", organisation="新华社")
    sheet = _xlsx(event, ["name_zh"], group_by="organisation", language="en")
    assert [cell.value for cell in sheet[1]] == ["Group", "Name (Chinese)"]
    assert [cell.value for cell in sheet[2]] == ["新华社", "王芳"]


def test_pdf_shows_masked_phones(event):
    from pypdf import PdfReader

    add_delegate(event, name_zh="王芳", mobile="+8613812345678")
    table = build_list(event, _spec(columns=["name_zh", "phone"]))
    data = list_files.render(table, "pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = text.replace("\x00", "")  # pypdf reads fpdf2's two-byte CIDs with a NUL each
    assert "王芳" in text
    assert "****5678" in text and "13812345678" not in text


def test_every_export_is_audited_with_filters_and_row_count(event):
    add_delegate(event, name_zh="王芳")
    spec = _spec(status="registered", order="pinyin")
    table = build_list(event, spec)
    list_files.record_export(event, spec, table, "xlsx")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "list.export"))
    assert entry.event_id == event.id
    assert entry.details["format"] == "xlsx"
    assert entry.details["rows"] == 1
    assert entry.details["order"] == "pinyin"


# --- layouts ----------------------------------------------------------------------------


def test_a_layout_is_saved_found_replaced_and_deleted(event):
    spec = _spec(columns=["number", "name_zh", "signature"], group_by="organisation")
    layout = list_layouts.save_layout(event, "Plenary sign-in", spec)
    assert list_layouts.layout_spec(layout) == spec
    spec.order = "pinyin"
    again = list_layouts.save_layout(event, " Plenary  sign-in ", spec)
    assert again.id == layout.id and list_layouts.layout_spec(again).order == "pinyin"
    assert [item.name for item in list_layouts.list_layouts(event)] == ["Plenary sign-in"]
    list_layouts.delete_layout(event, layout.id)
    assert list_layouts.list_layouts(event) == []


def test_a_layout_needs_a_name(event):
    with pytest.raises(DomainError) as excinfo:
        list_layouts.save_layout(event, "  ", _spec())
    assert excinfo.value.code == "layout_name_missing"


def test_with_one_name_column_a_foreign_delegate_is_named_in_latin_letters(event):
    add_delegate(event, name_zh="", name_en="John SMITH")
    table = build_list(event, _spec(columns=["number", "name_zh"]))
    assert table.rows()[0].cells["name_zh"] == "John SMITH"


def test_a_session_nobody_enrols_in_is_for_every_delegate(event):
    room = add_room(event)
    plenary = add_session(event, "Plenary", "09:00", "12:00", room=room)
    door = _checkpoint(event, "hall", room_id=room.id)
    came = add_delegate(event, name_zh="王芳")
    add_delegate(event, name_zh="李娜")
    _check_in(came, door, at("08:45"))
    spec = dict(scope="session", session_id=plenary.id)
    assert _names(build_list(event, _spec(**spec))) == ["王芳", "李娜"]
    assert _names(build_list(event, _spec(**spec, status="absent"))) == ["李娜"]


def test_a_checkpoint_for_some_categories_lists_only_them(event):
    government = category_by_code(event, "government")
    media = category_by_code(event, "media")
    booth = _checkpoint(event, "press", rule=AdmissionRule.CATEGORIES)
    booth.categories.append(media)
    db.session.flush()
    add_delegate(event, name_zh="王芳", category_id=government.id)
    add_delegate(event, name_zh="李娜", category_id=media.id)
    spec = _spec(scope="checkpoint", checkpoint_id=booth.id, status="absent")
    assert _names(build_list(event, spec)) == ["李娜"]
