"""The demo conference's programme: rooms' hours, tracks, sessions, signings, enrolments.

Called from :func:`wadconf.services.demo.load_demo` once the demo's programme parts and
fictional registrations exist. Every session realises one programme part (so loading
again finds it by ``part_id`` and adds nothing); the people in it are demo registrations
picked in a fixed order (the same on every run), each used once, so nobody is in two
places at once; signatories are confirmed delegates of the categories admitted to the
signing hall. Organisations may be real kinds (provincial market regulators); every
person is fictional. The first load publishes version 1, so the public agenda has
something to show.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import selectinload

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    CheckIn,
    Checkpoint,
    Enrolment,
    EnrolmentStatus,
    Event,
    PersonRole,
    ProgrammeKind,
    ProgrammePart,
    Registration,
    RegistrationStatus,
    RoomAvailability,
    Scan,
    ScheduleVersion,
    Session,
    SessionPerson,
    Signatory,
    Track,
    Witness,
)
from wadconf.models.checkin import ScanDirection, ScanMethod, Verdict
from wadconf.services.schedule_publish import publish_schedule

ZONE = ZoneInfo("Asia/Shanghai")

#: code -> availability windows (local hh:mm) on the event's day.
ROOM_HOURS = {
    "main-hall": [("08:00", "12:30")],
    "signing-hall": [("11:00", "12:30")],
    "room-a": [("13:30", "17:30")],
    "room-b": [("13:30", "17:30")],
    "room-c": [("13:30", "17:30")],
}

#: code, name_zh, name_en, colour
TRACKS = [
    ("trends", "认可发展新趋势", "New trends in accreditation", "#1d6fa5"),
    ("digital", "数字化转型与创新发展", "Digital transformation and innovation", "#2e7d4f"),
    ("future-city", "支撑未来城市建设", "Supporting future-city construction", "#a4551c"),
]

#: Programme part code -> track code, capacity, enrolled, waitlisted (the afternoon tracks).
TRACK_SESSIONS = {
    "track-trends": ("trends", 100, 60, 0),
    "track-digital": ("digital", 40, 40, 5),
    "track-future-city": ("future-city", 80, 35, 0),
}

DESCRIPTIONS = {
    "opening": (
        "主办单位领导致开幕辞，国际组织代表和行业代表作主旨致辞。",
        "Opening remarks by the organisers, keynote addresses by representatives of "
        "international organisations and of the sector.",
    ),
    "release-results": (
        "发布年度认证认可检验检测工作成果。",
        "Release of the year's results of certification, accreditation, inspection and testing.",
    ),
    "case-small-beautiful": (
        "优秀案例发布与交流。",
        "Presentation of an exemplary case.",
    ),
    "case-industry": ("优秀案例发布与交流。", "Presentation of an exemplary case."),
    "case-upgrading": ("优秀案例发布与交流。", "Presentation of an exemplary case."),
    "sign-ccc": (
        "区域市场监管部门签署CCC免办工作联动机制合作协议。",
        "Regional market regulators sign the CCC-exemption work-linkage agreement.",
    ),
    "sign-green": (
        "认证认可检验检测机构签署服务绿色低碳发展合作协议。",
        "Certification and testing bodies sign agreements on green and low-carbon development.",
    ),
    "sign-xiongan": (
        "签署服务雄安新区建设合作协议。",
        "Signing of agreements serving the construction of Xiong'an New Area.",
    ),
    "lunch": ("自助午餐，一层餐厅。", "Buffet lunch, ground-floor restaurant."),
    "track-trends": (
        "围绕认可发展新趋势开展专题交流，需报名参加。",
        "Thematic exchange on new trends in accreditation; enrolment required.",
    ),
    "track-digital": (
        "围绕数字化转型与创新发展开展专题交流，需报名参加。",
        "Thematic exchange on digital transformation and innovation; enrolment required.",
    ),
    "track-future-city": (
        "围绕支撑未来城市建设开展专题交流，需报名参加。",
        "Thematic exchange on supporting future-city construction; enrolment required.",
    ),
}


@dataclass(frozen=True)
class External:
    """A fictional person who did not register (an international official, a guest)."""

    name_zh: str
    name_en: str
    organisation_zh: str
    organisation_en: str
    job_title_zh: str
    job_title_en: str


GUEST_IAF = External(
    "",
    "Helena Example",
    "国际示例认可合作组织",
    "International Example Accreditation Cooperation",
    "主席",
    "Chair",
)
GUEST_CNCA = External(
    "赵明远",
    "Zhao Mingyuan",
    "国家认证认可监督管理委员会",
    "Certification and Accreditation Administration (CNCA)",
    "负责同志（示例）",
    "Senior official (fictional)",
)
SPEAKER_FOREIGN = External(
    "",
    "Daniel Sample",
    "示例国家认可机构",
    "Example National Accreditation Body",
    "技术总监",
    "Technical director",
)
SPEAKER_CITY = External(
    "林晓岚",
    "Lin Xiaolan",
    "示例城市规划研究院",
    "Example Urban Planning Institute",
    "研究员",
    "Research fellow",
)

#: People of a session: (role, category codes to draw a delegate from, or an External).
PEOPLE: dict[str, list[tuple[PersonRole, tuple[str, ...] | External]]] = {
    "opening": [
        (PersonRole.CHAIR, ("government",)),
        (PersonRole.GUEST_OF_HONOUR, GUEST_CNCA),
        (PersonRole.GUEST_OF_HONOUR, GUEST_IAF),
        (PersonRole.SPEAKER, ("speaker", "government")),
        (PersonRole.SPEAKER, ("speaker", "industry_body")),
    ],
    "release-results": [(PersonRole.SPEAKER, ("government",))],
    "case-small-beautiful": [(PersonRole.SPEAKER, ("ccti_body",))],
    "case-industry": [(PersonRole.SPEAKER, ("industry_body", "ccti_body"))],
    "case-upgrading": [(PersonRole.SPEAKER, ("ccti_body",))],
    "sign-ccc": [(PersonRole.MODERATOR, ("government",))],
    "sign-green": [(PersonRole.MODERATOR, ("government",))],
    "sign-xiongan": [(PersonRole.MODERATOR, ("government",))],
    "track-trends": [
        (PersonRole.CHAIR, ("expert",)),
        (PersonRole.SPEAKER, SPEAKER_FOREIGN),
        (PersonRole.SPEAKER, ("expert",)),
        (PersonRole.SPEAKER, ("ccti_body",)),
    ],
    "track-digital": [
        (PersonRole.CHAIR, ("expert",)),
        (PersonRole.SPEAKER, ("expert",)),
        (PersonRole.SPEAKER, ("enterprise", "ccti_body")),
    ],
    "track-future-city": [
        (PersonRole.CHAIR, ("expert",)),
        (PersonRole.SPEAKER, SPEAKER_CITY),
        (PersonRole.SPEAKER, ("industry_body", "expert")),
    ],
}

REGULATOR = ("government",)
BODY = ("ccti_body", "intl_org")


@dataclass(frozen=True)
class DemoParty:
    name_zh: str
    name_en: str
    #: Categories to draw the party's signatory from.
    signs: tuple[str, ...]


@dataclass(frozen=True)
class DemoAgreement:
    title_zh: str
    title_en: str
    parties: list[DemoParty]
    witnesses: list[External | tuple[str, ...]] = field(default_factory=list)


SIGNINGS: dict[str, list[DemoAgreement]] = {
    "sign-ccc": [
        DemoAgreement(
            "京津冀市场监管部门CCC免办工作联动机制合作协议",
            "Beijing-Tianjin-Hebei market regulators' CCC-exemption work-linkage agreement",
            [
                DemoParty(
                    "北京市市场监督管理局",
                    "Beijing Administration for Market Regulation",
                    REGULATOR,
                ),
                DemoParty(
                    "天津市市场监督管理局",
                    "Tianjin Administration for Market Regulation",
                    REGULATOR,
                ),
                DemoParty(
                    "河北省市场监督管理局", "Hebei Administration for Market Regulation", REGULATOR
                ),
            ],
            [GUEST_CNCA],
        ),
    ],
    "sign-green": [
        DemoAgreement(
            "认证机构服务绿色低碳发展合作协议",
            "Agreement on certification bodies serving green and low-carbon development",
            [
                DemoParty("岚川认证中心（示例）", "Lanchuan Certification Centre (example)", BODY),
                DemoParty("澜湖绿色能源集团（示例）", "Lanhu Green Energy Group (example)", BODY),
            ],
            [GUEST_CNCA],
        ),
        DemoAgreement(
            "碳排放检测能力共建协议",
            "Agreement on building carbon-emission testing capacity together",
            [
                DemoParty("示例检测研究院", "Example Testing Research Institute", BODY),
                DemoParty("示例计量科学研究院", "Example Institute of Metrology", BODY),
            ],
            [("government",)],
        ),
    ],
    "sign-xiongan": [
        DemoAgreement(
            "认证认可检验检测服务雄安新区建设合作框架协议",
            "Framework agreement on CCTI services to the construction of Xiong'an New Area",
            [
                DemoParty(
                    "雄安新区管理部门（示例）", "Xiong'an New Area authority (example)", REGULATOR
                ),
                DemoParty(
                    "示例认证认可协会", "Example Certification and Accreditation Association", BODY
                ),
                DemoParty("示例检验检测集团", "Example Inspection and Testing Group", BODY),
            ],
            [GUEST_CNCA, ("government",)],
        ),
    ],
}


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


class _Pool:
    """Confirmed demo delegates by category, in a fixed order; each handed out once."""

    def __init__(self, event: Event) -> None:
        rows = db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.submission_key.like("demo-registration-%"),
            )
            .options(selectinload(Registration.category))
            .order_by(Registration.submission_key)
        ).all()
        self.by_category: dict[str, list[Registration]] = defaultdict(list)
        for row in rows:
            self.by_category[row.category.code if row.category else ""].append(row)
        self.used: set[int] = set()
        #: Signatories handed out so far (every ABSENT_EVERY-th is not from the hall).
        self.signatories = 0

    def take(
        self, categories: tuple[str, ...], *, prefer: frozenset[int] = frozenset()
    ) -> Registration:
        """The next free delegate of ``categories`` (else any), those in ``prefer`` first."""
        for wanted in (True, False) if prefer else (False,):
            for code in (*categories, *sorted(self.by_category)):
                for row in self.by_category.get(code, []):
                    if row.id not in self.used and (not wanted or row.id in prefer):
                        self.used.add(row.id)
                        return row
        raise LookupError("not enough confirmed demo registrations")

    def rest(self) -> list[Registration]:
        """The delegates not handed out, in a fixed order (for enrolments)."""
        return [
            row
            for code in sorted(self.by_category)
            for row in self.by_category[code]
            if row.id not in self.used
        ]


def _job_title(registration: Registration) -> dict[str, str]:
    zh = registration.locale == "zh_Hans"
    return {
        "job_title_zh": registration.position if zh else "",
        "job_title_en": "" if zh else registration.position,
    }


def _external(person: External) -> dict[str, str]:
    return dict(vars(person))


def _ensure_rooms_and_tracks(event: Event) -> tuple[dict[str, Track], bool]:
    added = False
    rooms = {room.code: room for room in event.rooms}
    for code, windows in ROOM_HOURS.items():
        room = rooms.get(code)
        if room is None or room.availabilities:
            continue
        for start, end in windows:
            room.availabilities.append(
                RoomAvailability(
                    starts_at=_at(event.starts_on, start).astimezone(UTC),
                    ends_at=_at(event.starts_on, end).astimezone(UTC),
                )
            )
        added = True
    tracks = {
        t.code: t for t in db.session.scalars(select(Track).where(Track.event_id == event.id))
    }
    for position, (code, name_zh, name_en, colour) in enumerate(TRACKS):
        if code not in tracks:
            tracks[code] = Track(
                event_id=event.id,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                colour=colour,
                position=position,
            )
            db.session.add(tracks[code])
            added = True
    db.session.flush()
    return tracks, added


def _add_people(session: Session, code: str, pool: _Pool) -> None:
    for position, (role, who) in enumerate(PEOPLE.get(code, [])):
        if isinstance(who, External):
            session.people.append(SessionPerson(role=role, position=position, **_external(who)))
        else:
            registration = pool.take(who)
            session.people.append(
                SessionPerson(
                    role=role,
                    registration_id=registration.id,
                    position=position,
                    **_job_title(registration),
                )
            )


#: Demo checkpoints (``demo_checkin``) and the rooms they stand at: a scan there during a
#: session counts as attendance, and the signing hall's door feeds the readiness view.
CHECKPOINT_ROOMS = {
    "plenary-hall": "main-hall",
    "signing-hall": "signing-hall",
    "room-a": "room-a",
    "room-b": "room-b",
    "room-c": "room-c",
}
#: Signatories of the demo who have not reached the signing hall (the readiness view
#: then has someone to chase): every this-many-th signatory is taken from the others.
ABSENT_EVERY = 5


def _place_checkpoints(event: Event) -> bool:
    """Stand the demo checkpoints in their rooms; whether any moved."""
    rooms = {room.code: room.id for room in event.rooms}
    moved = False
    for checkpoint in db.session.scalars(
        select(Checkpoint).where(
            Checkpoint.event_id == event.id, Checkpoint.code.in_(CHECKPOINT_ROOMS)
        )
    ):
        room_id = rooms.get(CHECKPOINT_ROOMS[checkpoint.code])
        if checkpoint.room_id is None and room_id is not None:
            checkpoint.room_id = room_id
            moved = True
    return moved


def _in_signing_hall(event: Event) -> frozenset[int]:
    """Delegates the demo's morning admitted at the signing-hall door."""
    return frozenset(
        db.session.scalars(
            select(CheckIn.registration_id)
            .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
            .where(
                Checkpoint.event_id == event.id,
                Checkpoint.code == "signing-hall",
                CheckIn.annulled_at.is_(None),
            )
        )
    )


