"""Table and seat cards: who gets one, and the PDF as printed (rasterised, text read back)."""

from __future__ import annotations

import pytest

from tests.services.pdf_support import MM, char_boxes, is_blank, page_sizes, page_texts, rasterise
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_session,
    add_signing,
    add_witness,
    event,  # noqa: F401 (fixture)
)
from wadconf.extensions import db
from wadconf.models import ProgrammeKind, RegistrationStatus
from wadconf.services.cards_pdf import (
    SEAT,
    TABLE_H,
    CardPerson,
    cards_pdf,
    category_card_people,
    confirmed_card_people,
    seat_cards_pdf,
    session_card_people,
    table_cards_pdf,
)
from wadconf.services.categories import category_by_code

WANG = CardPerson("王小明", "Wang Xiaoming", "国家认证认可监督管理委员会", "")
LATIN = CardPerson("", "Maria Schmidt", "", "Deutsche Akkreditierungsstelle")
LONG = CardPerson(
    "欧阳" + "娜" * 40,
    "Maximilian Alexander Christopher Wolfeschlegelsteinhausenbergerdorff Senior",
    "中国合格评定国家认可中心",
    "China National Accreditation Service for Conformity Assessment, International Cooperation",
)


# --- table cards -----------------------------------------------------------------------


def test_table_cards_one_landscape_page_each_none_blank():
    data = table_cards_pdf([WANG, LATIN, LONG])
    rasters = rasterise(data)
    assert len(rasters) == 3
    assert not any(is_blank(image) for image in rasters)
    assert all(w > h for w, h in page_sizes(data))


def test_table_card_has_both_scripts_and_the_organisation_on_both_halves():
    (text,) = page_texts(table_cards_pdf([WANG]))
    assert text.count("王小明") == 2
    assert text.count("WangXiaoming") == 2
    assert text.count("国家认证认可监督管理委员会") == 2


def test_table_card_upper_half_is_upside_down():
    ((w, h), text, boxes), *_ = char_boxes(table_cards_pdf([WANG]))
    lower = [box for ch, box in zip(text, boxes, strict=True) if ch == "王" and box[3] < h / 2]
    upper = [box for ch, box in zip(text, boxes, strict=True) if ch == "王" and box[1] > h / 2]
    assert len(lower) == 1 and len(upper) == 1
    # Upright, 王 comes before 明 from left to right; turned over, after it.
    first = text.index("王")
    second = text.index("王", first + 1)
    ming = {i for i, ch in enumerate(text) if ch == "明"}
    pairs = [
        (boxes[i][0], boxes[m][0])
        for i in (first, second)
        for m in ming
        if abs(boxes[m][1] - boxes[i][1]) < 5
    ]
    assert sorted(wang < ming_ for wang, ming_ in pairs) == [False, True]


def test_latin_only_name_takes_the_large_line():
    (text,) = page_texts(table_cards_pdf([LATIN]))
    assert text.count("MariaSchmidt") == 2 and text.count("DeutscheAkkreditierungsstelle") == 2


def test_longest_names_shrink_to_fit_the_card():
    data = table_cards_pdf([WANG, LONG])
    pages = char_boxes(data)
    for (w, h), _text, boxes in pages:
        assert all(0 <= box[0] and box[2] <= w and 0 <= box[1] and box[3] <= h for box in boxes)
    (_, short_text, short_boxes), (_, long_text, long_boxes) = pages
    short = short_boxes[short_text.index("王")]
    long = long_boxes[long_text.index("欧")]
    assert (long[3] - long[1]) < (short[3] - short[1]) * 0.7
    text = page_texts(data)[1]
    assert text.count("娜" * 40) == 2  # shrunk or wrapped, never cut


def test_empty_chinese_name_and_markup_print_as_typed():
    odd = CardPerson("", "<script>alert(1)</script>", "", "A & B\x00 Ltd")
    (text,) = page_texts(table_cards_pdf([odd]))
    assert text.count("<script>alert(1)</script>") == 2 and "A&BLtd" in text


def test_no_people_gives_one_empty_page():
    assert len(page_texts(table_cards_pdf([]))) == 1


# --- seat cards ------------------------------------------------------------------------


def test_seat_cards_eight_to_an_a4_portrait_sheet():
    data = seat_cards_pdf([WANG] * 9)
    assert len(rasterise(data)) == 2
    (w1, h1), _ = page_sizes(data)
    assert h1 > w1 and w1 == pytest.approx(210 * MM, abs=1)
    first, second = page_texts(data)
    assert first.count("王小明") == 8 and second.count("王小明") == 1


