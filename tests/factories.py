"""Factories returning callables that create committed, detached objects."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from flask import Flask

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.services import accounts, events
from wadconf.services.events import EventData

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def _detached(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def user_factory(app: Flask):
    def make_user(
        role: str = "organizer",
        email: str | None = None,
        password: str = PASSWORD,
        display_name: str = "",
    ) -> StaffUser:
        email = email or f"{role}{next(_counter)}@example.org"
        with app.app_context(), write_intent():
            user = accounts.create_user(
                email, role=role, password=password, display_name=display_name
            )
            db.session.commit()
            return _detached(user)

    return make_user


def event_factory(app: Flask):
    def make_event(slug: str | None = None, **fields: Any) -> Event:
        data = EventData(
            slug=slug or f"event{next(_counter)}",
            name_zh=fields.pop("name_zh", "测试大会"),
            name_en=fields.pop("name_en", "Test Conference"),
            starts_on=fields.pop("starts_on", date(2025, 6, 5)),
            ends_on=fields.pop("ends_on", date(2025, 6, 5)),
            **fields,
        )
        with app.app_context(), write_intent():
            event = events.create_event(data)
            db.session.commit()
            return _detached(event)

    return make_event


def invitation_factory(app: Flask):
    def make_invitation(event, **fields: Any):
        """An invitation of ``event`` (default: one seat, category ``government``, state sent)."""
        from wadconf.models import Invitation, InvitationState
        from wadconf.services.categories import category_by_code

        n = next(_counter)
        with app.app_context(), write_intent():
            event_row = db.session.get(Event, event.id)
            category = fields.pop("category", "government")
            invitation = Invitation(
                event_id=event_row.id,
                name_zh=fields.pop("name_zh", f"测试{n}"),
                name_en=fields.pop("name_en", f"Test Person {n}"),
                organisation=fields.pop("organisation", "示例机构 Example Body"),
                email=fields.pop("email", f"invitee{n}@example.org"),
                seats=fields.pop("seats", 1),
                state=fields.pop("state", InvitationState.SENT),
                category=category_by_code(event_row, category) if category else None,
                **fields,
            )
            db.session.add(invitation)
            db.session.commit()
            return _detached(invitation)

    return make_invitation


def registration_factory(app: Flask):
    def make_registration(event, **fields: Any):
        """A confirmed registration of ``event`` (optionally from ``invitation=``)."""
        from wadconf.models import Registration
        from wadconf.services.categories import category_by_code

        n = next(_counter)
        with app.app_context(), write_intent():
            event_row = db.session.get(Event, event.id)
            invitation = fields.pop("invitation", None)
            category = fields.pop("category", "government")
            registration = Registration(
                event_id=event_row.id,
                invitation_id=invitation.id if invitation is not None else None,
                name_zh=fields.pop("name_zh", f"代表{n}"),
                name_en=fields.pop("name_en", f"Delegate {n}"),
                organisation=fields.pop("organisation", "示例机构 Example Body"),
                country=fields.pop("country", "CN"),
                email=fields.pop("email", f"delegate{n}@example.org"),
                mobile=fields.pop("mobile", f"+86138000{n:05d}"[:14]),
                category=category_by_code(event_row, category) if category else None,
                **fields,
            )
            db.session.add(registration)
            db.session.flush()  # applies the column default (confirmed) that is_active reads
            if invitation is not None and registration.is_active:
                from wadconf.models import Invitation

                db.session.get(Invitation, invitation.id).seats_used += 1
            db.session.commit()
            return _detached(registration)

    return make_registration
