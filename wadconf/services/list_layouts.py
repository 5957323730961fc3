"""Saved list layouts: a named choice of columns and settings ("Plenary sign-in sheet")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, ListLayout, StaffUser
from wadconf.services import DomainError, audit
from wadconf.services.lists import ListSpec

NAME_LENGTH = 100


def list_layouts(event: Event) -> list[ListLayout]:
    """The event's layouts by name."""
    return list(
        db.session.scalars(
            select(ListLayout).where(ListLayout.event_id == event.id).order_by(ListLayout.name)
        )
    )


def get_layout(event: Event, layout_id: int) -> ListLayout | None:
    """The event's layout ``layout_id``; another event's is as absent as a missing one."""
    layout = db.session.get(ListLayout, layout_id)
    return layout if layout is not None and layout.event_id == event.id else None


def find_layout(event: Event, name: str) -> ListLayout | None:
    """The event's layout named ``name``."""
    return db.session.scalar(
        select(ListLayout).where(ListLayout.event_id == event.id, ListLayout.name == name.strip())
    )


def save_layout(
    event: Event, name: str, spec: ListSpec, *, by: StaffUser | None = None
) -> ListLayout:
    """Save ``spec`` as ``name``: a new layout, or the one of that name replaced."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("layout_name_missing", _l("Give the layout a name."))
    if len(name) > NAME_LENGTH:
        raise DomainError("layout_name_too_long", _l("The name is too long."))
    spec.check()
    layout = find_layout(event, name)
    if layout is None:
        layout = ListLayout(event_id=event.id, name=name, created_by_id=by.id if by else None)
        db.session.add(layout)
    layout.columns = list(spec.columns)
    layout.settings = spec.settings()
    db.session.flush()
    audit.record("list.layout_saved", obj=layout, actor=by, details={"name": name})
    return layout


def delete_layout(event: Event, layout_id: int, *, by: StaffUser | None = None) -> None:
    """Delete the event's layout ``layout_id``."""
    layout = get_layout(event, layout_id)
    if layout is None:
        raise DomainError("layout_not_found", _l("No such layout."))
    audit.record("list.layout_deleted", obj=layout, actor=by, details={"name": layout.name})
    db.session.delete(layout)
    db.session.flush()


def layout_spec(layout: ListLayout) -> ListSpec:
    """The spec a layout saved."""
    return ListSpec.from_settings(layout.columns or [], layout.settings or {})
