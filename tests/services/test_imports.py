"""Importing invitations from CSV and XLSX: reading, checking every row, all or nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    DelegateCategory,
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
)
from wadconf.services import DomainError, import_files, imports

HEADER = [
    "name_zh",
    "name_en",
    "organisation",
    "category",
    "email",
    "mobile",
    "language",
    "seats",
    "expires",
    "note",
]
FUTURE = (date.today() + timedelta(days=60)).isoformat()


def row(**values: str) -> list[str]:
    """A data row in :data:`HEADER` order, blank where not given."""
    return [values.get(name, "") for name in HEADER]


def person(n: int, **values: str) -> list[str]:
    """A valid row for invitee ``n``."""
    base = {
        "name_zh": f"代表{n}",
        "name_en": f"Delegate {n}",
        "organisation": "示例机构",
        "category": "expert",
        "email": f"person{n}@example.org",
    }
    return row(**{**base, **values})


def csv_bytes(
    rows: list[list[str]], *, header: list[str] = HEADER, encoding: str = "utf-8", bom: bool = False
) -> bytes:
    """A CSV file as Excel or a script would write it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list], *, header: list[str] = HEADER) -> bytes:
    """An XLSX workbook with ``header`` and ``rows`` on its first sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def event(make_event):
    """An event (with the default categories)."""
    return make_event()


@pytest.fixture
def write_file(tmp_path):
    """``write_file(data, name="invitations.csv")`` -> the path of a file holding ``data``."""

    def write(data: bytes, name: str = "invitations.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def check(app, event, write_file):
    """``check(data)`` -> the ImportPlan of a file, without writing."""

    def run(data: bytes, name: str = "invitations.csv") -> imports.ImportPlan:
        with app.app_context():
            return imports.check_file(db.session.get(Event, event.id), write_file(data, name))

    return run


@pytest.fixture
def run_import(app, event, write_file):
    """``run_import(data, dry_run=False)`` -> the ImportPlan; commits what the import wrote."""

    def run(data: bytes, *, dry_run: bool = False) -> imports.ImportPlan:
        with app.app_context(), write_intent():
            plan = imports.import_invitations(
                db.session.get(Event, event.id),
                write_file(data),
                dry_run=dry_run,
                source_name="list.csv",
            )
            db.session.commit()
            return plan

    return run


def count_invitations(app) -> int:
    """Invitations in the database."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def problems(plan: imports.ImportPlan) -> list[tuple[int, str, str]]:
    """(line, column, code) of each problem."""
    return [(p.line, p.column, p.code) for p in plan.problems]


def refused_code(check, data: bytes, name: str = "invitations.csv") -> str:
    """The code of the DomainError the file is refused with."""
    with pytest.raises(DomainError) as excinfo:
        check(data, name)
    return excinfo.value.code


# --- reading files ------------------------------------------------------------------------


def test_utf8_csv_rows_are_read_into_invitation_values(check):
    plan = check(csv_bytes([person(1, mobile="13812345678", seats="3", note="VIP")]))
    assert plan.ok and plan.file_type == "csv"
    values = plan.rows[0].values
    assert (values["name_zh"], values["name_en"], values["email"]) == (
        "代表1",
        "Delegate 1",
        "person1@example.org",
    )
    assert (values["mobile"], values["seats"], values["note"]) == ("+8613812345678", 3, "VIP")


def test_utf8_csv_with_bom_reads_its_first_header(check):
    plan = check(csv_bytes([person(1)], bom=True))
    assert plan.ok
    assert plan.headers["name_zh"] == "name_zh"
    assert plan.rows[0].values["name_zh"] == "代表1"


def test_gbk_csv_as_excel_on_chinese_windows_writes_it_is_read(check):
    header = ["中文姓名", "英文姓名", "单位", "类别", "邮箱"]
    data = csv_bytes(
        [["张伟", "Zhang Wei", "国家认监委", "政府部门", "zw@example.org"]],
        header=header,
        encoding="gbk",
    )
    plan = check(data)
    assert plan.ok
    assert plan.rows[0].values["name_zh"] == "张伟"
    assert plan.rows[0].values["organisation"] == "国家认监委"


