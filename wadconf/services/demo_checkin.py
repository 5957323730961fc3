"""The demo conference's checkpoints and a morning of check-ins (6 June 2024).

Called from :func:`wadconf.services.demo.load_demo`. The entrance, the plenary hall and
the track rooms have no opening window, so someone trying the demo scanner today gets
real verdicts; the signing hall keeps its 2024 window and so also shows ``not_open``.
The check-ins are generated from a seeded random source: the same on every run, and
written only once (a second load finds scans at the demo's checkpoints and adds none).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import selectinload

from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    DelegateCategory,
    Event,
    ReentryPolicy,
    Registration,
    RegistrationStatus,
    Scan,
    ScanDirection,
    ScanMethod,
    Verdict,
)
from wadconf.models.checkin import BADGE_ALPHABET, BADGE_PREFIX, BADGE_RANDOM_LENGTH

ZONE = ZoneInfo("Asia/Shanghai")
SEED = "wad2024-checkin"

#: Categories called out on the dashboard when they arrive: leaders and international officials.
HIGHLIGHTED = ("speaker", "intl_org")
#: Who may enter the signing hall: the signatories' side and the press.
SIGNING_CATEGORIES = ("government", "intl_org", "speaker", "ccti_body", "media")


@dataclass(frozen=True)
class DemoCheckpoint:
    """One checkpoint of the demo."""

    code: str
    name_zh: str
    name_en: str
    kind: CheckpointKind
    rule: AdmissionRule = AdmissionRule.ALL
    reentry: ReentryPolicy = ReentryPolicy.ONCE
    #: Local hh:mm on 6 June 2024, or None for an open end.
    opens: str | None = None
    closes: str | None = None
    categories: tuple[str, ...] = ()


CHECKPOINTS = [
    DemoCheckpoint("main-entrance", "主入口", "Main entrance", CheckpointKind.ENTRANCE),
    DemoCheckpoint("plenary-hall", "主会场", "Plenary hall", CheckpointKind.SESSION_ROOM),
    DemoCheckpoint(
        "signing-hall",
        "签约厅",
        "Signing hall",
        CheckpointKind.SIGNING_HALL,
        rule=AdmissionRule.CATEGORIES,
        reentry=ReentryPolicy.IN_OUT,
        opens="11:00",
        closes="12:30",
        categories=SIGNING_CATEGORIES,
    ),
    # Sessions cannot be linked yet (the schedule issue): the track rooms admit everyone.
    DemoCheckpoint("room-a", "分会场A", "Breakout Room A", CheckpointKind.SESSION_ROOM),
    DemoCheckpoint("room-b", "分会场B", "Breakout Room B", CheckpointKind.SESSION_ROOM),
    DemoCheckpoint("room-c", "分会场C", "Breakout Room C", CheckpointKind.SESSION_ROOM),
]

#: Share of confirmed delegates admitted at the main entrance between 08:00 and 09:30.
ARRIVING = 0.8
#: Of those, the share also scanned into the plenary hall.
TO_PLENARY = 0.6
#: Delegates of the signing categories scanned into the signing hall.
TO_SIGNING = 24
GATES = ("Gate 1", "Gate 2", "Gate 3")


def _at(hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(2024, 6, 6, hour, minute, tzinfo=ZONE)


def _ensure_checkpoints(event: Event) -> tuple[dict[str, Checkpoint], bool]:
    """The demo's checkpoints by code, adding the missing ones; whether any was added."""
    have = {
        c.code: c
        for c in db.session.scalars(select(Checkpoint).where(Checkpoint.event_id == event.id))
    }
    categories = {
        c.code: c
        for c in db.session.scalars(
            select(DelegateCategory).where(DelegateCategory.event_id == event.id)
        )
    }
    added = False
    for position, spec in enumerate(CHECKPOINTS):
        if spec.code in have:
            continue
        checkpoint = Checkpoint(
            event_id=event.id,
            code=spec.code,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            kind=spec.kind,
            rule=spec.rule,
            reentry=spec.reentry,
            opens_at=_at(spec.opens) if spec.opens else None,
            closes_at=_at(spec.closes) if spec.closes else None,
            position=position,
            categories=[categories[code] for code in spec.categories if code in categories],
        )
        db.session.add(checkpoint)
        have[spec.code] = checkpoint
        added = True
    if added:
        # Only on the first load, so an organiser's later choice is not overridden.
        for code in HIGHLIGHTED:
            if code in categories:
                categories[code].highlight_arrivals = True
        db.session.flush()
    return have, added


def _random_code(rng: random.Random) -> str:
    return BADGE_PREFIX + "".join(rng.choice(BADGE_ALPHABET) for _ in range(BADGE_RANDOM_LENGTH))


