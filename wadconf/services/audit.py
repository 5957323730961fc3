"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from wadconf.extensions import db
from wadconf.models import AuditEntry, StaffUser


def record(
    action: str,
    *,
    obj: Any = None,
    actor: StaffUser | None = None,
    actor_label: str | None = None,
    event_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry for ``action`` on ``obj`` by ``actor`` (default: the logged-in user)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    label = actor_label or (actor.email if actor else ("cli" if not has_request_context() else ""))
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_label=label,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        event_id=event_id if event_id is not None else getattr(obj, "event_id", None),
        ip_address=(request.remote_addr or "") if has_request_context() else "",
        details=details or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry
