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
    def make_user(role: str = "organizer", email: str | None = None, password: str = PASSWORD,
                  display_name: str = "") -> StaffUser:
        email = email or f"{role}{next(_counter)}@example.org"
        with app.app_context(), write_intent():
            user = accounts.create_user(email, role=role, password=password, display_name=display_name)
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
