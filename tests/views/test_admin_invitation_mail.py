"""Organisers' invitation pages: sending, the e-mail preview, CSV/XLSX export, a large list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import AuditEntry, Invitation, InvitationState, OutboxMessage

SCRIPT = "<script>alert(1)</script>"
ESCAPED = b"&lt;script&gt;alert(1)&lt;/script&gt;"
BASE = "/admin/events/wad2025/invitations"


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer", email="organiser@example.org")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def event(make_event):
    """The event whose invitations the tests manage."""
    return make_event(slug="wad2025")


def stored(app, **where) -> Invitation | None:
    """The invitation matching ``where`` (detached)."""
    with app.app_context():
        found = db.session.scalar(select(Invitation).filter_by(**where))
        if found is not None:
            db.session.expunge(found)
        return found


def count(app, model) -> int:
    """Rows of ``model``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- sending, preview -----------------------------------------------------------------------


def test_send_button_queues_the_email(app, client, organiser, event, make_invitation):
    invitation = make_invitation(event, state=InvitationState.DRAFT)
    client.post(f"{BASE}/{invitation.id}/send")
    assert stored(app, id=invitation.id).state == InvitationState.SENT
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.subject_ref)) == f"Invitation:{invitation.id}"


def test_sending_a_revoked_invitation_shows_why_not(app, client, organiser, event, make_invitation):
    invitation = make_invitation(event, state=InvitationState.REVOKED)
    response = client.post(f"{BASE}/{invitation.id}/send", follow_redirects=True)
    assert b"This invitation was revoked." in response.data
    assert count(app, OutboxMessage) == 0


def test_send_selected_sends_only_the_ticked_ones(app, client, organiser, event, make_invitation):
    ticked = [make_invitation(event, state=InvitationState.DRAFT) for _ in range(2)]
    untouched = make_invitation(event, state=InvitationState.DRAFT)
    response = client.post(
        f"{BASE}/send",
        data={"scope": "selected", "ids": [str(i.id) for i in ticked]},
        follow_redirects=True,
    )
    assert b"2 invitation e-mails are in the outbox." in response.data
    assert stored(app, id=untouched.id).state == InvitationState.DRAFT


def test_send_all_unsent_sends_the_drafts(app, client, organiser, event, make_invitation):
    drafts = [make_invitation(event, state=InvitationState.DRAFT) for _ in range(3)]
    make_invitation(event, state=InvitationState.SENT)
    client.post(f"{BASE}/send", data={"scope": "unsent"})
    assert count(app, OutboxMessage) == 3
    assert all(stored(app, id=d.id).state == InvitationState.SENT for d in drafts)


def test_send_all_unsent_reports_what_remains_beyond_the_batch(
    app, client, organiser, event, make_invitation
):
    app.config["INVITATION_SEND_BATCH"] = 2
    for _ in range(3):
        make_invitation(event, state=InvitationState.DRAFT)
    response = client.post(f"{BASE}/send", data={"scope": "unsent"}, follow_redirects=True)
    assert b"1 unsent invitations remain" in response.data
    assert count(app, OutboxMessage) == 2


def test_preview_shows_both_languages_and_sends_nothing(
    app, client, organiser, make_event, make_invitation
):
    wad = make_event(slug="wad2025", name_zh="中国认证认可大会", name_en="CCAC")
    invitation = make_invitation(wad)
    text = client.get(f"{BASE}/{invitation.id}/preview").get_data(as_text=True)
    assert "中国认证认可大会" in text and "Invitation to CCAC" in text
    assert text.count("<iframe") == 2 and text.count(" sandbox ") == 2
    assert count(app, OutboxMessage) == 0


def test_preview_page_does_not_insert_the_mail_html(client, organiser, event, make_invitation):
    invitation = make_invitation(event, name_zh=SCRIPT, name_en=SCRIPT)
    page = client.get(f"{BASE}/{invitation.id}/preview")
    assert SCRIPT.encode() not in page.data
    assert b"cid:" not in page.data and b"Register online" not in page.data


def test_preview_frame_escapes_names_in_the_html(client, organiser, event, make_invitation):
    invitation = make_invitation(event, name_zh=SCRIPT, name_en=SCRIPT)
    frame = client.get(f"{BASE}/{invitation.id}/preview/frame?locale=en")
    assert SCRIPT.encode() not in frame.data and ESCAPED in frame.data


