"""Invitations: creation, life cycle, sending, and the public look-up by token."""

from __future__ import annotations

from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Invitation, InvitationState


def find_invitation_for_public(token: str) -> Invitation | None:
    """The invitation a public link names; ``None`` for unknown and revoked tokens alike."""
    if not token or len(token) > 64:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None or invitation.state == InvitationState.REVOKED:
        return None
    return invitation


def mark_opened(invitation: Invitation) -> None:
    """Record the first time the invitee opened their link."""
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.state in {InvitationState.DRAFT, InvitationState.SENT}:
        invitation.state = InvitationState.OPENED
    db.session.flush()