def test_chinese_headers_are_recognised(check):
    header = [
        "中文姓名",
        "英文姓名",
        "单位/机构",
        "类别",
        "电子邮箱",
        "手机",
        "语言",
        "名额",
        "有效期",
        "备注",
    ]
    plan = check(csv_bytes([person(1)], header=header))
    assert set(plan.headers) == set(HEADER)
    assert plan.ignored_headers == []


def test_headers_ignore_case_width_and_spaces(check):
    header = [" NAME_ZH ", "English Name", "Organization", "CATEGORY", "E-Mail", "ｍｏｂｉｌｅ"]
    plan = check(csv_bytes([person(1)[:6]], header=header))
    assert set(plan.headers) == set(HEADER[:6])


def test_template_headers_are_recognised(check):
    template = import_files.template_csv().decode("utf-8-sig").strip().split(",")
    plan = check(csv_bytes([person(1)], header=template))
    assert set(plan.headers) == set(HEADER)


def test_unknown_columns_are_ignored_and_listed(check):
    plan = check(csv_bytes([person(1) + ["x"]], header=HEADER + ["座位号"]))
    assert plan.ok
    assert plan.ignored_headers == ["座位号"]


def test_xlsx_cells_are_read_with_numbers_and_dates(check):
    due = date.today() + timedelta(days=30)
    cells = [
        "李娜",
        "Li Na",
        "CNAS",
        "专家学者",
        "lina@example.org",
        13912345678,
        "英文",
        2,
        datetime.combine(due, datetime.min.time()),
        "",
    ]
    plan = check(xlsx_bytes([cells]), name="list.xlsx")
    assert plan.ok and plan.file_type == "xlsx"
    values = plan.rows[0].values
    assert (values["mobile"], values["seats"], values["locale"]) == (
        "+8613912345678",
        2,
        InvitationLocale.EN,
    )
    assert values["expires_on"] == due


def test_semicolon_separated_csv_is_read(check):
    data = b"name_en;email\r\nAda Lovelace;ada@example.org\r\n"
    plan = check(data)
    assert plan.rows[0].values["email"] == "ada@example.org"


def test_png_renamed_csv_is_refused_by_content(check):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    assert refused_code(check, png, "invitations.csv") == "not_a_spreadsheet"


def test_binary_without_known_signature_is_refused(check):
    assert refused_code(check, bytes(range(256)) * 4) == "not_a_spreadsheet"


def test_zip_that_is_not_a_workbook_is_refused(check):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refused_code(check, out.getvalue(), "list.xlsx") == "not_a_spreadsheet"


def test_old_xls_file_is_refused_with_advice(check):
    assert refused_code(check, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512) == "legacy_xls"


def test_file_over_the_size_limit_is_refused(app, check):
    app.config["IMPORT_MAX_BYTES"] = 1024
    data = csv_bytes([person(n) for n in range(100)])
    assert len(data) > 1024
    assert refused_code(check, data) == "too_large"


def test_too_large_message_names_the_limit(app):
    app.config["IMPORT_MAX_BYTES"] = 5 * 1024 * 1024
    with app.test_request_context(), force_locale("en"):
        assert str(import_files.too_large_message()) == "The file is larger than 5 MB."


def test_empty_file_is_refused(check):
    assert refused_code(check, b"") == "empty_file"


def test_header_without_rows_is_refused(check):
    assert refused_code(check, csv_bytes([])) == "no_rows"


def test_file_without_a_name_column_is_refused(check):
    assert refused_code(check, csv_bytes([["a@example.org"]], header=["email"])) == "no_name_column"


def test_two_columns_for_the_same_field_are_refused(check):
    data = csv_bytes([["张三", "a@example.org", "b@example.org"]], header=["姓名", "邮箱", "email"])
    assert refused_code(check, data) == "duplicate_column"


def test_too_many_rows_are_refused(app, check):
    app.config["IMPORT_MAX_ROWS"] = 3
    assert refused_code(check, csv_bytes([person(n) for n in range(4)])) == "too_many_rows"


# --- each bad row, with its line, column and reason ------------------------------------------


def test_missing_name_is_reported(check):
    plan = check(csv_bytes([person(1), row(email="x@example.org")]))
    assert problems(plan) == [(3, "name_zh", "name_missing")]


def test_bad_email_is_reported(check):
    plan = check(csv_bytes([person(1, email="not-an-address")]))
    assert problems(plan) == [(2, "email", "bad_email")]