def test_preview_frame_is_sandboxed_without_scripts(client, organiser, event, make_invitation):
    invitation = make_invitation(event)
    frame = client.get(f"{BASE}/{invitation.id}/preview/frame?locale=zh_Hans")
    policy = frame.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy and policy.endswith("sandbox")
    assert "frame-ancestors 'self'" in policy
    assert b'src="data:image/png;base64,' in frame.data


def test_preview_frame_refuses_an_unknown_language(client, organiser, event, make_invitation):
    invitation = make_invitation(event)
    assert client.get(f"{BASE}/{invitation.id}/preview/frame?locale=fr").status_code == 404


# --- export ---------------------------------------------------------------------------------


def test_csv_export_holds_the_filtered_list(client, organiser, event, make_invitation):
    make_invitation(
        event,
        name_zh="王五",
        name_en="Wang Wu",
        state=InvitationState.DECLINED,
        mobile="+8613812345678",
        seats=3,
    )
    make_invitation(event, name_en="Not Declined")
    response = client.get(f"{BASE}/export.csv?status=declined")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["Name (English)"] for r in rows] == ["Wang Wu"]
    assert (rows[0]["Name (Chinese)"], rows[0]["Seats"], rows[0]["Status"]) == (
        "王五",
        "3",
        "Declined",
    )
    assert rows[0]["Mobile"] == "'+8613812345678"


def test_csv_export_guards_against_formula_injection(client, organiser, event, make_invitation):
    make_invitation(
        event, name_en='=HYPERLINK("http://evil.example","click")', organisation="@SUM(1)"
    )
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"{BASE}/export.csv").data.decode("utf-8-sig")))
    )
    assert rows[0]["Name (English)"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[0]["Organisation"] == "'@SUM(1)"


def test_xlsx_export_holds_the_list_as_text(client, organiser, event, make_invitation):
    make_invitation(event, name_zh="王五", name_en="=1+1", email="wang@example.org")
    response = client.get(f"{BASE}/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, row = [[c for c in r] for r in sheet.iter_rows(max_row=2)]
    values = dict(zip([c.value for c in header], row, strict=True))
    assert values["Name (Chinese)"].value == "王五"
    assert values["E-mail"].value == "wang@example.org"
    assert (values["Name (English)"].value, values["Name (English)"].data_type) == ("=1+1", "s")


def test_export_is_audited(app, client, organiser, event, make_invitation):
    make_invitation(event)
    client.get(f"{BASE}/export.csv?q=x")
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.export")
        )
        assert entry.actor_id == organiser.id and entry.details["format"] == "csv"


# --- size -----------------------------------------------------------------------------------


def test_list_search_and_filters_stay_fast_with_10000_invitations(app, client, organiser, event):
    import secrets
    import time

    from sqlalchemy import insert

    from wadconf.database import write_intent
    from wadconf.models import Event

    now = utcnow()
    states = list(InvitationState)
    with app.app_context(), write_intent():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == "wad2025"))
        db.session.execute(
            insert(Invitation),
            [
                {
                    "event_id": event_id,
                    "token": secrets.token_urlsafe(24),
                    "name_zh": f"代表{n}",
                    "name_en": f"Delegate {n:05d}",
                    "organisation": f"Body {n % 300}",
                    "email": f"d{n}@example.org",
                    "state": states[n % len(states)],
                    "expires_at": now - timedelta(days=1) if n % 10 == 0 else None,
                }
                for n in range(10_000)
            ],
        )
        db.session.commit()
    timings = {}
    for query in [
        "",
        "?q=delegate%200999",
        "?status=expired",
        "?status=sent&page=20",
        "?q=body%2017&status=draft",
    ]:
        # Best of two: one stall of the shared machine (a checkpoint, a collection in a
        # long test run) should not fail a test about the query plan.
        best = float("inf")
        for _attempt in range(2):
            started = time.perf_counter()
            response = client.get(f"{BASE}/{query}")
            best = min(best, time.perf_counter() - started)
            assert response.status_code == 200
        timings[query] = best
    assert b"Delegate 09999" in client.get(f"{BASE}/?q=09999").data
    # Measured here about 0.05-0.1 s per page on SQLite; the bound leaves room for slow CI.
    assert max(timings.values()) < 1.5, timings
