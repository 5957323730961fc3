"""The list PDF as printed: read back with pdftoppm, pypdf and pdfium, never through its own code.

Tables are built directly (the list builder is tested on its own): cells arrive masked,
and the renderer only lays them out, except for a guard against an unmasked phone.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from tests.services.pdf_support import MM, char_boxes, is_blank, page_sizes, page_texts, rasterise
from wadconf.services.list_pdf import (
    MARGIN_X,
    SIGNIN_ROW_MM,
    column_widths,
    columns_of,
    list_pdf,
    mask_phone_cell,
    page_of,
)
from wadconf.services.list_table import ListColumn, ListGroup, ListRow, ListTable

EVENT = "2026年世界认可日大会 World Accreditation Day 2026"
TITLE = "参会人员名单 List of participants"
GENERATED = datetime(2026, 6, 9, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
SURNAMES = "王李张刘陈杨赵黄周吴"

COLUMNS = [
    ListColumn("number", "序号", "No.", 0.5, "right"),
    ListColumn("name_zh", "中文姓名", "Chinese name", 1.2),
    ListColumn("name_en", "英文姓名", "English name", 1.5),
    ListColumn("organisation", "单位", "Organisation", 3.0),
    ListColumn("phone", "手机", "Mobile", 1.3),
    ListColumn("checked_in_at", "签到时间", "Checked in", 1.3),
]


def person(number: int, organisation: str = "中国合格评定国家认可委员会", **cells) -> ListRow:
    values = {
        "name_zh": f"{SURNAMES[number % 10]}代表{number}",
        "name_en": f"Delegate D{number:04d}",
        "organisation": organisation,
        "phone": "138****5678",
        "checked_in_at": GENERATED,
    }
    values.update(cells)
    return ListRow(number=number, registration_id=number, cells=values)


def table(rows: list[ListRow] | None = None, **overrides) -> ListTable:
    values = dict(
        event_title=EVENT,
        title=TITLE,
        columns=list(COLUMNS),
        groups=[ListGroup("", rows if rows is not None else [person(n) for n in range(1, 6)])],
        language="bilingual",
        orientation="portrait",
        generated_at=GENERATED,
        timezone="Asia/Shanghai",
    )
    values.update(overrides)
    return ListTable(**values)


def many(count: int) -> list[ListRow]:
    return [person(n) for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def long_list() -> bytes:
    """120 rows: several pages."""
    return list_pdf(table(many(120)))


# --- pages and rasters -----------------------------------------------------------------


def test_pdftoppm_rasterises_every_page_and_none_is_blank(long_list):
    rasters = rasterise(long_list)
    assert len(rasters) == len(page_texts(long_list)) >= 3
    assert not any(is_blank(image) for image in rasters)


def test_short_list_is_one_page(long_list):
    assert len(page_texts(list_pdf(table()))) == 1


def test_empty_list_still_prints_its_headers_and_a_zero_total():
    (text,) = page_texts(list_pdf(table([])))
    assert "中文姓名" in text and "合计：0" in text


def test_portrait_pages_are_portrait(long_list):
    assert all(h > w for w, h in page_sizes(long_list))


def test_landscape_pages_are_landscape():
    sizes = page_sizes(list_pdf(table(many(60), orientation="landscape")))
    assert len(sizes) > 1
    for w, h in sizes:
        assert w == pytest.approx(297 * MM, abs=1) and h == pytest.approx(210 * MM, abs=1)


# --- every page: titles, headers, page N of M, time ------------------------------------


def test_event_name_and_title_on_every_page(long_list):
    for text in page_texts(long_list):
        assert "2026年世界认可日大会WorldAccreditationDay2026" in text
        assert "参会人员名单Listofparticipants" in text


def test_column_headers_repeat_on_every_page(long_list):
    for text in page_texts(long_list):
        for header in ("序号", "中文姓名", "英文姓名", "单位", "手机", "签到时间"):
            assert header in text
        for header in ("Organisation", "Mobile", "Checkedin"):
            assert header in text


def test_page_n_of_m_on_every_page(long_list):
    texts = page_texts(long_list)
    for number, text in enumerate(texts, start=1):
        assert f"Page{number}of{len(texts)}" in text
        assert f"第{number}页，共{len(texts)}页" in text


def test_generated_time_is_shown_in_the_event_zone_on_every_page(long_list):
    for text in page_texts(long_list):
        assert "2026-06-0909:30(Asia/Shanghai)" in text


def test_every_font_is_embedded_so_chinese_prints_on_a_fresh_machine(long_list):
    fonts = PdfReader(io.BytesIO(long_list)).pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "NotoSansSC" in font["/BaseFont"]
        assert any(key.startswith("/FontFile") for key in descriptor)


def test_chinese_names_are_text_in_the_pdf(long_list):
    text = "".join(page_texts(long_list))
    for number in (1, 57, 120):
        assert f"{SURNAMES[number % 10]}代表{number}" in text
        assert f"DelegateD{number:04d}" in text


def test_every_row_is_printed_once(long_list):
    text = "".join(page_texts(long_list))
    assert all(text.count(f"D{n:04d}") == 1 for n in range(1, 121))


def test_chinese_only_headers_in_chinese():
    (text,) = page_texts(list_pdf(table(language="zh")))
    assert "中文姓名" in text and "第1页，共1页" in text and "合计：5" in text
    assert "Organisation" not in text and "Page1of1" not in text


def test_english_only_headers_in_english():
    (text,) = page_texts(list_pdf(table(language="en")))
    assert "Organisation" in text and "Page1of1" in text and "Total:5" in text
    assert "单位" not in text and "合计" not in text


# --- cells -----------------------------------------------------------------------------


def test_datetimes_in_cells_are_shown_in_the_event_zone():
    row = person(1, checked_in_at=datetime(2026, 6, 9, 23, 5, tzinfo=UTC))
    (text,) = page_texts(list_pdf(table([row], timezone="Asia/Shanghai")))
    assert "2026-06-1007:05" in text


def test_masked_phone_is_printed_as_given():
    (text,) = page_texts(list_pdf(table([person(1, phone="139****0001")])))
    assert "139****0001" in text


def test_unmasked_phone_under_a_phone_column_is_masked_again():
    (text,) = page_texts(list_pdf(table([person(1, phone="+86 139 1234 0001")])))
    assert "12340001" not in text and "13912340001" not in text
    assert "+86139****0001" in text


def test_phone_like_text_in_other_columns_is_printed_as_given():
    # Masking is the list builder's job; the renderer prints what it is given.
    (text,) = page_texts(list_pdf(table([person(1, organisation="Room 13912340001")])))
    assert "13912340001" in text


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138****5678", "138****5678"),
        ("", ""),
        ("n/a", "n/a"),
    ],
)
def test_phone_guard(given, printed):
    assert mask_phone_cell(given) == printed


def test_row_number_is_taken_from_the_row_when_cells_lack_it():
    (text,) = page_texts(list_pdf(table([person(42)])))
    assert "42张代表42" in text


# --- groups, totals --------------------------------------------------------------------


def test_grouped_list_has_sub_headings_subtotals_and_a_grand_total():
    groups = [
        ListGroup(
            "国家认证认可监督管理委员会", [person(n, "国家认证认可监督管理委员会") for n in (1, 2)]
        ),
        ListGroup("Deutsche Akkreditierungsstelle", [person(n, "DAkkS") for n in (3, 4, 5)]),
    ]
    (text,) = page_texts(list_pdf(table(groups=groups, grouped=True)))
    first, second = (
        text.index("国家认证认可监督管理委员会"),
        text.index("DeutscheAkkreditierungsstelle"),
    )
    assert first < text.index("小计：2·Subtotal:2") < second
    assert second < text.index("小计：3·Subtotal:3") < text.index("合计：5·Total:5")


def test_ungrouped_list_has_no_subtotal():
    (text,) = page_texts(list_pdf(table()))
    assert "Subtotal" not in text and "Total:5" in text


# --- widths, wrapping ------------------------------------------------------------------


def test_column_widths_share_the_page_by_their_weights():
    widths = column_widths(COLUMNS, 186.0)
    assert sum(widths) == pytest.approx(186.0)
    assert widths[3] == pytest.approx(widths[0] * 6)


def test_long_text_wraps_inside_its_column():
    organisation = "璇" * 300
    data = list_pdf(table([person(1, organisation=organisation), person(2)]))
    page = page_of(table())
    widths = column_widths(COLUMNS, page.body_w)
    left = (MARGIN_X + sum(widths[:3])) * MM
    right = left + widths[3] * MM
    boxes = [
        box
        for _size, text, page_boxes in char_boxes(data)
        for ch, box in zip(text, page_boxes, strict=True)
        if ch == "璇"
    ]
    assert len(boxes) == 300  # nothing dropped
    assert all(left <= box[0] and box[2] <= right for box in boxes)
    assert len({round(box[1]) for box in boxes}) > 5  # on many lines


def test_text_longer_than_a_page_is_cut_not_run_off_the_paper():
    data = list_pdf(table([person(1, organisation="长" * 6000), person(2)]))
    pages = char_boxes(data)
    for (w, h), _text, boxes in pages:
        assert all(0 <= box[0] and box[2] <= w and 0 <= box[1] and box[3] <= h for box in boxes)
    text = "".join(page_texts(data))
    assert "…" in text and "DelegateD0002" in text


def test_page_count_alias_in_a_cell_is_printed_as_typed():
    (text,) = page_texts(list_pdf(table([person(1, organisation="{nb} pages")])))
    assert "{nb}pages" in text


def test_long_titles_and_odd_characters_do_not_break_the_page():
    odd = table(
        [person(1, name_en="<b>Tab\there</b>\x00", name_zh=None)],
        event_title="大会" * 80,
        title="Title " * 60,
    )
    data = list_pdf(odd)
    (text,) = page_texts(data)
    assert "<b>Tabhere</b>" in text


# --- sign-in sheets --------------------------------------------------------------------


def signin(rows: list[ListRow], **overrides) -> ListTable:
    columns = [c for c in COLUMNS if c.key not in {"phone", "checked_in_at"}]
    return table(
        rows, columns=columns, is_signin_sheet=True, title="签到表 Sign-in sheet", **overrides
    )


def test_signin_sheet_has_a_signature_column():
    assert columns_of(signin([]))[-1].key == "signature"
    (text,) = page_texts(list_pdf(signin(many(3))))
    assert "签名Signature" in text


def test_signin_sheet_keeps_a_signature_column_it_was_given():
    columns = [*COLUMNS[:2], ListColumn("signature", "本人签字", "Sign here", 2.0)]
    table_ = table(many(2), columns=columns, is_signin_sheet=True)
    assert [c.key for c in columns_of(table_)].count("signature") == 1
    (text,) = page_texts(list_pdf(table_))
    assert "本人签字" in text and "签名" not in text


def test_signin_sheet_rows_are_tall_enough_to_sign():
    data = list_pdf(signin(many(40)))
    (_size, text, boxes), *_rest = char_boxes(data)
    tops = []
    for number in range(1, 8):
        index = text.index(f"D{number:04d}")
        tops.append(boxes[index][3])
    gaps = [upper - lower for upper, lower in zip(tops, tops[1:], strict=False)]
    assert min(gaps) >= SIGNIN_ROW_MM * MM - 0.5


def test_ordinary_rows_are_lower_than_signin_rows():
    (_size, text, boxes), *_rest = char_boxes(list_pdf(table(many(10))))
    gap = boxes[text.index("D0001")][3] - boxes[text.index("D0002")][3]
    assert gap < SIGNIN_ROW_MM * MM - 1


def test_signin_sheet_grouped_by_organisation_keeps_headings_with_rows():
    groups = [
        ListGroup(f"单位{g}", [person(g * 100 + n, f"单位{g}") for n in range(1, 9)])
        for g in range(1, 8)
    ]
    texts = page_texts(list_pdf(signin([], groups=groups, grouped=True)))
    assert len(texts) > 1
    for g in range(1, 8):
        heading = next(
            n for n, text in enumerate(texts) if f"单位{g}" in text.split("Signature", 1)[1]
        )
        assert f"D{g * 100 + 1:04d}" in texts[heading]


def test_a_group_running_onto_a_new_page_repeats_its_heading():
    groups = [ListGroup("国家认证认可监督管理委员会", many(60))]
    texts = page_texts(list_pdf(table(groups=groups, grouped=True)))
    assert len(texts) > 1
    for text in texts[1:]:
        assert "国家认证认可监督管理委员会（续）·国家认证认可监督管理委员会(continued)" in text


def test_rows_never_run_into_the_footer():
    rows = [person(n, organisation="璇" * (n % 7 * 40 + 1)) for n in range(1, 80)]
    rows.insert(5, person(999, organisation="璇" * 5000))
    groups = [ListGroup("单位" * 400, rows)]  # a heading far too long for two lines
    for orientation in ("portrait", "landscape"):
        data = list_pdf(table(groups=groups, grouped=True, orientation=orientation))
        pages = char_boxes(data)
        assert len(pages) > 2
        for (_w, _h), text, boxes in pages:
            rows_boxes = [box for ch, box in zip(text, boxes, strict=True) if ch == "璇"]
            assert rows_boxes and min(box[1] for box in rows_boxes) >= 12 * MM - 0.5