def test_bad_mobile_is_reported(check):
    plan = check(csv_bytes([person(1, mobile="12345")]))
    assert problems(plan) == [(2, "mobile", "bad_mobile")]


def test_unknown_category_is_reported(check):
    plan = check(csv_bytes([person(1, category="astronaut")]))
    assert problems(plan) == [(2, "category", "unknown_category")]


@pytest.mark.parametrize("seats", ["0", "-1", "two", "1.5", "1000"])
def test_bad_seats_are_reported(check, seats):
    plan = check(csv_bytes([person(1, seats=seats)]))
    assert problems(plan) == [(2, "seats", "bad_seats")]


def test_bad_language_is_reported(check):
    plan = check(csv_bytes([person(1, language="fr")]))
    assert problems(plan) == [(2, "language", "bad_locale")]


def test_unreadable_date_is_reported(check):
    plan = check(csv_bytes([person(1, expires="next week")]))
    assert problems(plan) == [(2, "expires", "bad_date")]


def test_past_expiry_is_reported(check):
    plan = check(csv_bytes([person(1, expires="2001-01-01")]))
    assert problems(plan) == [(2, "expires", "expiry_in_past")]


def test_over_long_name_is_reported(check):
    plan = check(csv_bytes([person(1, organisation="机" * 301)]))
    assert problems(plan) == [(2, "organisation", "too_long")]


def test_duplicate_in_file_names_the_first_line(check):
    plan = check(csv_bytes([person(1), person(2), person(3, email="PERSON1@example.org")]))
    assert problems(plan) == [(4, "email", "duplicate_in_file")]
    with force_locale("en"):
        assert str(plan.problems[0].message) == "Duplicate of line 2 in the file."


def test_duplicate_without_email_is_found_by_names_and_organisation(check):
    plan = check(csv_bytes([person(1, email=""), person(1, email="", organisation=" 示例机构 ")]))
    assert problems(plan) == [(3, "name_zh", "duplicate_in_file")]


def test_existing_invitation_with_different_data_is_reported(check, event, make_invitation):
    make_invitation(
        event,
        email="person1@example.org",
        name_en="Someone Else",
        name_zh="代表1",
        organisation="示例机构",
        category="expert",
    )
    plan = check(csv_bytes([person(1)]))
    assert problems(plan) == [(2, "name_en", "duplicate_existing")]


def test_every_bad_row_is_reported_at_once(check):
    plan = check(
        csv_bytes(
            [person(1, email="bad"), person(2), person(3, mobile="1"), person(4, category="nope")]
        )
    )
    assert problems(plan) == [
        (2, "email", "bad_email"),
        (4, "mobile", "bad_mobile"),
        (5, "category", "unknown_category"),
    ]
    assert (plan.count("new"), plan.count("bad")) == (1, 3)


def test_column_is_named_as_written_in_the_file(check):
    header = ["中文姓名", "邮箱"]
    plan = check(csv_bytes([["张三", "bad"]], header=header))
    assert problems(plan) == [(2, "邮箱", "bad_email")]


def test_reason_is_translated_when_shown(check):
    plan = check(csv_bytes([person(1, email="bad")]))
    # A lazy string: rendered in the language of whoever reads the report.
    assert isinstance(plan.problems[0].message, LazyString)
    with force_locale("en"):
        assert str(plan.problems[0].message) == "This is not a valid e-mail address."


def test_line_of_a_row_after_a_multiline_cell_counts_physical_lines(check):
    data = csv_bytes([person(1, note="first\nsecond"), person(2, email="bad")])
    assert problems(check(data)) == [(4, "email", "bad_email")]


def test_blank_rows_are_skipped_but_counted_in_line_numbers(check):
    plan = check(csv_bytes([person(1), row(), person(2, email="bad")]))
    assert problems(plan) == [(4, "email", "bad_email")]
    assert len(plan.rows) == 2


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["expert", "专家学者", "Expert or scholar", " EXPERT "])
def test_category_matches_code_or_either_name(app, event, check, given):
    plan = check(csv_bytes([person(1, category=given)]))
    with app.app_context():
        category = db.session.get(DelegateCategory, plan.rows[0].values["category_id"])
        assert category.code == "expert"