def _add_agreements(
    session: Session, code: str, pool: _Pool, in_hall: frozenset[int] = frozenset()
) -> None:
    for a_position, spec in enumerate(SIGNINGS.get(code, [])):
        agreement = Agreement(title_zh=spec.title_zh, title_en=spec.title_en, position=a_position)
        session.agreements.append(agreement)
        order = 0
        for p_position, party_spec in enumerate(spec.parties):
            party = AgreementParty(
                name_zh=party_spec.name_zh, name_en=party_spec.name_en, position=p_position
            )
            agreement.parties.append(party)
            pool.signatories += 1
            prefer = frozenset() if pool.signatories % ABSENT_EVERY == 0 else in_hall
            registration = pool.take(party_spec.signs, prefer=prefer)
            order += 1
            party.signatories.append(
                Signatory(
                    registration_id=registration.id,
                    signing_order=order,
                    job_title_zh=party_spec.name_zh + (registration.position or "代表"),
                    job_title_en=f"For the {party_spec.name_en}",
                )
            )
        for w_position, who in enumerate(spec.witnesses):
            if isinstance(who, External):
                agreement.witnesses.append(Witness(position=w_position, **_external(who)))
            else:
                registration = pool.take(who)
                agreement.witnesses.append(
                    Witness(
                        registration_id=registration.id,
                        position=w_position,
                        **_job_title(registration),
                    )
                )


