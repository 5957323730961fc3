"""The demo conference: the 2024 China Certification and Accreditation Conference.

Modelled on the public notice in ``shared/seed``; rooms and times are illustrative
and every person later added to the demo is fictional.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, ProgrammeKind, ProgrammePart, Room
from wadconf.services import audit
from wadconf.services.events import EventData, create_event

SLUG = "wad2024"
ZONE = ZoneInfo("Asia/Shanghai")

EVENT = EventData(
    slug=SLUG,
    name_zh="2024年“世界认可日”活动暨中国认证认可大会",
    name_en="World Accreditation Day 2024 and China Certification and Accreditation Conference",
    starts_on=date(2024, 6, 6),
    ends_on=date(2024, 6, 6),
    timezone="Asia/Shanghai",
    theme_zh="认证认可检验检测：创新 合作 未来",
    theme_en="Certification, accreditation, inspection and testing: innovation, cooperation, future",
    intl_theme_zh="认可：赋能明天，塑造未来",
    intl_theme_en="Accreditation: Empowering Tomorrow and Shaping the Future",
    organiser_zh="市场监管总局（国家认监委）",
    organiser_en="State Administration for Market Regulation (CNCA)",
    venue_zh="河北雄安新区",
    venue_en="Xiong'an New Area, Hebei",
    description_zh=(
        "中国特色的合格评定国际交流合作平台：政策研究、成果发布、技术交流、磋商对话与合作签约。"
        "大会不收取任何费用。"
    ),
    description_en=(
        "An international platform for conformity assessment exchange and cooperation: policy "
        "research, releases of results, technical exchange, dialogue and signing of agreements. "
        "Attendance is free of charge."
    ),
    registration_opens_at=datetime(2024, 5, 21, 9, 0, tzinfo=ZONE),
    registration_closes_at=datetime(2024, 6, 4, 18, 0, tzinfo=ZONE),
)

#: code, name_zh, name_en, capacity, location_zh, location_en
ROOMS = [
    ("main-hall", "主会场", "Main Hall", 600, "一层", "Ground floor"),
    ("signing-hall", "签约厅", "Signing Hall", 120, "一层东侧", "Ground floor, east wing"),
    ("room-a", "分会场A", "Breakout Room A", 150, "二层", "First floor"),
    ("room-b", "分会场B", "Breakout Room B", 150, "二层", "First floor"),
    ("room-c", "分会场C", "Breakout Room C", 150, "三层", "Second floor"),
]

#: code, kind, title_zh, title_en, room code, start, end (local hh:mm)
PARTS = [
    ("opening", ProgrammeKind.PLENARY, "开幕式暨主旨致辞",
     "Opening plenary and addresses", "main-hall", "09:00", "10:15"),
    ("release-results", ProgrammeKind.RELEASE, "认证认可检验检测工作成果发布",
     "Release of certification, accreditation, inspection and testing results",
     "main-hall", "10:15", "10:35"),
    ("case-small-beautiful", ProgrammeKind.RELEASE, "优秀案例：质量认证“小而美”国际互认合作",
     "Exemplary case: \"small and beautiful\" international mutual recognition of quality "
     "certification", "main-hall", "10:35", "10:50"),
    ("case-industry", ProgrammeKind.RELEASE, "优秀案例：质量认证服务产业高质量发展",
     "Exemplary case: certification serving high-quality industrial development",
     "main-hall", "10:50", "11:05"),
    ("case-upgrading", ProgrammeKind.RELEASE, "优秀案例：检验检测促进产业升级",
     "Exemplary case: inspection and testing driving industrial upgrading",
     "main-hall", "11:05", "11:20"),
    ("sign-ccc", ProgrammeKind.SIGNING_CEREMONY, "合作签约：区域市场监管部门CCC免办工作联动机制",
     "Signing: CCC-exemption work-linkage mechanism between regional market regulators",
     "signing-hall", "11:30", "11:45"),
    ("sign-green", ProgrammeKind.SIGNING_CEREMONY, "合作签约：认证认可检验检测从业机构服务绿色低碳发展",
     "Signing: certification and testing bodies serving green and low-carbon development",
     "signing-hall", "11:45", "12:00"),
    ("sign-xiongan", ProgrammeKind.SIGNING_CEREMONY, "合作签约：服务雄安新区建设",
     "Signing: services to the construction of Xiong'an New Area",
     "signing-hall", "12:00", "12:15"),
    ("lunch", ProgrammeKind.BREAK, "午餐", "Lunch", None, "12:15", "14:00"),
    ("track-trends", ProgrammeKind.THEMATIC_EXCHANGE, "专题交流：认可发展新趋势",
     "Thematic exchange: new trends in accreditation", "room-a", "14:00", "17:00"),
    ("track-digital", ProgrammeKind.THEMATIC_EXCHANGE, "专题交流：认证认可检验检测数字化转型与创新发展",
     "Thematic exchange: digital transformation and innovation of CCTI", "room-b", "14:00", "17:00"),
    ("track-future-city", ProgrammeKind.THEMATIC_EXCHANGE, "专题交流：认证认可检验检测支撑未来城市建设",
     "Thematic exchange: CCTI supporting future-city construction", "room-c", "14:00", "17:00"),
]


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def load_demo() -> tuple[Event, bool]:
    """Load the demo conference; returns it and whether anything was added. Idempotent."""
    added = False
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if event is None:
        event = create_event(EventData(**vars(EVENT)), by=None)
        added = True
    rooms = {room.code: room for room in event.rooms}
    for position, (code, name_zh, name_en, capacity, loc_zh, loc_en) in enumerate(ROOMS):
        if code not in rooms:
            rooms[code] = Room(event=event, code=code, name_zh=name_zh, name_en=name_en,
                               capacity=capacity, location_zh=loc_zh, location_en=loc_en,
                               position=position)
            db.session.add(rooms[code])
            added = True
    existing = {part.code for part in event.programme_parts}
    for position, (code, kind, title_zh, title_en, room, start, end) in enumerate(PARTS):
        if code not in existing:
            db.session.add(ProgrammePart(
                event=event, code=code, kind=kind, title_zh=title_zh, title_en=title_en,
                room=rooms.get(room) if room else None, position=position,
                starts_at=_at(event.starts_on, start), ends_at=_at(event.starts_on, end),
            ))
            added = True
    db.session.flush()
    if added:
        audit.record("demo.load", obj=event, actor_label="demo", event_id=event.id)
    return event, added
