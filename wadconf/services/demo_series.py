"""The demo's series activities: the 32 provincial regulators and an association, with
deadlines (31 May and 30 June 2024), some plans and reports, some late, most missing.

Called from :func:`wadconf.services.demo.load_demo`. Fixed data, no randomness: the same on
every run, written once (an event that already has reporting bodies is left alone). The
reporter accounts get a random password; an organiser sends them the invitation to try the
portal. Contact people and phone numbers are fictional (555 numbers).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, Role, StaffUser
from wadconf.models.series import (
    ActivityKind,
    ActivityPlan,
    ActivityPlanVersion,
    ActivityReport,
    ActivityReportVersion,
    BodyKind,
    ReportingBody,
)
from wadconf.services.reporting_bodies import preload_provincial_bodies

ZONE = ZoneInfo("Asia/Shanghai")
PLANS_DUE = datetime(2024, 5, 31, 23, 59, tzinfo=ZONE)
REPORTS_DUE = datetime(2024, 6, 30, 23, 59, tzinfo=ZONE)

#: (body code, title, kind, first day, last day, places, audience, expected, submitted at
#: (Shanghai), second version at or None). Two come after the deadline (late).
PLANS = [
    (
        "beijing",
        "“认可：赋能明天”主题宣传周",
        ActivityKind.PUBLICITY_CAMPAIGN,
        date(2024, 6, 3),
        date(2024, 6, 9),
        "北京市各区政务服务中心",
        "企业与公众",
        2000,
        datetime(2024, 5, 20, 10, 0),
        datetime(2024, 5, 28, 16, 30),
    ),
    (
        "hebei",
        "雄安新区认证认可开放日",
        ActivityKind.OPEN_DAY,
        date(2024, 6, 9),
        date(2024, 6, 9),
        "雄安新区检验检测实验室",
        "市民、学生",
        300,
        datetime(2024, 5, 22, 9, 15),
        None,
    ),
    (
        "shanghai",
        "认证认可助力绿色低碳论坛",
        ActivityKind.FORUM,
        date(2024, 6, 7),
        date(2024, 6, 7),
        "上海国际会议中心",
        "认证机构、企业",
        250,
        datetime(2024, 5, 24, 14, 0),
        None,
    ),
    (
        "jiangsu",
        "检验检测机构能力提升培训",
        ActivityKind.TRAINING,
        date(2024, 6, 5),
        date(2024, 6, 6),
        "南京",
        "检验检测机构技术人员",
        180,
        datetime(2024, 5, 30, 11, 0),
        None,
    ),
    (
        "zhejiang",
        "“小而美”质量认证宣传进企业",
        ActivityKind.PUBLICITY_CAMPAIGN,
        date(2024, 6, 1),
        date(2024, 6, 15),
        "杭州、宁波、温州",
        "中小企业",
        800,
        datetime(2024, 5, 27, 15, 45),
        datetime(2024, 5, 31, 9, 0),
    ),
    (
        "guangdong",
        "粤港澳认证认可合作交流会",
        ActivityKind.FORUM,
        date(2024, 6, 12),
        date(2024, 6, 12),
        "广州",
        "三地认证认可机构",
        150,
        datetime(2024, 5, 29, 10, 20),
        None,
    ),
    (
        "sichuan",
        "世界认可日主题宣传",
        ActivityKind.PUBLICITY_CAMPAIGN,
        date(2024, 6, 9),
        date(2024, 6, 9),
        "成都天府广场",
        "公众",
        1000,
        datetime(2024, 6, 2, 17, 5),
        None,
    ),
    (
        "xpcc",
        "兵团检验检测机构开放日",
        ActivityKind.OPEN_DAY,
        date(2024, 6, 8),
        date(2024, 6, 8),
        "石河子",
        "兵团职工群众",
        120,
        datetime(2024, 6, 4, 9, 40),
        None,
    ),
    (
        "cca",
        "认证从业人员职业道德培训",
        ActivityKind.TRAINING,
        date(2024, 6, 4),
        date(2024, 6, 4),
        "线上",
        "认证人员",
        500,
        datetime(2024, 5, 15, 10, 0),
        None,
    ),
]

#: (body code, what took place, participants, media links, submitted at); one is late.
REPORTS = [
    (
        "beijing",
        "宣传周期间在16个区开展现场咨询与讲座，发放宣传海报与折页。",
        2350,
        ["https://example.org/news/beijing-wad2024"],
        datetime(2024, 6, 20, 10, 0),
    ),
    (
        "hebei",
        "开放日接待市民与学生参观实验室，现场讲解认证认可知识。",
        320,
        ["https://example.org/news/xiongan-open-day", "https://example.com/video/xiongan"],
        datetime(2024, 6, 18, 15, 30),
    ),
    (
        "shanghai",
        "论坛发布绿色低碳认证服务案例，线上直播观看人数较多。",
        260,
        [],
        datetime(2024, 6, 28, 9, 0),
    ),
    (
        "zhejiang",
        "走访企业42家，开展“小而美”质量认证政策宣讲。",
        760,
        ["https://example.org/news/zhejiang-small-beautiful"],
        datetime(2024, 7, 3, 11, 0),
    ),
]

#: Bodies that get a reporter account in the demo (fictional addresses).
REPORTERS = ["beijing", "hebei", "zhejiang", "sichuan"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=ZONE)


def load_demo_series(event: Event) -> bool:
    """Add the demo's reporting bodies, deadlines, accounts, plans and reports (once)."""
    has_bodies = db.session.scalar(
        select(ReportingBody.id).where(ReportingBody.event_id == event.id).limit(1)
    )
    if has_bodies is not None:
        return False
    event.plans_due_at = event.plans_due_at or PLANS_DUE
    event.reports_due_at = event.reports_due_at or REPORTS_DUE
    preload_provincial_bodies(event)
    db.session.add(
        ReportingBody(
            event_id=event.id,
            code="cca",
            name_zh="中国认证认可协会",
            name_en="China Certification and Accreditation Association",
            kind=BodyKind.ASSOCIATION,
            position=100,
        )
    )
    db.session.flush()
    bodies = {
        b.code: b
        for b in db.session.scalars(select(ReportingBody).where(ReportingBody.event_id == event.id))
    }
    reporters = {}
    for code in REPORTERS:
        user = StaffUser(
            email=f"reporter.{code}@example.org",
            display_name=f"{bodies[code].name_zh} 联络员",
            role=Role.REPORTER,
            reporting_body_id=bodies[code].id,
            event_id=event.id,
        )
        user.set_password(secrets.token_urlsafe(24))
        db.session.add(user)
        reporters[code] = user
    db.session.flush()
    for n, (code, title, kind, first, last, places, audience, expected, at, again) in enumerate(
        PLANS, start=1
    ):
        body = bodies[code]
        times = [_utc(at)] + ([_utc(again)] if again else [])
        plan = ActivityPlan(
            event_id=event.id,
            body_id=body.id,
            first_submitted_at=times[0],
            submitted_at=times[-1],
            current_version=len(times),
            created_at=times[0],
        )
        db.session.add(plan)
        db.session.flush()
        for number, when in enumerate(times, start=1):
            db.session.add(
                ActivityPlanVersion(
                    plan_id=plan.id,
                    number=number,
                    title=title if number == len(times) else f"{title}（初稿）",
                    starts_on=first,
                    ends_on=last,
                    places=places,
                    activity_kind=kind,
                    target_audience=audience,
                    expected_participants=expected if number == len(times) else expected // 2,
                    contact_name="联络员",
                    contact_phone=f"010-5550{n:04d}",
                    description=f"{body.name_zh}围绕世界认可日主题组织{title}。",
                    submitted_by_id=reporters[code].id if code in reporters else None,
                    created_at=when,
                )
            )
    for code, summary, participants, links, at in REPORTS:
        body = bodies[code]
        report = ActivityReport(
            event_id=event.id,
            body_id=body.id,
            first_submitted_at=_utc(at),
            submitted_at=_utc(at),
            current_version=1,
            created_at=_utc(at),
        )
        db.session.add(report)
        db.session.flush()
        db.session.add(
            ActivityReportVersion(
                report_id=report.id,
                number=1,
                summary=summary,
                participants=participants,
                media_links="\n".join(links),
                submitted_by_id=reporters[code].id if code in reporters else None,
                created_at=_utc(at),
            )
        )
    db.session.flush()
    return True