def test_seat_cards_have_both_scripts_and_stay_in_their_slot():
    data = seat_cards_pdf([WANG, LONG, LATIN])
    ((_size, text, boxes),) = char_boxes(data)
    assert "王小明" in text and "WangXiaoming" in text and "MariaSchmidt" in text
    # LONG is in the second slot (top right): all its characters stay inside it.
    h = 297 * MM
    for ch, box in zip(text, boxes, strict=True):
        if ch in "欧娜":
            assert box[0] >= 105 * MM and box[2] <= 210 * MM
            assert box[1] >= h - SEAT.badge_h * MM and box[3] <= h


def test_cards_pdf_rejects_an_unknown_kind():
    with pytest.raises(ValueError):
        cards_pdf([WANG], "poster", title="x")  # type: ignore[arg-type]


def test_card_kinds_dispatch():
    assert page_sizes(cards_pdf([WANG], "table", title="t"))[0][1] == pytest.approx(
        TABLE_H * MM, abs=1
    )
    assert page_sizes(cards_pdf([WANG], "seat", title="t"))[0][1] == pytest.approx(297 * MM, abs=1)


# --- who gets a card -------------------------------------------------------------------


def test_session_people_signatories_and_external_guests(event):  # noqa: F811
    session = add_session(event, "Signing", "10:00", "11:00", kind=ProgrammeKind.SIGNING_CEREMONY)
    chair = add_delegate(event, name_zh="李主席", name_en="Li Chair", organisation="认监委")
    signer = add_delegate(event, name_zh="张签署", name_en="Zhang Signer", organisation="Own body")
    add_person(session, chair)
    add_person(session, name_zh="", name_en="John Guest", organisation_en="UKAS")
    agreement = add_signing(session, signer, chair)  # the chair also signs: one card
    add_witness(agreement, name_zh="赵见证", name_en="Zhao Witness", organisation_zh="见证单位")
    db.session.expire(session)
    people = session_card_people(session)
    assert [p.main_name for p in people] == ["李主席", "John Guest", "张签署", "赵见证"]
    assert people[1].organisations == ["UKAS"]
    # A signatory's card names the party they sign for.
    assert people[2].organisations == ["甲方", "Party A"]
    assert people[0].organisations == ["认监委"]


def test_session_person_names_typed_on_the_session_win(event):  # noqa: F811
    session = add_session(event, "Plenary", "09:00", "10:00", kind=ProgrammeKind.PLENARY)
    delegate = add_delegate(event, name_zh="王五", name_en="Wang Wu", organisation="Body")
    add_person(session, delegate, name_zh="王五（院士）", organisation_zh="中国工程院")
    db.session.expire(session)
    (person,) = session_card_people(session)
    assert person.main_name == "王五（院士）" and person.second_name == "Wang Wu"
    assert person.organisations == ["中国工程院"]


def test_erased_delegates_get_no_card(event):  # noqa: F811
    from datetime import UTC, datetime

    session = add_session(event, "Plenary", "09:00", "10:00", kind=ProgrammeKind.PLENARY)
    gone = add_delegate(event, name_zh="", name_en="", personal_data_erased_at=datetime.now(UTC))
    add_person(session, gone)
    db.session.expire(session)
    assert session_card_people(session) == []
    assert confirmed_card_people(event) == []


def test_all_confirmed_delegates_by_organisation(event):  # noqa: F811
    add_delegate(event, name_zh="乙", name_en="B", organisation="Beta")
    add_delegate(event, name_zh="甲", name_en="A", organisation="Alpha")
    add_delegate(
        event, name_zh="丙", name_en="C", organisation="Alpha", status=RegistrationStatus.PENDING
    )
    people = confirmed_card_people(event)
    assert [p.main_name for p in people] == ["甲", "乙"]
    assert people[0].organisations == ["Alpha"]


def test_one_category(event):  # noqa: F811
    media = category_by_code(event, "media")
    government = category_by_code(event, "government")
    add_delegate(event, name_zh="记者", category_id=media.id)
    add_delegate(event, name_zh="官员", category_id=government.id)
    assert [p.main_name for p in category_card_people(event, media)] == ["记者"]


def test_chinese_organisation_goes_on_the_chinese_line(event):  # noqa: F811
    add_delegate(event, name_zh="甲", organisation="国家认证认可监督管理委员会")
    (person,) = confirmed_card_people(event)
    assert person.organisation_zh == "国家认证认可监督管理委员会" and person.organisation_en == ""