@pytest.mark.parametrize(
    ("given", "locale"),
    [
        ("zh", InvitationLocale.ZH),
        ("中文", InvitationLocale.ZH),
        ("EN", InvitationLocale.EN),
        ("英文", InvitationLocale.EN),
        ("both", InvitationLocale.BOTH),
        ("中英文", InvitationLocale.BOTH),
    ],
)
def test_language_words_map_to_locales(check, given, locale):
    assert check(csv_bytes([person(1, language=given)])).rows[0].values["locale"] == locale


def test_blank_language_follows_the_names(check):
    plan = check(csv_bytes([person(1), person(2, name_zh="")]))
    assert [r.values["locale"] for r in plan.rows] == [InvitationLocale.ZH, InvitationLocale.EN]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+44 20 7946 0000", "+442079460000"),
        ("0049-30-1234567", "+49301234567"),
        ("１３８１２３４５６７８", "+8613812345678"),
    ],
)
def test_mobile_is_stored_in_international_form(check, given, stored):
    assert check(csv_bytes([person(1, mobile=given)])).rows[0].values["mobile"] == stored


def test_expiry_lasts_to_the_end_of_the_day_where_the_event_is(check):
    day = date.today() + timedelta(days=10)
    plan = check(csv_bytes([person(1, expires=f"{day.year}年{day.month}月{day.day}日")]))
    expires_at = plan.rows[0].values["expires_at"].astimezone(UTC)
    # Asia/Shanghai is UTC+8: midnight after that day is 16:00 UTC on the day itself.
    assert expires_at == datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)


# --- importing ----------------------------------------------------------------------------------


def test_import_writes_every_row_as_a_draft(app, run_import):
    plan = run_import(csv_bytes([person(1), person(2, seats="5")]))
    assert plan.added == 2
    with app.app_context():
        rows = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
        assert [(i.email, i.seats, i.state) for i in rows] == [
            ("person1@example.org", 1, InvitationState.DRAFT),
            ("person2@example.org", 5, InvitationState.DRAFT),
        ]


def test_imported_invitations_get_distinct_random_tokens(app, run_import):
    run_import(csv_bytes([person(n) for n in range(20)]))
    with app.app_context():
        rows = db.session.execute(select(Invitation.id, Invitation.token)).all()
    tokens = {token for _id, token in rows}
    assert len(tokens) == 20
    assert all(len(token) >= 22 and token != str(id_) for id_, token in rows)


def test_one_bad_row_writes_nothing(app, run_import):
    plan = run_import(csv_bytes([person(n) for n in range(50)] + [person(99, email="bad")]))
    assert not plan.ok and plan.added == 0
    assert count_invitations(app) == 0


def test_reimporting_the_same_file_adds_nothing(app, run_import):
    data = csv_bytes([person(1), person(2, email="", mobile="13812345678")])
    assert run_import(data).added == 2
    again = run_import(data)
    assert (again.ok, again.added, again.count("existing")) == (True, 0, 2)
    assert count_invitations(app) == 2


def test_row_with_blanks_where_invitation_has_data_is_already_invited(
    check, event, make_invitation
):
    make_invitation(
        event,
        email="person1@example.org",
        name_zh="代表1",
        name_en="Delegate 1",
        organisation="示例机构",
        category="expert",
        mobile="+8613812345678",
    )
    plan = check(csv_bytes([person(1, mobile="", organisation="")]))
    assert plan.ok and plan.count("existing") == 1


def test_dry_run_writes_nothing(app, run_import):
    plan = run_import(csv_bytes([person(1), person(2)]), dry_run=True)
    assert plan.ok and plan.count("new") == 2 and plan.added == 0
    assert count_invitations(app) == 0


def test_import_records_one_audit_entry_with_counts(app, event, run_import):
    run_import(csv_bytes([person(n) for n in range(30)]))
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("invitation.%"))
        ).all()
    assert len(entries) == 1
    assert entries[0].event_id == event.id
    assert (entries[0].details["added"], entries[0].details["file"]) == (30, "list.csv")


def test_import_goes_to_the_named_event_only(app, make_event, event, run_import):
    other = make_event()
    run_import(csv_bytes([person(1)]))
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Invitation).where(Invitation.event_id == other.id)
            )
            == 0
        )
