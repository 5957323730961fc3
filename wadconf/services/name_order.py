"""Sort keys for name lists: surname stroke count (姓氏笔画), pinyin, English surname.

**Stroke order (姓氏笔画排序)**, the order of official Chinese name lists: by the stroke
count of the surname's first character; equal counts by the strokes themselves in the
order 横 丨竖 丿撇 丶点 乛折 (first stroke, then the second...); then the next characters
(the rest of a compound surname, then the given name). Stroke data:
``wadconf/data/hanzi_strokes.txt`` (9,504 simplified and traditional characters, from
cnchar, MIT). A character not in the data (rare characters of CJK extensions, such as 䶮)
sorts after every known character at the same place, by code point: a list stays complete
and stable, and an organiser can see the name near the end of its stroke group.

Names written only in Latin letters (foreign delegates without a Chinese name) come after
all Chinese names, by English surname; a delegate with no name at all comes last.

**Pinyin**: the surname is read as a surname (单 shàn, 曾 zēng, 区 ōu, 解 xiè...), the
given name by pypinyin; Latin-only names sort among them by surname, as in an A-Z index.

**English surname**: ``name_en``'s surname (``SMITH John``, ``Smith, John``, ``John Smith``;
for a delegate with a Chinese name, ``Zhang San`` is read surname first), else the pinyin
of the Chinese surname.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

from pypinyin import Style, lazy_pinyin

#: Two-character surnames (复姓), simplified and traditional.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 轩辕 独孤
    南宫 西门 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 闻人 赫连 呼延 百里 东郭
    司空 鲜于 拓跋 完颜 仲孙 乐正 漆雕 壤驷 公良 梁丘 左丘 东门 第五 公羊 谷梁 巫马 亓官
    司寇 子车 颛孙 羊舌 微生 段干 呼衍 贺兰 纳兰 耶律
    歐陽 司馬 諸葛 東方 長孫 尉遲 令狐 軒轅 獨孤 南宮 西門 萬俟 濮陽 鍾離 聞人 赫連 東郭
    鮮于 顓孫 賀蘭 納蘭
    """.split()
)

#: Readings of characters when they are a surname, where pypinyin's everyday reading differs.
SURNAME_READINGS = {
    "单": "shan4",
    "單": "shan4",
    "曾": "zeng1",
    "区": "ou1",
    "區": "ou1",
    "解": "xie4",
    "仇": "qiu2",
    "查": "zha1",
    "朴": "piao2",
    "盖": "ge3",
    "蓋": "ge3",
    "乐": "yue4",
    "樂": "yue4",
    "缪": "miao4",
    "繆": "miao4",
    "秘": "bi4",
    "种": "chong2",
    "種": "chong2",
    "折": "she2",
    "翟": "zhai2",
    "召": "shao4",
    "员": "yun4",
    "員": "yun4",
    "能": "nai4",
    "宿": "su4",
    "洗": "xian3",
    "冼": "xian3",
    "覃": "qin2",
    "隗": "wei3",
    "藏": "zang4",
    "都": "du1",
    "重": "chong2",
    "长": "chang2",
    "長": "chang2",
    "柏": "bai3",
    "薄": "bo2",
    "卜": "bu3",
    "华": "hua4",
    "華": "hua4",
    "纪": "ji3",
    "紀": "ji3",
    "任": "ren2",
    "沈": "shen3",
    "尉": "wei4",
    "阚": "kan4",
    "闞": "kan4",
    "相": "xiang1",
    "燕": "yan1",
    "过": "guo1",
    "過": "guo1",
    "万俟": "mo4 qi2",
    "萬俟": "mo4 qi2",
    "尉迟": "yu4 chi2",
    "尉遲": "yu4 chi2",
    "长孙": "zhang3 sun1",
    "長孫": "zhang3 sun1",
    "单于": "chan2 yu2",
    "澹台": "tan2 tai2",
}

#: Where a character missing from the stroke data sorts: after every real count.
UNKNOWN_STROKES = 1000
#: Separators inside Chinese names: the middle dot of transliterated names, spaces.
_NAME_SEPARATORS = " \u00b7\u30fb\u2022\u2027.\u3000"