class _Writer:
    """Collects entries with their scans, and refused scans, then writes them in two inserts.

    Plain rows rather than ORM objects: the demo loads on every test that needs it, and
    a bulk insert is several times faster than a unit-of-work flush of 700 objects.
    """

    def __init__(self, event: Event, rng: random.Random) -> None:
        self.event, self.rng = event, rng
        self.entries: list[dict] = []
        self.scans: list[dict] = []

    def admit(
        self, registration: Registration, checkpoint: Checkpoint, when: datetime, device: str
    ) -> int:
        """Record an entry and its ``ok`` scan; returns the entry's index for later scans."""
        self.entries.append(
            {
                "event_id": self.event.id,
                "registration_id": registration.id,
                "checkpoint_id": checkpoint.id,
                "checked_in_at": when,
                "device": device,
                "is_inside": True,
            }
        )
        index = len(self.entries) - 1
        self.scan(checkpoint, when, device, Verdict.OK, registration=registration, entry=index)
        return index

    def scan(
        self,
        checkpoint: Checkpoint,
        when: datetime,
        device: str,
        verdict: Verdict,
        *,
        registration: Registration | None = None,
        entry: int | None = None,
        code: str | None = None,
    ) -> None:
        """Record a scan; ``entry`` is the index of the entry it created or ran into."""
        method = ScanMethod.CAMERA if self.rng.random() < 0.7 else ScanMethod.KEYBOARD
        self.scans.append(
            {
                "event_id": self.event.id,
                "checkpoint_id": checkpoint.id,
                "registration_id": registration.id if registration else None,
                "_entry": entry,
                "code": code if code is not None else (registration.badge_code or ""),
                "verdict": verdict,
                "direction": ScanDirection.IN,
                "method": method,
                "device": device,
                "scanned_at": when,
            }
        )

    def write(self) -> None:
        """Insert the entries, then the scans pointing at them, in time order."""
        ids = (
            list(
                db.session.scalars(
                    insert(CheckIn).returning(CheckIn.id, sort_by_parameter_order=True),
                    self.entries,
                )
            )
            if self.entries
            else []
        )
        rows = sorted(self.scans, key=lambda row: row["scanned_at"])
        for row in rows:
            entry = row.pop("_entry")
            row["check_in_id"] = ids[entry] if entry is not None else None
        if rows:
            db.session.execute(insert(Scan), rows)


def _morning(event: Event, checkpoints: dict[str, Checkpoint]) -> None:
    """Entries at the entrance, the plenary and the signing hall, and some refused scans."""
    rng = random.Random(SEED)
    confirmed = list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .options(selectinload(Registration.category))
            .order_by(Registration.submission_key, Registration.id)
        )
    )
    others = list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_((RegistrationStatus.PENDING, RegistrationStatus.CANCELLED)),
            )
            .order_by(Registration.submission_key, Registration.id)
        )
    )
    writer = _Writer(event, rng)
    entrance, plenary, signing = (
        checkpoints["main-entrance"],
        checkpoints["plenary-hall"],
        checkpoints["signing-hall"],
    )
    start = _at("08:00")
    arriving = rng.sample(confirmed, round(len(confirmed) * ARRIVING))
    arrivals = []
    for registration in arriving:
        # Most come in the half hour before the opening at 09:00.
        when = start + timedelta(seconds=round(rng.triangular(0, 90 * 60, 50 * 60)))
        walk_in_at = registration.created_at
        if walk_in_at and walk_in_at.astimezone(ZONE) >= start:  # registered at the desk
            when = max(when, walk_in_at + timedelta(minutes=rng.randint(1, 4)))
        arrivals.append((when, registration))
    arrivals.sort(key=lambda item: (item[0], item[1].id))
    entries = [
        (when, reg, writer.admit(reg, entrance, when, rng.choice(GATES))) for when, reg in arrivals
    ]

    plenary_goers = rng.sample(arrivals, round(len(arrivals) * TO_PLENARY))
    for when, registration in sorted(plenary_goers, key=lambda item: (item[0], item[1].id)):
        writer.admit(registration, plenary, when + timedelta(minutes=rng.randint(3, 25)), "Door")

    codes = {c.code for c in signing.categories}
    signatories = [r for _w, r in arrivals if r.category and r.category.code in codes]
    for registration in rng.sample(signatories, min(TO_SIGNING, len(signatories))):
        when = _at("11:05") + timedelta(minutes=rng.randint(0, 40))
        writer.admit(registration, signing, when, "Signing hall door")

    # Refused scans for the log: a re-scan, unknown codes, a pending or cancelled badge,
    # a delegate the signing hall does not admit.
    for when, registration, entry in rng.sample(entries, 3):
        writer.scan(
            entrance,
            when + timedelta(minutes=rng.randint(2, 15)),
            rng.choice(GATES),
            Verdict.ALREADY_CHECKED_IN,
            registration=registration,
            entry=entry,
        )
    for code in (_random_code(rng), _random_code(rng), "https://example.com/not-a-badge"):
        when = start + timedelta(minutes=rng.randint(10, 85))
        writer.scan(entrance, when, rng.choice(GATES), Verdict.UNKNOWN_CODE, code=code)
    for registration in others[:2]:
        verdict = (
            Verdict.CANCELLED
            if registration.status == RegistrationStatus.CANCELLED
            else Verdict.NOT_CONFIRMED
        )
        when = start + timedelta(minutes=rng.randint(20, 80))
        writer.scan(entrance, when, "Gate 1", verdict, registration=registration)
    outsiders = [r for _w, r in arrivals if r.category and r.category.code not in codes]
    for registration in outsiders[:2]:
        when = _at("11:10") + timedelta(minutes=rng.randint(0, 30))
        writer.scan(
            signing, when, "Signing hall door", Verdict.NOT_ALLOWED, registration=registration
        )
    writer.write()


def load_demo_checkin(event: Event) -> bool:
    """Add the demo's checkpoints and, once, its morning of check-ins; whether any was added."""
    checkpoints, added = _ensure_checkpoints(event)
    demo_ids = [checkpoints[spec.code].id for spec in CHECKPOINTS]
    scanned = db.session.scalar(select(exists().where(Scan.checkpoint_id.in_(demo_ids))))
    if scanned:
        return added
    _morning(event, checkpoints)
    db.session.flush()
    return True
