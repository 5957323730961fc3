"""Sort keys of names: 姓氏笔画, pinyin with surname readings, English surnames."""

from __future__ import annotations

from wadconf.services import name_order as names


def _by(key, people):
    return [zh or en for zh, en in sorted(people, key=lambda p: key(*p))]


def test_stroke_order_matches_the_order_a_person_writes_down():
    people = [
        ("", "John SMITH"),
        ("欧阳明", "Ouyang Ming"),
        ("张伟", "Zhang Wei"),
        ("李娜", "Li Na"),
        ("司马光", "Sima Guang"),
        ("王芳", "Wang Fang"),
    ]
    # 王 4 < 司马 5 < 李 7 (first stroke 横) < 张 7 (first stroke 折) < 欧阳 8 < Latin only.
    assert _by(names.stroke_key, people) == [
        "王芳",
        "司马光",
        "李娜",
        "张伟",
        "欧阳明",
        "John SMITH",
    ]


def test_stroke_counts_come_from_the_data():
    assert [names.stroke_count(c) for c in "王司李张欧"] == [4, 5, 7, 7, 8]


def test_equal_counts_are_ordered_by_the_first_strokes():
    # All three have 2 strokes: 丁 starts with 横, 卜 with 竖, 人 with 撇.
    assert _by(names.stroke_key, [("人甲", ""), ("卜甲", ""), ("丁甲", "")]) == [
        "丁甲",
        "卜甲",
        "人甲",
    ]


def test_same_surname_is_ordered_by_the_given_name():
    assert _by(names.stroke_key, [("王磊", ""), ("王一", ""), ("王五", "")]) == [
        "王一",
        "王五",
        "王磊",
    ]


def test_traditional_characters_have_strokes():
    # Counted as written on the mainland: 阝 is 2 strokes, so 陳 is 2 + 8.
    assert names.stroke_count("陳") == 10
    assert names.stroke_count("張") == 11


def test_a_rare_character_sorts_after_known_ones_and_before_latin_names():
    people = [("", "Anna Berg"), ("䶮华", ""), ("龚华", "")]
    assert names.stroke_count("䶮") is None
    assert _by(names.stroke_key, people) == ["龚华", "䶮华", "Anna Berg"]


def test_compound_surnames_are_recognised():
    assert names.split_name_zh("欧阳修") == ("欧阳", "修")
    assert names.split_name_zh("司马光") == ("司马", "光")
    assert names.split_name_zh("上官婉儿") == ("上官", "婉儿")
    assert names.split_name_zh("王芳") == ("王", "芳")
    assert names.split_name_zh("欧阳") == ("欧", "阳")


def test_polyphonic_surnames_are_read_as_surnames():
    assert names.pinyin_of_name("单田芳")[0] == "shan4"
    assert names.pinyin_of_name("曾国藩")[0] == "zeng1"
    assert names.pinyin_of_name("区家麟")[0] == "ou1"
    assert names.pinyin_of_name("尉迟恭")[:2] == ["yu4", "chi2"]


def test_pinyin_order_puts_shan_after_ou():
    people = [("单田芳", ""), ("区家麟", ""), ("曾国藩", ""), ("安然", "")]
    assert _by(names.pinyin_key, people) == ["安然", "区家麟", "单田芳", "曾国藩"]


def test_english_surname_forms():
    assert names.split_name_en("John Smith") == ("Smith", "John")
    assert names.split_name_en("SMITH John") == ("SMITH", "John")
    assert names.split_name_en("Smith, John") == ("Smith", "John")
    assert names.split_name_en("Zhang Wei", chinese_order=True) == ("Zhang", "Wei")


def test_english_order_reads_accents_and_chinese_names_surname_first():
    people = [("", "Zoë Ødegård"), ("张伟", "Zhang Wei"), ("", "Hans Müller"), ("李娜", "")]
    assert _by(names.english_key, people) == ["李娜", "Hans Müller", "Zoë Ødegård", "张伟"]