@functools.cache
def stroke_table() -> dict[str, str]:
    """Character -> its strokes as digits 1-5 (横竖撇点折), read once."""
    text = resources.files("wadconf").joinpath("data/hanzi_strokes.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            table[line[0]] = line[1:]
    return table


def is_han(char: str) -> bool:
    """Whether ``char`` is a Chinese character (CJK ideographs, extensions, compatibility)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3134F
        or 0xF900 <= code <= 0xFAFF
        or code == 0x3007
    )


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return any(is_han(char) for char in text)


def _clean_zh(name: str) -> str:
    return "".join(char for char in name.strip() if char not in _NAME_SEPARATORS)


def split_name_zh(name: str) -> tuple[str, str]:
    """``(surname, given name)`` of a Chinese name; a known compound surname takes two characters.

    A two-character name is read as surname and given name even when the two characters
    could be a compound surname: a delegate's name is never a surname alone.
    """
    name = _clean_zh(name)
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def char_stroke_key(char: str) -> tuple[int, str, int]:
    """``(stroke count, stroke classes, code point)`` of one character."""
    strokes = stroke_table().get(char)
    if strokes is None:
        return (UNKNOWN_STROKES, "", ord(char))
    return (len(strokes), strokes, ord(char))


def stroke_count(char: str) -> int | None:
    """The stroke count of ``char``, or ``None`` when it is not in the data."""
    strokes = stroke_table().get(char)
    return len(strokes) if strokes is not None else None


def _ascii_fold(text: str) -> str:
    """Lower case without accents: ``Müller`` -> ``muller``, ``Ødegård`` -> ``odegard``."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("ß", "ss").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def split_name_en(name: str, *, chinese_order: bool = False) -> tuple[str, str]:
    """``(surname, rest)`` of a name in Latin letters.

    ``Smith, John`` and ``SMITH John`` name their surname; otherwise the last word is the
    surname, or the first when ``chinese_order`` (a Chinese delegate's ``Zhang San``).
    """
    name = " ".join(name.split())
    if not name:
        return "", ""
    if "," in name:
        surname, _, rest = name.partition(",")
        return surname.strip(), rest.strip()
    words = name.split(" ")
    if len(words) == 1:
        return name, ""
    capitals = [w for w in words if len(w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(words):
        surname = capitals[0]
        return surname, " ".join(w for w in words if w is not surname)
    if chinese_order:
        return words[0], " ".join(words[1:])
    return words[-1], " ".join(words[:-1])


def _latin_key(name_en: str, *, chinese_order: bool = False) -> tuple[str, str, str]:
    surname, rest = split_name_en(name_en, chinese_order=chinese_order)
    return (_ascii_fold(surname), _ascii_fold(rest), name_en)


def stroke_key(name_zh: str, name_en: str = "") -> tuple:
    """The 姓氏笔画 key: Chinese names by strokes, then Latin-only names, then nameless."""
    cleaned = _clean_zh(name_zh)
    if cleaned and has_han(cleaned):
        return (0, tuple(char_stroke_key(char) for char in cleaned))
    if name_en.strip() or cleaned:
        return (1, _latin_key(name_en.strip() or cleaned))
    return (2,)


def _syllables(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default")


def pinyin_of_name(name_zh: str) -> list[str]:
    """Pinyin syllables with tone numbers (``zhang1``), the surname read as a surname."""
    surname, given = split_name_zh(name_zh)
    reading = SURNAME_READINGS.get(surname)
    if reading is None and len(surname) == 1:
        reading = SURNAME_READINGS.get(surname[:1])
    head = reading.split() if reading else _syllables(surname)
    return head + (_syllables(given) if given else [])


def _pinyin_parts(syllables: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    letters = tuple(s.rstrip("012345").casefold() for s in syllables)
    tones = tuple(s[-1] if s[-1:].isdigit() else "0" for s in syllables)
    return letters, tones


def pinyin_key(name_zh: str, name_en: str = "") -> tuple:
    """A-Z by pinyin (letters, then tones, then characters); Latin names among them."""
    cleaned = _clean_zh(name_zh)
    if cleaned and has_han(cleaned):
        letters, tones = _pinyin_parts(pinyin_of_name(cleaned))
        return (0, letters, tones, cleaned)
    if name_en.strip() or cleaned:
        surname, rest, full = _latin_key(name_en.strip() or cleaned)
        return (0, (surname, *rest.split()), (), full)
    return (1,)


def english_key(name_zh: str, name_en: str = "") -> tuple:
    """By the surname in Latin letters: ``name_en``'s, else the pinyin of the Chinese name."""
    chinese = has_han(name_zh)
    if name_en.strip():
        return (0, _latin_key(name_en, chinese_order=chinese))
    if chinese:
        letters, _tones = _pinyin_parts(pinyin_of_name(name_zh))
        return (0, (letters[0] if letters else "", " ".join(letters[1:]), name_zh))
    return (1,)


@functools.lru_cache(maxsize=4096)
def text_key(text: str) -> tuple:
    """Organisation names and other labels: Chinese by stroke order, then Latin A-Z."""
    cleaned = text.strip()
    if not cleaned:
        return (2,)
    if has_han(cleaned[:1]):
        return (0, tuple(char_stroke_key(char) for char in cleaned))
    return (1, _ascii_fold(cleaned))


@functools.lru_cache(maxsize=4096)
def text_pinyin_key(text: str) -> tuple:
    """Organisation names A-Z by pinyin (Latin names among them)."""
    cleaned = text.strip()
    if not cleaned:
        return (1,)
    return (0, tuple(_ascii_fold(s) for s in lazy_pinyin(cleaned, style=Style.NORMAL)), cleaned)
