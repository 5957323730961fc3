"""The demo's series activities: bodies, deadlines, plans and reports, some late, most missing."""

from __future__ import annotations

from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, Role, StaffUser
from wadconf.models.series import ActivityPlan, ActivityReport, ReportingBody
from wadconf.services.demo_series import PLANS_DUE, REPORTS_DUE, load_demo_series


def _load(app, event) -> bool:
    with app.app_context(), write_intent():
        added = load_demo_series(db.session.get(Event, event.id))
        db.session.commit()
        return added


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_has_the_32_regulators_and_an_association(app, make_event):
    event = make_event()
    assert _load(app, event) is True
    with app.app_context():
        assert _count(ReportingBody) == 33
        assert db.session.scalar(select(ReportingBody).where(ReportingBody.code == "cca"))


def test_the_demo_sets_the_deadlines_of_the_notice(app, make_event):
    event = make_event()
    _load(app, event)
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert (row.plans_due_at, row.reports_due_at) == (PLANS_DUE, REPORTS_DUE)


def test_the_demo_has_plans_some_late_and_most_bodies_missing(app, make_event):
    event = make_event()
    _load(app, event)
    with app.app_context():
        plans = db.session.scalars(select(ActivityPlan)).all()
        late = [p for p in plans if p.is_late(PLANS_DUE)]
        assert 5 <= len(plans) < 33 and len(late) == 2
        assert any(p.current_version == 2 for p in plans)


def test_the_demo_has_reports_one_late(app, make_event):
    event = make_event()
    _load(app, event)
    with app.app_context():
        reports = db.session.scalars(select(ActivityReport)).all()
        assert len(reports) == 4
        assert sum(r.is_late(REPORTS_DUE) for r in reports) == 1


def test_the_demo_reporters_belong_to_their_bodies(app, make_event):
    event = make_event()
    _load(app, event)
    with app.app_context():
        users = db.session.scalars(select(StaffUser).where(StaffUser.role == Role.REPORTER)).all()
        assert len(users) == 4
        assert all(u.reporting_body_id and u.email.endswith("@example.org") for u in users)


def test_loading_the_demo_again_adds_nothing(app, make_event):
    event = make_event()
    _load(app, event)
    assert _load(app, event) is False
    with app.app_context():
        assert _count(ActivityPlan) == 9
