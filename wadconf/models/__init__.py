"""Models, one module per domain noun. Importing this package registers them all."""

from wadconf.models.audit import AuditEntry
from wadconf.models.checkin import (
    AdmissionRule,
    ApiToken,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    ReentryPolicy,
    RetiredBadgeCode,
    Scan,
    ScanDirection,
    ScanMethod,
    Verdict,
)
from wadconf.models.event import Event
from wadconf.models.invitation import (
    DelegateCategory,
    Invitation,
    InvitationLocale,
    InvitationState,
)
from wadconf.models.mail import OutboxAttachment, OutboxMessage, OutboxStatus
from wadconf.models.people import Role, StaffSession, StaffUser
from wadconf.models.registration import (
    ACTIVE_STATUSES,
    PrivacyNotice,
    Registration,
    RegistrationStatus,
)
from wadconf.models.schedule import ProgrammeKind, ProgrammePart, Room

__all__ = [
    "AdmissionRule",
    "ApiToken",
    "CheckIn",
    "Checkpoint",
    "CheckpointKind",
    "ReentryPolicy",
    "RetiredBadgeCode",
    "Scan",
    "ScanDirection",
    "ScanMethod",
    "Verdict",
    "ACTIVE_STATUSES",
    "AuditEntry",
    "DelegateCategory",
    "Event",
    "Invitation",
    "InvitationLocale",
    "InvitationState",
    "OutboxAttachment",
    "OutboxMessage",
    "OutboxStatus",
    "PrivacyNotice",
    "ProgrammeKind",
    "ProgrammePart",
    "Registration",
    "RegistrationStatus",
    "Role",
    "Room",
    "StaffSession",
    "StaffUser",
]
