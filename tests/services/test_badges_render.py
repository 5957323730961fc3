"""Badges as drawn: the phone PNG and the print PDF in each layout, read back independently.

QR codes are decoded with zxing-cpp (the PDF rasterised with pypdfium2, as a printed sheet
would be scanned); texts are extracted with pypdf and placed with pdfium's character boxes.
"""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from wadconf.extensions import db
from wadconf.models import Event, Registration
from wadconf.services import badges
from wadconf.services.badge_layouts import LAYOUTS, badge_face, text_colour_on

LONG_ZH = "欧阳" + "娜" * 48  # 50 characters
LONG_EN = "Maximilian Alexander Christopher Wolfeschlegelsteinhausenbergerdorff " * 2
LONG_ORG = (
    "国家认证认可监督管理委员会国际合作司与中国合格评定国家认可中心联合工作组"
    " China National Accreditation Service for Conformity Assessment, International"
    " Cooperation Department and Joint Working Group on Mutual Recognition Arrangements"
)
DPI = 200


@pytest.fixture
def event(make_event):
    return make_event(name_zh="2025年世界认可日大会", name_en="World Accreditation Day 2025")


def _rows(app, registrations) -> list[Registration]:
    return [db.session.get(Registration, r.id) for r in registrations]


def png_of(app, registration) -> bytes:
    with app.app_context():
        return badges.badge_png(db.session.get(Registration, registration.id))


def pdf_of(app, registrations, layout: str) -> bytes:
    with app.app_context():
        return badges.badge_pdf(_rows(app, registrations), layout=layout)


