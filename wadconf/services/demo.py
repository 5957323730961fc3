"""The demo conference: the 2024 China Certification and Accreditation Conference.

Modelled on the public notice in ``shared/seed``; rooms and times are illustrative.
The invitations and about 300 registrations are fictional people from
:mod:`wadconf.services.demo_people`, generated the same way on every run: loading again
adds only what is missing (keyed by e-mail for invitations, by a ``demo-registration-NNNN``
submission key for registrations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    ProgrammeKind,
    ProgrammePart,
    Registration,
    RegistrationStatus,
    Room,
)
from wadconf.services import audit
from wadconf.services.categories import ensure_default_categories
from wadconf.services.demo_checkin import load_demo_checkin
from wadconf.services.demo_people import DemoPerson, PeopleGenerator
from wadconf.services.demo_programme import load_demo_programme
from wadconf.services.demo_series import load_demo_series
from wadconf.services.events import EventData, create_event
from wadconf.services.privacy import ensure_current_notice

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
    theme_en=(
        "Certification, accreditation, inspection and testing: innovation, cooperation, future"
    ),
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
    # The 2024 edition closed registration on 4 June 2024; the demo leaves it open so that a
    # newcomer can follow an invitation link and register (the event page then shows no deadline).
    registration_closes_at=None,
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
    (
        "opening",
        ProgrammeKind.PLENARY,
        "开幕式暨主旨致辞",
        "Opening plenary and addresses",
        "main-hall",
        "09:00",
        "10:15",
    ),
    (
        "release-results",
        ProgrammeKind.RELEASE,
        "认证认可检验检测工作成果发布",
        "Release of certification, accreditation, inspection and testing results",
        "main-hall",
        "10:15",
        "10:35",
    ),
    (
        "case-small-beautiful",
        ProgrammeKind.RELEASE,
        "优秀案例：质量认证“小而美”国际互认合作",
        'Exemplary case: "small and beautiful" international mutual recognition of quality '
        "certification",
        "main-hall",
        "10:35",
        "10:50",
    ),
    (
        "case-industry",
        ProgrammeKind.RELEASE,
        "优秀案例：质量认证服务产业高质量发展",
        "Exemplary case: certification serving high-quality industrial development",
        "main-hall",
        "10:50",
        "11:05",
    ),
    (
        "case-upgrading",
        ProgrammeKind.RELEASE,
        "优秀案例：检验检测促进产业升级",
        "Exemplary case: inspection and testing driving industrial upgrading",
        "main-hall",
        "11:05",
        "11:20",
    ),
    (
        "sign-ccc",
        ProgrammeKind.SIGNING_CEREMONY,
        "合作签约：区域市场监管部门CCC免办工作联动机制",
        "Signing: CCC-exemption work-linkage mechanism between regional market regulators",
        "signing-hall",
        "11:30",
        "11:45",
    ),
    (
        "sign-green",
        ProgrammeKind.SIGNING_CEREMONY,
        "合作签约：认证认可检验检测从业机构服务绿色低碳发展",
        "Signing: certification and testing bodies serving green and low-carbon development",
        "signing-hall",
        "11:45",
        "12:00",
    ),
    (
        "sign-xiongan",
        ProgrammeKind.SIGNING_CEREMONY,
        "合作签约：服务雄安新区建设",
        "Signing: services to the construction of Xiong'an New Area",
        "signing-hall",
        "12:00",
        "12:15",
    ),
    ("lunch", ProgrammeKind.BREAK, "午餐", "Lunch", None, "12:15", "14:00"),
    (
        "track-trends",
        ProgrammeKind.THEMATIC_EXCHANGE,
        "专题交流：认可发展新趋势",
        "Thematic exchange: new trends in accreditation",
        "room-a",
        "14:00",
        "17:00",
    ),
    (
        "track-digital",
        ProgrammeKind.THEMATIC_EXCHANGE,
        "专题交流：认证认可检验检测数字化转型与创新发展",
        "Thematic exchange: digital transformation and innovation of CCTI",
        "room-b",
        "14:00",
        "17:00",
    ),
    (
        "track-future-city",
        ProgrammeKind.THEMATIC_EXCHANGE,
        "专题交流：认证认可检验检测支撑未来城市建设",
        "Thematic exchange: CCTI supporting future-city construction",
        "room-c",
        "14:00",
        "17:00",
    ),
]


def _at(day: date, hhmm: str) -> datetime:
    """``hhmm`` on ``day`` in Shanghai time."""
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
            rooms[code] = Room(
                event=event,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                capacity=capacity,
                location_zh=loc_zh,
                location_en=loc_en,
                position=position,
            )
            db.session.add(rooms[code])
            added = True
    existing = {part.code for part in event.programme_parts}
    for position, (code, kind, title_zh, title_en, room, start, end) in enumerate(PARTS):
        if code not in existing:
            db.session.add(
                ProgrammePart(
                    event=event,
                    code=code,
                    kind=kind,
                    title_zh=title_zh,
                    title_en=title_en,
                    room=rooms.get(room) if room else None,
                    position=position,
                    starts_at=_at(event.starts_on, start),
                    ends_at=_at(event.starts_on, end),
                )
            )
            added = True
    db.session.flush()
    added = load_demo_people(event) or added
    added = load_demo_checkin(event) or added
    added = load_demo_series(event) or added
    added = load_demo_programme(event) or added
    if added:
        audit.record("demo.load", obj=event, actor_label="demo", event_id=event.id)
    return event, added


# --- fictional invitations and registrations --------------------------------------------

#: Individual invitations per delegate category.
INDIVIDUALS = [
    ("government", 58),
    ("intl_org", 16),
    ("expert", 46),
    ("industry_body", 38),
    ("ccti_body", 70),
    ("enterprise", 44),
    ("speaker", 8),
    ("media", 28),
    ("staff", 12),
]
#: Delegations: category, seats, organisation (fictional), delegates registered, foreign.
DELEGATIONS = [
    ("intl_org", 3, "International Example Accreditation Cooperation (IEAC)", 3, True),
    ("government", 5, "岚川省市场监督管理局", 4, False),
    ("ccti_body", 4, "Example Testing Lab Co.", 2, True),
]
#: Individual invitations that did not lead to a registration, by state, in this order.
UNANSWERED = [
    (InvitationState.DECLINED, 15),
    (InvitationState.SENT, 12),
    (InvitationState.OPENED, 6),
    (InvitationState.DRAFT, 4),
]
#: Categories whose registrations wait for approval in the demo (media, companies).
APPROVAL_CATEGORIES = ("media", "enterprise")
PENDING, REJECTED, WAITLISTED, CANCELLED = 16, 4, 12, 12
WALK_INS = ["expert", "media", "government", "enterprise", "ccti_body", "expert", "staff", "media"]
#: Seats left free beside the confirmed and pending registrations: cancellations freed them
#: after the waiting list formed, so the demo shows both a waiting list and room for one more.
SPARE_PLACES = 5
REJECTION_MESSAGES = {
    "zh_Hans": "名额有限，本次未能安排，感谢您的关注。",
    "en": "Places are limited and we could not offer you one. Thank you for your interest.",
}
DECLINE_MESSAGES = {
    "zh_Hans": "因工作安排无法参会，预祝大会圆满成功。",
    "en": "Unable to attend because of prior commitments. Best wishes for the conference.",
}


@dataclass
class _Planned:
    """One demo registration before it becomes a row."""

    key: str
    person: DemoPerson
    invitation_key: str | None
    status: RegistrationStatus
    created_at: datetime


def _demo_plan() -> tuple[list[tuple[str, DemoPerson, int, InvitationState]], list[_Planned]]:
    """Invitations (email key, focal person, seats, state) and registrations, the same every run."""
    people = PeopleGenerator()
    rng = people.rng
    opens = datetime(2024, 5, 21, 9, 0, tzinfo=ZONE)
    window = int((datetime(2024, 6, 3, 18, 0, tzinfo=ZONE) - opens).total_seconds() // 60)

    def when(latest: bool = False) -> datetime:
        """A registration time inside the window (the last day for the waiting list)."""
        # Waitlisted people came last, on the day before registration closed.
        start = window - 24 * 60 if latest else 0
        return opens + timedelta(minutes=rng.randrange(start, window))

    invitations: list[tuple[str, DemoPerson, int, InvitationState]] = []
    registrations: list[_Planned] = []
    individuals = [people.person(code) for code, count in INDIVIDUALS for _ in range(count)]
    rng.shuffle(individuals)
    states = [state for state, count in UNANSWERED for _ in range(count)]
    for person, state in zip(individuals, states, strict=False):
        invitations.append((person.email, person, 1, state))
    registered = individuals[len(states) :]
    approval = [p for p in registered if p.category in APPROVAL_CATEGORIES]
    others = [p for p in registered if p.category not in APPROVAL_CATEGORIES]
    statuses = {p.email: RegistrationStatus.PENDING for p in approval[:PENDING]}
    statuses |= {
        p.email: RegistrationStatus.REJECTED for p in approval[PENDING : PENDING + REJECTED]
    }
    statuses |= {p.email: RegistrationStatus.WAITLISTED for p in others[:WAITLISTED]}
    statuses |= {
        p.email: RegistrationStatus.CANCELLED for p in others[WAITLISTED : WAITLISTED + CANCELLED]
    }
    for person in registered:
        status = statuses.get(person.email, RegistrationStatus.CONFIRMED)
        invitations.append((person.email, person, 1, InvitationState.REGISTERED))
        registrations.append(
            _Planned(
                "", person, person.email, status, when(status == RegistrationStatus.WAITLISTED)
            )
        )
    for code, seats, organisation, delegates, foreign in DELEGATIONS:
        focal = people.person(code, foreign=foreign, organisation=organisation)
        invitations.append((focal.email, focal, seats, InvitationState.REGISTERED))
        for _ in range(delegates):
            person = people.person(code, foreign=foreign, organisation=organisation)
            registrations.append(
                _Planned("", person, focal.email, RegistrationStatus.CONFIRMED, when())
            )
    for code in WALK_INS:
        person = people.person(code)
        registrations.append(
            _Planned(
                "",
                person,
                None,
                RegistrationStatus.CONFIRMED,
                datetime(2024, 6, 6, 8, rng.randrange(0, 59), tzinfo=ZONE),
            )
        )
    for number, planned in enumerate(registrations, start=1):
        planned.key = f"demo-registration-{number:04d}"
    return invitations, registrations


def _person_fields(person: DemoPerson) -> dict:
    """The fields an invitation and a registration share."""
    return {
        "name_zh": person.name_zh,
        "name_en": person.name_en,
        "organisation": person.organisation,
        "email": person.email,
    }


def load_demo_people(event: Event) -> bool:
    """Add the demo's fictional invitations and registrations that are missing; whether any was."""
    planned_invitations, planned_registrations = _demo_plan()
    categories = {c.code: c for c in ensure_default_categories(event)}
    for code in APPROVAL_CATEGORIES:
        categories[code].requires_approval = True
    added = False
    existing = {
        i.email: i
        for i in db.session.scalars(select(Invitation).where(Invitation.event_id == event.id))
    }
    sent_at = datetime(2024, 5, 20, 10, 0, tzinfo=ZONE)
    for key, person, seats, state in planned_invitations:
        if key in existing:
            continue
        locale = InvitationLocale.EN if person.locale == "en" else InvitationLocale.ZH
        invitation = Invitation(
            event_id=event.id,
            category=categories[person.category],
            mobile=person.mobile,
            locale=locale,
            seats=seats,
            state=state,
            **_person_fields(person),
            created_at=sent_at - timedelta(days=5),
            sent_at=None if state == InvitationState.DRAFT else sent_at,
            opened_at=None
            if state in {InvitationState.DRAFT, InvitationState.SENT}
            else sent_at + timedelta(hours=3),
        )
        if state == InvitationState.DECLINED:
            invitation.declined_at = sent_at + timedelta(days=2)
            invitation.decline_message = DECLINE_MESSAGES[person.locale]
        db.session.add(invitation)
        existing[key] = invitation
        added = True
    db.session.flush()

    have = set(
        db.session.scalars(
            select(Registration.submission_key).where(
                Registration.event_id == event.id,
                Registration.submission_key.like("demo-registration-%"),
            )
        )
    )
    notice = ensure_current_notice(event)
    for planned in planned_registrations:
        if planned.key in have:
            continue
        _add_registration(
            event, planned, existing.get(planned.invitation_key), categories, notice.version
        )
        added = True
    db.session.flush()
    if event.capacity is None:
        seated = sum(
            1
            for p in planned_registrations
            if p.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)
        )
        event.capacity = seated + SPARE_PLACES
        added = True
    db.session.flush()
    return added


