"""Simultaneous submissions of one body (two browser tabs, a double click) on both databases."""

from __future__ import annotations

import threading

from sqlalchemy import select

from tests.series_factories import NOW, make_body, make_reporter, plan_data
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import StaffUser
from wadconf.models.series import ActivityPlan, ActivityPlanVersion, ReportingBody
from wadconf.services import series as service

PARALLEL = 6


def test_simultaneous_submissions_get_distinct_version_numbers(app, make_event):
    body = make_body(app, make_event())
    reporter = make_reporter(app, body)
    barrier = threading.Barrier(PARALLEL)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with write_intent():
                    service.submit_plan(
                        db.session.get(ReportingBody, body.id),
                        plan_data(title=f"Tab {n}"),
                        by=db.session.get(StaffUser, reporter.id),
                        now=NOW,
                    )
                    db.session.commit()
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        numbers = db.session.scalars(
            select(ActivityPlanVersion.number).order_by(ActivityPlanVersion.number)
        ).all()
        assert numbers == list(range(1, PARALLEL + 1))
        assert db.session.scalar(select(ActivityPlan.current_version)) == PARALLEL