def _enrol(session: Session, code: str, delegates: list[Registration]) -> None:
    """Enrol the next delegates in a track session (under capacity), then the waiting list."""
    _track, _capacity, enrolled, waitlisted = TRACK_SESSIONS[code]
    opens = datetime(2024, 5, 22, 9, 0, tzinfo=ZONE)
    for n in range(enrolled + waitlisted):
        registration = delegates.pop(0)
        db.session.add(
            Enrolment(
                session_id=session.id,
                registration_id=registration.id,
                status=EnrolmentStatus.ENROLLED if n < enrolled else EnrolmentStatus.WAITLISTED,
                created_at=opens + timedelta(minutes=37 * n + len(code)),
            )
        )


#: Share of a track's enrolled delegates (those who reached the venue) scanned at its door.
TRACK_TURNOUT = 0.85


def _track_attendance(event: Event, sessions: list[Session]) -> None:
    """Scan most enrolled delegates who reached the venue in at their track room's door."""
    from wadconf.services.demo_checkin import _Writer

    doors = {
        c.room_id: c
        for c in db.session.scalars(
            select(Checkpoint).where(
                Checkpoint.event_id == event.id,
                Checkpoint.room_id.is_not(None),
                Checkpoint.session_id.is_(None),
            )
        )
    }
    arrived = set(
        db.session.scalars(
            select(CheckIn.registration_id)
            .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
            .where(Checkpoint.event_id == event.id, Checkpoint.kind == "entrance")
        )
    )
    rng = random.Random(f"demo-tracks-{event.slug}")
    writer = _Writer(event, rng)
    for session in sessions:
        door = doors.get(session.room_id)
        if door is None:
            continue
        enrolled = db.session.scalars(
            select(Registration)
            .join(Enrolment, Enrolment.registration_id == Registration.id)
            .where(
                Enrolment.session_id == session.id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
            .order_by(Registration.id)
        ).all()
        present = [r for r in enrolled if r.id in arrived]
        for registration in rng.sample(present, round(len(present) * TRACK_TURNOUT)):
            when = session.starts_at - timedelta(minutes=rng.randint(-10, 20))
            writer.admit(registration, door, when, "Door")
    writer.write()


def _ceremony_rescans(event: Event, ceremonies: list[Session]) -> None:
    """Signatories already in the hall are scanned again as each of their ceremonies opens.

    The hall door admits once, so these scans are ``already_checked_in`` (pointing at the
    entry they ran into): the gate staff's roll call that puts a signatory in the hall for
    that ceremony (readiness, attendance).
    """
    door = db.session.scalar(
        select(Checkpoint).where(Checkpoint.event_id == event.id, Checkpoint.code == "signing-hall")
    )
    if door is None:
        return
    entries = {
        registration_id: (entry_id, at)
        for registration_id, entry_id, at in db.session.execute(
            select(CheckIn.registration_id, CheckIn.id, CheckIn.checked_in_at).where(
                CheckIn.checkpoint_id == door.id, CheckIn.annulled_at.is_(None)
            )
        )
    }
    rng = random.Random(f"demo-ceremonies-{event.slug}")
    rows = []
    for ceremony in ceremonies:
        signatories = {
            signatory.registration
            for agreement in ceremony.agreements
            for party in agreement.parties
            for signatory in party.signatories
        }
        for registration in sorted(signatories, key=lambda r: r.id):
            if registration.id not in entries:
                continue
            entry_id, entered_at = entries[registration.id]
            when = ceremony.starts_at + timedelta(seconds=rng.randint(0, 90))
            if when > entered_at.astimezone(UTC):
                rows.append(
                    {
                        "event_id": event.id,
                        "checkpoint_id": door.id,
                        "registration_id": registration.id,
                        "check_in_id": entry_id,
                        "code": registration.badge_code or "",
                        "verdict": Verdict.ALREADY_CHECKED_IN,
                        "direction": ScanDirection.IN,
                        "method": ScanMethod.CAMERA,
                        "device": "Signing hall door",
                        "scanned_at": when,
                    }
                )
    if rows:
        db.session.execute(insert(Scan), sorted(rows, key=lambda row: row["scanned_at"]))


def load_demo_programme(event: Event) -> bool:
    """Add the demo programme's missing pieces and publish it once; whether anything was added."""
    tracks, added = _ensure_rooms_and_tracks(event)
    added = _place_checkpoints(event) or added
    in_hall = _in_signing_hall(event)
    parts = db.session.scalars(
        select(ProgrammePart)
        .where(ProgrammePart.event_id == event.id)
        .order_by(ProgrammePart.position, ProgrammePart.id)
    ).all()
    done = set(
        db.session.scalars(
            select(Session.part_id).where(
                Session.event_id == event.id, Session.part_id.is_not(None)
            )
        )
    )
    pool = _Pool(event)
    # People already in the programme stay theirs (a second load never reuses them).
    pool.used.update(
        db.session.scalars(
            select(SessionPerson.registration_id)
            .join(Session)
            .where(Session.event_id == event.id, SessionPerson.registration_id.is_not(None))
        )
    )
    new_tracks: list[tuple[Session, str]] = []
    new_ceremonies: list[Session] = []
    for part in parts:
        if part.id in done or part.starts_at is None or part.ends_at is None:
            continue
        description_zh, description_en = DESCRIPTIONS.get(part.code, ("", ""))
        track = TRACK_SESSIONS.get(part.code)
        session = Session(
            event_id=event.id,
            kind=part.kind,
            title_zh=part.title_zh,
            title_en=part.title_en,
            description_zh=description_zh,
            description_en=description_en,
            part_id=part.id,
            room_id=part.room_id,
            track_id=tracks[track[0]].id if track else None,
            # In UTC as stored, so the snapshot published below reads as a later one will.
            starts_at=part.starts_at.astimezone(UTC),
            ends_at=part.ends_at.astimezone(UTC),
            capacity=track[1] if track else None,
            requires_enrolment=track is not None,
            position=part.position,
        )
        db.session.add(session)
        _add_people(session, part.code, pool)
        if part.kind == ProgrammeKind.SIGNING_CEREMONY:
            _add_agreements(session, part.code, pool, in_hall)
            new_ceremonies.append(session)
        if track:
            new_tracks.append((session, part.code))
        added = True
    db.session.flush()
    if new_ceremonies:
        _ceremony_rescans(event, new_ceremonies)
    if new_tracks:
        enrolled_ids = set(
            db.session.scalars(
                select(Enrolment.registration_id).join(Session).where(Session.event_id == event.id)
            )
        )
        delegates = [r for r in pool.rest() if r.id not in enrolled_ids]
        for session, code in new_tracks:
            _enrol(session, code, delegates)
        db.session.flush()
        _track_attendance(event, [session for session, _code in new_tracks])
    published = db.session.scalar(select(exists().where(ScheduleVersion.event_id == event.id)))
    if not published:
        version = publish_schedule(
            event, note="演示议程首次发布 / First publication of the demo programme"
        )
        # Published the evening before the conference, as it would have been.
        version.published_at = datetime(2024, 6, 5, 18, 0, tzinfo=ZONE).astimezone(UTC)
        added = True
    return added