def _add_registration(
    event: Event,
    planned: _Planned,
    invitation: Invitation | None,
    categories: dict,
    notice_version: int,
) -> None:
    """One planned registration as a row, keeping its invitation's seat count right."""
    person, status = planned.person, planned.status
    by_staff = invitation is None
    registration = Registration(
        event_id=event.id,
        invitation=invitation,
        category=categories[person.category],
        status=status,
        submission_key=planned.key,
        position=person.position,
        country=person.country,
        mobile=person.mobile,
        locale=person.locale,
        registered_by_staff=by_staff,
        created_at=planned.created_at,
        **_person_fields(person),
        consent_version=None if by_staff else notice_version,
        consent_at=None if by_staff else planned.created_at,
    )
    if status == RegistrationStatus.REJECTED:
        registration.reviewed_at = planned.created_at + timedelta(days=1)
        registration.review_message = REJECTION_MESSAGES[person.locale]
    if status == RegistrationStatus.CANCELLED:
        registration.cancelled_at = datetime(2024, 6, 4, 10, 0, tzinfo=ZONE)
    db.session.add(registration)
    if invitation is not None:
        if registration.is_active:
            invitation.seats_used += 1
            invitation.state = InvitationState.REGISTERED
        elif invitation.seats_used == 0:
            invitation.state = InvitationState.OPENED
