"""Invitation letters (PDF) and the PDF helpers they are built with.

The PDFs are read back the way a person would meet them: pages counted and text
extracted with pypdf, pages rasterised with pypdfium2 and the QR code decoded with
zxing-cpp, as a phone would read it from the printed sheet.
"""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from wadconf import pdf as pdfkit
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, InvitationLocale, InvitationState
from wadconf.services import letters
from wadconf.urls import public_url


def _render(app, event, *, ids=None, filters=None) -> bytes:
    """The letters PDF of ``event`` as the service builds it."""
    with app.app_context():
        row = db.session.get(Event, event.id)
        chosen = letters.invitations_for_letters(row, ids=ids, filters=filters)
        return letters.render_letters(row, chosen, issued_on=date(2025, 5, 10))


def _pages(data: bytes) -> list[str]:
    """Each page's text with all whitespace removed (line breaks fall anywhere in Chinese).

    pypdf reads fpdf2's two-byte glyph codes with a NUL before each character (the
    ToUnicode map itself is right: pdfium and viewers copy clean text), so NULs go too.
    """
    return [_squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _squash(text: str) -> str:
    return "".join(text.replace("\x00", "").split())


def _qr_texts(data: bytes, page: int = 0) -> list[str]:
    """What a scanner reads from ``page`` rasterised at 150 dpi."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def _ids(app, event) -> list[int]:
    with app.app_context():
        row = db.session.get(Event, event.id)
        return [invitation.id for invitation in letters.invitations_for_letters(row)]


def test_one_page_per_invitation(app, make_event, make_invitation):
    event = make_event()
    for _ in range(3):
        make_invitation(event)
    assert len(PdfReader(io.BytesIO(_render(app, event))).pages) == 3


def test_text_layer_holds_the_chinese_and_the_english_name(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, name_zh="王建国", name_en="Wang Jianguo")
    (page,) = _pages(_render(app, event))
    assert "王建国" in page
    assert "WangJianguo" in page


def test_qr_code_decodes_to_the_registration_link(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    data = _render(app, event)
    with app.app_context():
        expected = public_url("registration.invitation", token=invitation.token)
    assert _qr_texts(data) == [expected]


def test_registration_link_is_printed_in_full(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    (page,) = _pages(_render(app, event))
    with app.app_context():
        assert public_url("registration.invitation", token=invitation.token) in page


def test_revoked_invitation_is_not_printed(app, make_event, make_invitation):
    event = make_event()
    kept = make_invitation(event, name_en="Still Invited")
    make_invitation(event, name_en="Revoked Person", state=InvitationState.REVOKED)
    assert _ids(app, event) == [kept.id]
    pages = _pages(_render(app, event))
    assert len(pages) == 1
    assert "RevokedPerson" not in pages[0]


def test_revoked_invitation_is_not_printed_even_when_named(app, make_event, make_invitation):
    event = make_event()
    revoked = make_invitation(event, state=InvitationState.REVOKED)
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert letters.invitations_for_letters(row, ids=[revoked.id]) == []


def test_invitation_of_another_event_is_not_printed(app, make_event, make_invitation):
    event, other = make_event(), make_event()
    foreign = make_invitation(other)
    make_invitation(event)
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert letters.invitations_for_letters(row, ids=[foreign.id]) == []


def test_ids_choose_the_letters(app, make_event, make_invitation):
    event = make_event()
    first, second, third = (make_invitation(event) for _ in range(3))
    pages = _pages(_render(app, event, ids=[first.id, third.id]))
    text = "".join(pages)
    assert len(pages) == 2
    assert _squash(first.name_en) in text and _squash(third.name_en) in text
    assert _squash(second.name_en) not in text


def test_list_filters_choose_the_letters(app, make_event, make_invitation):
    event = make_event()
    draft = make_invitation(event, state=InvitationState.DRAFT)
    make_invitation(event, state=InvitationState.SENT)
    with app.app_context():
        row = db.session.get(Event, event.id)
        chosen = letters.invitations_for_letters(row, filters={"status": "draft"})
        assert [invitation.id for invitation in chosen] == [draft.id]


def test_delegation_letter_names_its_seats(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, seats=5, locale=InvitationLocale.EN)
    (page,) = _pages(_render(app, event))
    assert "yourdelegationof5" in page


def test_personal_letter_names_no_delegation(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, seats=1, locale=InvitationLocale.EN)
    (page,) = _pages(_render(app, event))
    assert "delegation" not in page
    assert "toinviteyou" in page


@pytest.mark.parametrize(
    ("locale", "first"),
    [(InvitationLocale.ZH, "zh"), (InvitationLocale.BOTH, "zh"), (InvitationLocale.EN, "en")],
)
def test_invitees_language_comes_first_and_the_other_follows(
    app, make_event, make_invitation, locale, first
):
    event = make_event(name_zh="测试大会", name_en="Test Conference")
    make_invitation(event, name_zh="李四", name_en="Li Si", locale=locale)
    (page,) = _pages(_render(app, event))
    zh, en = page.index("测试大会"), page.index("TestConference")
    assert (zh < en) if first == "zh" else (en < zh)
    assert page.index("李四") >= 0 and page.index("LiSi") >= 0


def test_event_details_are_printed_in_both_languages(app, make_event, make_invitation):
    event = make_event(
        venue_zh="河北雄安新区",
        venue_en="Xiong'an New Area",
        intl_theme_zh="认可：赋能明天",
        intl_theme_en="Accreditation Tomorrow",
        organiser_zh="市场监管总局",
        organiser_en="SAMR",
    )
    make_invitation(event)
    (page,) = _pages(_render(app, event))
    for text in (
        "河北雄安新区",
        "Xiong'anNewArea",
        "认可：赋能明天",
        "AccreditationTomorrow",
        "市场监管总局",
        "SAMR",
    ):
        assert text in page, text


def test_markup_in_a_name_is_printed_as_typed(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, name_en="<b>Bold</b> & <script>x</script>", locale=InvitationLocale.EN)
    (page,) = _pages(_render(app, event))
    assert "<b>Bold</b>&<script>x</script>" in page


def test_long_name_and_organisation_stay_whole_on_one_page(app, make_event, make_invitation):
    event = make_event()
    name_en = "Professor Maximilian Alexander von Hohenzollern-Sigmaringen " * 3
    name_zh = "欧阳" * 50
    organisation = "中国合格评定国家认可中心 China National Accreditation Service " * 4
    make_invitation(
        event, name_en=name_en.strip(), name_zh=name_zh, organisation=organisation.strip(), seats=12
    )
    data = _render(app, event)
    pages = _pages(data)
    assert len(pages) == 1
    for text in (name_en, name_zh, organisation):
        assert _squash(text) in pages[0]
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()
        text_page = page.get_textpage()
        boxes = [text_page.get_charbox(i) for i in range(text_page.count_chars())]
    finally:
        document.close()
    # Every glyph lies inside the page's 20 mm side margins: nothing runs off the sheet.
    margin = 20 / 25.4 * 72
    assert all(
        margin <= left and right <= width - margin and 0 <= bottom and top <= height
        for left, bottom, right, top in boxes
        if right > left
    )


def test_printing_is_audited_with_who_and_which_invitations(
    app, make_event, make_invitation, make_user
):
    from wadconf.database import write_intent
    from wadconf.models import StaffUser

    event = make_event()
    invitation = make_invitation(event)
    organiser = make_user("organizer")
    with app.app_context(), write_intent():
        letters.record_printing(
            db.session.get(Event, event.id),
            [invitation.id],
            by=db.session.get(StaffUser, organiser.id),
        )
        db.session.commit()
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.letters_print")
        )
        assert (entry.actor_id, entry.event_id) == (organiser.id, event.id)
        assert entry.details["invitation_ids"] == [invitation.id]


def test_cli_writes_the_letters_and_audits_them(app, runner, make_event, make_invitation, tmp_path):
    event = make_event()
    make_invitation(event)
    make_invitation(event)
    target = tmp_path / "letters.pdf"
    result = runner.invoke(
        args=["invitations", "letters", "-o", str(target), "--event", event.slug]
    )
    assert result.exit_code == 0, result.output
    assert len(PdfReader(target).pages) == 2
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.letters_print")
        )
        assert (entry.actor_label, entry.details["count"]) == ("cli", 2)


def test_cli_refuses_an_event_with_nothing_to_print(runner, make_event, tmp_path):
    event = make_event()
    target = tmp_path / "letters.pdf"
    result = runner.invoke(
        args=["invitations", "letters", "-o", str(target), "--event", event.slug]
    )
    assert result.exit_code != 0
    assert not target.exists()


# --- the shared PDF helpers ---------------------------------------------------------------


@pytest.fixture
def document():
    """A blank page of a new document (fonts need no app: the bundled ones are used)."""
    pdf = pdfkit.new_document(title="test")
    pdf.add_page()
    return pdf


def test_fit_text_keeps_a_short_text_on_one_line_at_full_size(document):
    fitted = pdfkit.fit_text(document, "Wang Jianguo", x=20, y=20, w=100, h=10, size=14)
    assert (fitted.size, fitted.lines) == (14, ("Wang Jianguo",))


def test_fit_text_shrinks_a_long_line_before_wrapping_it(document):
    text = "Maximilian von Hohenzollern"
    document.set_font(pdfkit.SANS, size=14)
    full = document.get_string_width(text)
    fitted = pdfkit.fit_text(document, text, x=20, y=20, w=full * 0.85, h=10, size=14, min_size=10)
    assert fitted.lines == (text,)
    assert 10 <= fitted.size < 14


def test_fit_text_wraps_when_shrinking_is_not_enough_and_keeps_every_character(document):
    text = "中国合格评定国家认可中心 China National Accreditation Service for Conformity Assessment"
    fitted = pdfkit.fit_text(document, text, x=20, y=20, w=50, h=30, size=12, min_size=10)
    assert fitted.wrapped
    assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")
    document.set_font(pdfkit.SANS, size=fitted.size)
    assert all(document.get_string_width(line) <= 50 + 1e-6 for line in fitted.lines)
    assert fitted.height <= 30


def test_fit_text_breaks_chinese_between_characters_not_only_at_spaces(document):
    text = "请于2025年5月31日 23:59前通过您的专属链接或下方二维码在线报名"
    fitted = pdfkit.fit_text(document, text, x=20, y=20, w=60, h=40, size=11, min_size=11)
    document.set_font(pdfkit.SANS, size=fitted.size)
    # Every line but the last is filled: no half-empty line before the embedded space.
    assert all(document.get_string_width(line) > 60 * 0.8 for line in fitted.lines[:-1])


def test_wrapped_chinese_line_never_starts_with_a_closing_mark(document):
    text = "诚挚邀请您出席大会，会议定于六月举行。请通过专属链接报名，期待您的光临！" * 3
    fitted = pdfkit.fit_text(document, text, x=20, y=20, w=40, h=80, size=11, min_size=11)
    assert fitted.wrapped
    assert not any(line[0] in "，。！：；）" for line in fitted.lines)


def test_fit_text_overflows_rather_than_cuts_when_the_box_is_too_small(document):
    text = "欧阳" * 200
    fitted = pdfkit.fit_text(document, text, x=20, y=20, w=40, h=5, size=12)
    assert fitted.size == pdfkit.FLOOR_PT
    assert "".join(fitted.lines) == text


def test_clean_drops_control_characters_but_keeps_newlines():
    assert pdfkit.clean("A\x00B\tC\nD\r\nE") == "AB C\nD\nE"


def test_vector_qr_code_decodes(document):
    pdfkit.draw_qr(document, "https://example.org/i/abc", x=30, y=30, size=30)
    assert _qr_texts(pdfkit.to_bytes(document)) == ["https://example.org/i/abc"]