def faces_of(app, registrations):
    with app.app_context():
        return [badge_face(row) for row in _rows(app, registrations)]


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def pages(data: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [page.render(scale=DPI / 72).to_pil() for page in document]
    finally:
        document.close()


def squash(text: str) -> str:
    """Text without whitespace or NULs (lines break anywhere in Chinese; see test_letters)."""
    return "".join(text.replace("\x00", "").split())


def page_texts(data: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def char_boxes(data: bytes) -> list[tuple[tuple[float, float], list[tuple[float, ...]]]]:
    """Per page: its size in points and the boxes (left, bottom, right, top) of its characters."""
    document = pypdfium2.PdfDocument(data)
    try:
        result = []
        for page in document:
            text = page.get_textpage()
            boxes = [
                text.get_charbox(i)
                for i in range(text.count_chars())
                if not text.get_text_range(i, 1).isspace()
            ]
            result.append((page.get_size(), boxes))
        return result
    finally:
        document.close()


# --- the phone e-badge -----------------------------------------------------------------


def test_png_qr_decodes_to_the_badge_code(app, event, make_registration):
    registration = make_registration(event)
    assert decode(Image.open(io.BytesIO(png_of(app, registration)))) == [registration.badge_code]


def test_png_is_a_portrait_phone_image(app, event, make_registration):
    image = Image.open(io.BytesIO(png_of(app, make_registration(event))))
    assert image.format == "PNG"
    assert image.height > image.width >= 600


def test_png_with_very_long_names_still_decodes(app, event, make_registration):
    registration = make_registration(
        event, name_zh=LONG_ZH, name_en=LONG_EN[:100], organisation=LONG_ORG, locale="en"
    )
    assert decode(Image.open(io.BytesIO(png_of(app, registration)))) == [registration.badge_code]


def test_png_qr_decodes_from_a_small_camera_like_frame(app, event, make_registration):
    # A gate phone sees the badge small and soft: a third of the size, blurred by resampling.
    registration = make_registration(event)
    image = Image.open(io.BytesIO(png_of(app, registration))).convert("L")
    small = image.resize((image.width // 3, image.height // 3), Image.Resampling.BILINEAR)
    assert decode(small) == [registration.badge_code]


def test_png_uses_the_category_colour_for_the_band(app, event, make_registration):
    image = Image.open(io.BytesIO(png_of(app, make_registration(event, category="media"))))
    with app.app_context():
        from wadconf.services.categories import category_by_code

        colour = category_by_code(db.session.get(Event, event.id), "media").colour
    assert image.convert("RGB").getpixel((5, 5)) == tuple(
        int(colour[i : i + 2], 16) for i in (1, 3, 5)
    )


# --- what a badge says -----------------------------------------------------------------


def test_a_chinese_reader_sees_the_chinese_name_first(app, event, make_registration):
    [face] = faces_of(app, [make_registration(event, name_zh="张三", name_en="Zhang San")])
    assert (face.name, face.name_other) == ("张三", "Zhang San")


def test_an_english_reader_sees_the_english_name_first(app, event, make_registration):
    registration = make_registration(event, name_zh="张三", name_en="Zhang San", locale="en")
    [face] = faces_of(app, [registration])
    assert (face.name, face.name_other) == ("Zhang San", "张三")
    assert face.event_name == "World Accreditation Day 2025"


def test_a_name_in_one_script_only_is_the_first_name(app, event, make_registration):
    [face] = faces_of(app, [make_registration(event, name_zh="", name_en="Anna Smith")])
    assert (face.name, face.name_other) == ("Anna Smith", "")


def test_country_is_named_in_the_readers_language_first(app, event, make_registration):
    [face] = faces_of(app, [make_registration(event, country="TW")])
    assert face.country == "中国台湾 · Taiwan, China"


def test_category_label_in_both_languages(app, event, make_registration):
    [face] = faces_of(app, [make_registration(event, category="government", locale="en")])
    assert face.category.startswith("Government") and "政府" in face.category


def test_a_light_band_gets_black_text_and_a_dark_band_white():
    assert text_colour_on((255, 221, 0)) == (0, 0, 0)
    assert text_colour_on((11, 79, 138)) == (255, 255, 255)


# --- the print PDF ---------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_pdf_qr_codes_decode_to_the_badge_codes(app, event, make_registration, layout):
    registrations = [make_registration(event) for _ in range(2)]
    data = pdf_of(app, registrations, layout)
    found = [code for image in pages(data) for code in decode(image)]
    assert sorted(found) == sorted(r.badge_code for r in registrations)


def test_a6_is_one_a6_page_per_badge(app, event, make_registration):
    data = pdf_of(app, [make_registration(event) for _ in range(3)], "a6")
    sizes = [
        (round(p.mediabox.width), round(p.mediabox.height))
        for p in PdfReader(io.BytesIO(data)).pages
    ]
    assert sizes == [(298, 420)] * 3  # 105 x 148 mm in points


def test_a4x4_puts_four_badges_on_a_sheet(app, event, make_registration):
    registrations = [make_registration(event) for _ in range(5)]
    data = pdf_of(app, registrations, "a4x4")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert (round(reader.pages[0].mediabox.width), round(reader.pages[0].mediabox.height)) == (
        595,
        842,
    )
    assert len(decode(pages(data)[0])) == 4


def test_cr80_is_a_landscape_card(app, event, make_registration):
    data = pdf_of(app, [make_registration(event)], "cr80")
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (
        round(float(page.mediabox.width) * 25.4 / 72),
        round(float(page.mediabox.height) * 25.4 / 72),
    ) == (86, 54)


def test_pdf_qr_code_is_vector_not_an_image(app, event, make_registration):
    data = pdf_of(app, [make_registration(event)], "a6")
    resources = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]
    assert "/XObject" not in resources


def test_pdf_embeds_the_chinese_font(app, event, make_registration):
    data = pdf_of(app, [make_registration(event, name_zh="张三")], "a6")
    [font] = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values()
    descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert {"/FontFile2", "/FontFile3"} & set(descriptor.get_object().keys())


def _long(make_registration, event, locale):
    return make_registration(
        event,
        name_zh=LONG_ZH,
        name_en=LONG_EN[:100],
        organisation=LONG_ORG,
        country="TW",
        locale=locale,
    )


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_pdf_prints_every_text_of_long_names_whole(app, event, make_registration, layout):
    registrations = [
        _long(make_registration, event, "zh_Hans"),
        _long(make_registration, event, "en"),
    ]
    data = pdf_of(app, registrations, layout)
    text = "".join(page_texts(data))
    for face in faces_of(app, registrations):
        for part in face.texts:
            assert squash(part) in text, part


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_pdf_long_texts_stay_on_the_page(app, event, make_registration, layout):
    data = pdf_of(app, [_long(make_registration, event, "en")], layout)
    for (width, height), boxes in char_boxes(data):
        assert boxes
        for left, bottom, right, top in boxes:
            assert 0 <= left and right <= width and 0 <= bottom and top <= height


def test_a4x4_texts_never_cross_a_cut_line(app, event, make_registration):
    registrations = [_long(make_registration, event, locale) for locale in ("en", "zh_Hans") * 2]
    data = pdf_of(app, registrations, "a4x4")
    [((width, height), boxes)] = char_boxes(data)
    for left, bottom, right, top in boxes:
        assert not left < width / 2 < right
        assert not bottom < height / 2 < top


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_pdf_long_texts_keep_clear_of_the_qr_code(app, event, make_registration, layout):
    data = pdf_of(app, [_long(make_registration, event, "zh_Hans")], layout)
    [image] = pages(data)[:1]
    [barcode] = zxingcpp.read_barcodes(image)
    corners = [barcode.position.top_left, barcode.position.bottom_right]
    scale = 72 / DPI  # pixels to points
    qr_left, qr_right = (min(p.x for p in corners) * scale, max(p.x for p in corners) * scale)
    (width, height), boxes = char_boxes(data)[0]
    # pdfium's boxes count from the bottom; the image's rows from the top.
    qr_top = height - min(p.y for p in corners) * scale
    qr_bottom = height - max(p.y for p in corners) * scale
    for left, bottom, right, top in boxes:
        overlaps = left < qr_right and right > qr_left and bottom < qr_top and top > qr_bottom
        assert not overlaps


def test_markup_and_formulas_in_names_print_literally(app, event, make_registration):
    registration = make_registration(
        event,
        name_zh="<script>alert(1)</script>",
        name_en="=cmd|' /C calc'!A0",
        organisation="&amp;",
    )
    text = "".join(page_texts(pdf_of(app, [registration], "a6")))
    assert squash("<script>alert(1)</script>") in text
    assert squash("=cmd|' /C calc'!A0") in text
    assert "&amp;" in text


def test_an_unknown_layout_is_refused(app, event, make_registration):
    with pytest.raises(ValueError):
        pdf_of(app, [make_registration(event)], "poster")


def test_every_character_of_a_badge_has_a_glyph_in_the_font(app, make_event, make_registration):
    # CLDR writes "Jun 5 – 6, 2025" with thin spaces the CJK font lacks; a box would print.
    from fontTools.ttLib import TTFont

    from wadconf.fonts import cjk_font_path

    event = make_event(starts_on=date(2025, 6, 5), ends_on=date(2025, 6, 6))
    registrations = [
        make_registration(event, locale=locale, country="TW") for locale in ("en", "zh_Hans")
    ]
    with app.app_context():
        cmap = TTFont(str(cjk_font_path()), lazy=True).getBestCmap()
    for face in faces_of(app, registrations):
        missing = {ch for text in face.texts for ch in text if ord(ch) not in cmap}
        assert not missing, (face.texts, missing)
