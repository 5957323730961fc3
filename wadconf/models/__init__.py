"""Models, one module per domain noun. Importing this package registers them all."""

from wadconf.models.audit import AuditEntry
from wadconf.models.event import Event
from wadconf.models.people import Role, StaffUser
from wadconf.models.schedule import ProgrammeKind, ProgrammePart, Room

__all__ = ["AuditEntry", "Event", "ProgrammeKind", "ProgrammePart", "Role", "Room", "StaffUser"]
