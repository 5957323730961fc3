"""Fictional delegates for the demo: names, organisations and contacts that belong to nobody.

Names are drawn from lists of common Chinese surnames and given-name characters and common
English first and last names, with a seeded random generator so that every run produces the
same people (the demo loader relies on that to stay idempotent). Organisations use invented
place names (岚川, 澜湖...) or say "Example"; e-mail addresses are at example.org/example.com
(RFC 2606); mainland mobiles are in 138 0000 xxxx and others in the North American 555-01xx
block reserved for fiction. Nothing here describes a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SEED = 20240606

#: Common surnames with their pinyin.
SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
    ("高", "Gao"),
    ("罗", "Luo"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
]
#: Common given-name characters with their pinyin.
GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("勇", "yong"),
    ("军", "jun"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("华", "hua"),
    ("建", "jian"),
    ("文", "wen"),
    ("玲", "ling"),
    ("峰", "feng"),
    ("宇", "yu"),
    ("欣", "xin"),
    ("浩", "hao"),
    ("晨", "chen"),
]
FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "Thomas",
    "Sarah",
    "Daniel",
    "Laura",
    "Peter",
    "Anna",
    "Paul",
    "Maria",
    "Mark",
    "Emma",
    "Lucas",
    "Sofia",
    "Oliver",
    "Julia",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Anderson",
    "Martin",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Hill",
    "Adams",
    "Nelson",
    "Carter",
    "Turner",
    "Parker",
]
#: Invented place names for Chinese organisations (Chinese, pinyin).
PLACES = [
    ("岚川", "Lanchuan"),
    ("澜湖", "Lanhu"),
    ("青屿", "Qingyu"),
    ("霁州", "Jizhou"),
    ("朔原", "Shuoyuan"),
    ("棠溪", "Tangxi"),
    ("汀澜", "Tinglan"),
    ("云岫", "Yunxiu"),
]
#: Countries and regions of foreign delegates.
FOREIGN = [
    "DE",
    "FR",
    "GB",
    "US",
    "JP",
    "KR",
    "SG",
    "AU",
    "CA",
    "ZA",
    "BR",
    "TH",
    "MY",
    "IT",
    "NL",
    "ES",
    "SE",
    "NZ",
    "KE",
    "EG",
]
_NANP_AREAS = ["202", "212", "312", "415", "617", "206", "303", "512"]

#: Category code -> (Chinese organisation patterns, English organisation patterns, positions).
ORGANISATIONS = {
    "government": (
        ["{p}市市场监督管理局", "{p}省市场监督管理局"],
        ["Example National Standards Agency", "Example Ministry of Trade, Quality Office"],
        [
            ("处长", "Division Director"),
            ("副局长", "Deputy Director-General"),
            ("科长", "Section Chief"),
        ],
    ),
    "intl_org": (
        [],
        [
            "International Example Accreditation Cooperation",
            "Global Example Testing Council",
            "Asia-Pacific Example Conformity Forum",
        ],
        [("秘书长", "Secretary General"), ("主席", "Chair"), ("项目官员", "Programme Officer")],
    ),
    "expert": (
        ["{p}大学质量研究院", "{p}标准化研究所"],
        ["Example Institute of Technology", "University of Exampleton"],
        [("教授", "Professor"), ("研究员", "Research Fellow"), ("首席专家", "Chief Expert")],
    ),
    "industry_body": (
        ["{p}市认证认可协会", "{p}检验检测行业协会"],
        ["Example Association of Testing Laboratories"],
        [("会长", "President"), ("秘书长", "Secretary General")],
    ),
    "ccti_body": (
        ["{p}示例检测认证有限公司", "{p}质量技术检测中心"],
        ["Example Testing Lab Co.", "Example Certification GmbH"],
        [("总经理", "General Manager"), ("技术负责人", "Technical Manager"), ("审核员", "Auditor")],
    ),
    "enterprise": (
        ["{p}示例精密制造有限公司", "{p}绿色能源示例股份公司"],
        ["Example Electronics Ltd.", "Example Foods plc"],
        [("质量总监", "Quality Director"), ("副总裁", "Vice President")],
    ),
    "speaker": (
        ["{p}省人民政府（示例）", "{p}新区管理委员会（示例）"],
        ["Example Ministry of Economy"],
        [("副省长", "Vice Governor"), ("主任", "Director")],
    ),
    "media": (
        ["{p}日报", "{p}广播电视台"],
        ["Example News Agency", "Example Quality Weekly"],
        [("记者", "Reporter"), ("摄影记者", "Photographer")],
    ),
    "staff": (["大会会务组"], ["Conference Secretariat"], [("工作人员", "Staff")]),
}
#: Share of delegates from outside mainland China, per category.
FOREIGN_SHARE = {
    "government": 0.1,
    "intl_org": 1.0,
    "expert": 0.25,
    "industry_body": 0.1,
    "ccti_body": 0.15,
    "enterprise": 0.1,
    "speaker": 0.0,
    "media": 0.2,
    "staff": 0.0,
}


@dataclass
class DemoPerson:
    """One fictional delegate, ready to become an invitation or a registration."""

    name_zh: str
    name_en: str
    organisation: str
    position: str
    country: str
    email: str
    mobile: str
    locale: str
    category: str


@dataclass
class PeopleGenerator:
    """Deterministic fictional people: the same ``seed`` gives the same sequence."""

    seed: int = SEED
    rng: random.Random = field(init=False)
    _names: set[str] = field(default_factory=set, init=False)
    _serial: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        """Seed the generator."""
        self.rng = random.Random(self.seed)

    def _next_serial(self) -> int:
        """A new number, for unique e-mail addresses and phone numbers."""
        self._serial += 1
        return self._serial

    def _chinese_name(self) -> tuple[str, str, str]:
        """(Chinese, pinyin "Wang Xiaoming", e-mail local part), never repeated in one run."""
        while True:
            (sur_zh, sur_py) = self.rng.choice(SURNAMES)
            given = self.rng.sample(GIVEN, self.rng.choice((1, 2)))
            zh = sur_zh + "".join(c for c, _ in given)
            if zh not in self._names:
                self._names.add(zh)
                py = "".join(p for _, p in given)
                return zh, f"{sur_py} {py.capitalize()}", f"{py}.{sur_py.lower()}"

    def _english_name(self) -> tuple[str, str]:
        """("Mary Smith", e-mail local part), never repeated in one run."""
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            if name not in self._names:
                self._names.add(name)
                return name, f"{first}.{last}".lower()

    def organisation(self, category: str, foreign: bool) -> tuple[str, str]:
        """(organisation, position) for ``category``, Chinese or English."""
        zh_patterns, en_names, positions = ORGANISATIONS[category]
        position_zh, position_en = self.rng.choice(positions)
        if foreign or not zh_patterns:
            return self.rng.choice(en_names), position_en
        place_zh, _place_en = self.rng.choice(PLACES)
        return self.rng.choice(zh_patterns).format(p=place_zh), position_zh

    def person(
        self, category: str, *, foreign: bool | None = None, organisation: str | None = None
    ) -> DemoPerson:
        """A new fictional person of ``category`` (foreign by the category's share unless told)."""
        if foreign is None:
            foreign = self.rng.random() < FOREIGN_SHARE[category]
        serial = self._next_serial()
        org, position = self.organisation(category, foreign)
        if foreign:
            name_en, local = self._english_name()
            country = self.rng.choice(FOREIGN)
            area = _NANP_AREAS[serial // 100 % len(_NANP_AREAS)]
            return DemoPerson(
                name_zh="",
                name_en=name_en,
                organisation=organisation or org,
                position=position,
                country=country,
                email=f"{local}{serial}@example.com",
                mobile=f"+1{area}55501{serial % 100:02d}",
                locale="en",
                category=category,
            )
        name_zh, name_en, local = self._chinese_name()
        country = "CN" if self.rng.random() < 0.95 else self.rng.choice(("HK", "MO"))
        return DemoPerson(
            name_zh=name_zh,
            name_en=name_en,
            organisation=organisation or org,
            position=position,
            country=country,
            email=f"{local}{serial}@example.org",
            mobile=f"+8613800{serial:06d}",
            locale="zh_Hans",
            category=category,
        )
