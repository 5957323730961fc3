"""Session places under simultaneous writers, on SQLite (file) and PostgreSQL.

Threads, each with its own app context and database connection, are released together by a
barrier and act through the enrolment service as the views do (one write transaction each,
``write_intent()``, commit). The session row lock (``FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite) must make the outcome the same as one-at-a-time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from tests.services.schedule_support import add_delegate, add_session
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import Enrolment, EnrolmentStatus, Event, Registration, Session
from wadconf.services import enrolments as service
from wadconf.services.schedule_publish import publish_schedule

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED


def run_together(app, actions: list[Callable[[], object]]) -> list[object]:
    """Run every action in its own thread and write transaction, all released at once."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def worker(index: int, action: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with write_intent():
                    results[index] = action()
                    db.session.commit()
            except BaseException as exc:  # reported by the test, not lost in the thread
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def setup(app, make_event, *, capacity: int, seated: int, waiting: int, others: int = 0):
    """A published session with ``capacity`` places, ``seated`` enrolled delegates, ``waiting``
    in line (oldest first, a minute apart) and ``others`` delegates not enrolled.

    Returns (session id, seated enrolment ids, waiting registration ids, other registration ids).
    """
    detached = make_event()
    with app.app_context(), write_intent():
        event = db.session.get(Event, detached.id)
        session = add_session(
            event, "Workshop", "14:00", "15:00", requires_enrolment=True, capacity=capacity
        )
        publish_schedule(event)
        start = utcnow() - timedelta(hours=1)
        seated_ids, waiting_ids = [], []
        for n in range(seated + waiting):
            registration = add_delegate(event)
            enrolment = Enrolment(
                session_id=session.id,
                registration_id=registration.id,
                status=ENROLLED if n < seated else WAITLISTED,
                created_at=start + timedelta(minutes=n),
            )
            db.session.add(enrolment)
            db.session.flush()
            (seated_ids if n < seated else waiting_ids).append(
                enrolment.id if n < seated else registration.id
            )
        other_ids = [add_delegate(event).id for _ in range(others)]
        db.session.commit()
        return session.id, seated_ids, waiting_ids, other_ids


def statuses(app, session_id: int) -> dict[int, EnrolmentStatus]:
    """Registration id -> status of its live enrolment in the session."""
    with app.app_context():
        rows = db.session.execute(
            select(Enrolment.registration_id, Enrolment.status).where(
                Enrolment.session_id == session_id, Enrolment.status != EnrolmentStatus.CANCELLED
            )
        ).all()
        return {registration_id: EnrolmentStatus(status) for registration_id, status in rows}


def cancel_action(enrolment_id: int) -> Callable[[], object]:
    return lambda: service.cancel(db.session.get(Enrolment, enrolment_id))


def enrol_action(registration_id: int, session_id: int) -> Callable[[], object]:
    return lambda: (
        service.enrol(
            db.session.get(Registration, registration_id), db.session.get(Session, session_id)
        ).status
    )


def test_two_simultaneous_cancellations_promote_exactly_the_two_oldest_waiting(app, make_event):
    session_id, seated, waiting, _ = setup(app, make_event, capacity=2, seated=2, waiting=3)
    run_together(app, [cancel_action(seated[0]), cancel_action(seated[1])])
    result = statuses(app, session_id)
    assert [result[r] for r in waiting] == [ENROLLED, ENROLLED, WAITLISTED]
    assert list(result.values()).count(ENROLLED) == 2
    with app.app_context():
        promote_count = db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.promoted_at.is_not(None))
        )
    assert promote_count == 2


def test_cancellations_racing_new_enrolments_give_the_places_to_those_waiting(app, make_event):
    session_id, seated, waiting, others = setup(
        app, make_event, capacity=2, seated=2, waiting=3, others=2
    )
    run_together(
        app,
        [
            cancel_action(seated[0]),
            cancel_action(seated[1]),
            enrol_action(others[0], session_id),
            enrol_action(others[1], session_id),
        ],
    )
    result = statuses(app, session_id)
    assert [result[r] for r in waiting] == [ENROLLED, ENROLLED, WAITLISTED]
    assert [result[r] for r in others] == [WAITLISTED, WAITLISTED]


def test_twenty_parallel_enrolments_on_three_places_enrol_exactly_three(app, make_event):
    session_id, _, _, others = setup(app, make_event, capacity=3, seated=0, waiting=0, others=20)
    outcomes = run_together(app, [enrol_action(r, session_id) for r in others])
    assert (outcomes.count(ENROLLED), outcomes.count(WAITLISTED)) == (3, 17)
    with app.app_context():
        rows = db.session.execute(
            select(Enrolment.status, Enrolment.created_at, Enrolment.id)
            .where(Enrolment.session_id == session_id)
            .order_by(Enrolment.created_at, Enrolment.id)
        ).all()
    # In order: the three places went to the first three in line, everyone after waits.
    assert [EnrolmentStatus(r.status) for r in rows] == [ENROLLED] * 3 + [WAITLISTED] * 17


def test_parallel_double_enrolment_of_one_delegate_makes_one(app, make_event):
    session_id, _, _, others = setup(app, make_event, capacity=3, seated=0, waiting=0, others=1)

    def attempt():
        try:
            return enrol_action(others[0], session_id)()
        except service.DomainError as exc:
            return exc.code

    outcomes = run_together(app, [attempt] * 5)
    assert outcomes.count(ENROLLED) == 1 and outcomes.count("already_enrolled") == 4


def test_twenty_parallel_enrol_requests_on_three_places_through_the_views(app, make_event):
    """The same race through HTTP: a threaded server, the enrol button pressed 20 times at once."""
    from werkzeug.serving import make_server

    from tests.test_registration_concurrency import post_all

    session_id, _, _, others = setup(app, make_event, capacity=3, seated=0, waiting=0, others=20)
    with app.app_context():
        token = db.session.get(Session, session_id).token
        links = [db.session.get(Registration, r).manage_token for r in others]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        results = post_all(
            f"http://127.0.0.1:{server.server_port}",
            [(f"/r/{link}/sessions/{token}/enrol", {"waitlist": "1"}) for link in links],
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert {status for status, _location in results} == {302}
    result = statuses(app, session_id)
    assert (len(result), list(result.values()).count(ENROLLED)) == (20, 3)
