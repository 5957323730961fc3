"""People in sessions, and the agreements, parties, signatories and witnesses of signings.

Putting someone in a session can put them in two places at once, so the
additions of people, signatories and witnesses go through
:func:`wadconf.services.schedule.save_checked` like a move does.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    PersonRole,
    Registration,
    Session,
    SessionPerson,
    Signatory,
    StaffUser,
    Witness,
)
from wadconf.services import DomainError, audit
from wadconf.services.schedule import SessionResult, save_checked


def _check_identity(
    session: Session, registration: Registration | None, name_zh: str, name_en: str
) -> None:
    """A delegate of the session's event, or an external name; never both, never neither."""
    if registration is not None:
        if registration.event_id != session.event_id:
            raise DomainError(
                "person_not_in_event", _("That delegate is not registered for this event.")
            )
        if name_zh.strip() or name_en.strip():
            raise DomainError(
                "person_identity_ambiguous",
                _("Choose a registered delegate or type a name, not both."),
            )
    elif not (name_zh.strip() or name_en.strip()):
        raise DomainError(
            "person_identity_required", _("Choose a registered delegate or type a name.")
        )


def add_person(
    session: Session,
    *,
    role: PersonRole,
    registration: Registration | None = None,
    name_zh: str = "",
    name_en: str = "",
    organisation_zh: str = "",
    organisation_en: str = "",
    job_title_zh: str = "",
    job_title_en: str = "",
    position: int | None = None,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """Give a delegate or an external person a role in ``session``."""
    _check_identity(session, registration, name_zh, name_en)
    if registration is not None and any(
        p.registration_id == registration.id and p.role == role for p in session.people
    ):
        raise DomainError(
            "person_already_in_session", _("That person already has this role in the session.")
        )

    def change() -> Session:
        session.people.append(
            SessionPerson(
                role=role,
                registration_id=registration.id if registration is not None else None,
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                organisation_zh=organisation_zh.strip(),
                organisation_en=organisation_en.strip(),
                job_title_zh=job_title_zh.strip(),
                job_title_en=job_title_en.strip(),
                position=len(session.people) if position is None else position,
            )
        )
        return session

    result = save_checked(
        session.event, change, session_id=session.id, confirm_clashes=confirm_clashes
    )
    audit.record(
        "schedule.person_add",
        obj=session,
        actor=by,
        details={
            "role": str(role),
            "registration_id": registration.id if registration is not None else None,
            "clashes": [c.code for c in result.warnings],
        },
    )
    return result


def remove_person(person: SessionPerson, *, by: StaffUser | None = None) -> None:
    """Take a person out of their session (never makes a clash)."""
    session = person.session
    session.people.remove(person)
    db.session.flush()
    audit.record("schedule.person_remove", obj=session, actor=by, details={"role": person.role})


def add_agreement(
    session: Session,
    *,
    title_zh: str = "",
    title_en: str = "",
    position: int | None = None,
    by: StaffUser | None = None,
) -> Agreement:
    """Add an agreement to a signing ceremony."""
    if not session.is_signing_ceremony:
        raise DomainError(
            "not_a_signing_ceremony", _("Agreements belong to signing ceremonies only.")
        )
    if not (title_zh.strip() or title_en.strip()):
        raise DomainError(
            "agreement_title_required", _("Give the agreement a title in at least one language.")
        )
    agreement = Agreement(
        title_zh=title_zh.strip(),
        title_en=title_en.strip(),
        position=len(session.agreements) if position is None else position,
    )
    session.agreements.append(agreement)
    db.session.flush()
    audit.record("schedule.agreement_add", obj=agreement, actor=by, event_id=session.event_id)
    return agreement


def add_party(
    agreement: Agreement,
    *,
    name_zh: str = "",
    name_en: str = "",
    position: int | None = None,
    by: StaffUser | None = None,
) -> AgreementParty:
    """Add an organisation as a party to ``agreement``."""
    if not (name_zh.strip() or name_en.strip()):
        raise DomainError(
            "party_name_required", _("Name the organisation in at least one language.")
        )
    party = AgreementParty(
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        position=len(agreement.parties) if position is None else position,
    )
    agreement.parties.append(party)
    db.session.flush()
    audit.record("schedule.party_add", obj=party, actor=by, event_id=agreement.session.event_id)
    return party


def _next_signing_order(agreement: Agreement) -> int:
    orders = [s.signing_order for party in agreement.parties for s in party.signatories]
    return max(orders, default=0) + 1


def add_signatory(
    party: AgreementParty,
    registration: Registration,
    *,
    job_title_zh: str = "",
    job_title_en: str = "",
    signing_order: int | None = None,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """A registered delegate signs for ``party`` (by default after everyone else)."""
    agreement = party.agreement
    session = agreement.session
    _check_identity(session, registration, "", "")
    if any(s.registration_id == registration.id for p in agreement.parties for s in p.signatories):
        raise DomainError(
            "signatory_already_in_agreement", _("That delegate already signs this agreement.")
        )

    def change() -> Session:
        party.signatories.append(
            Signatory(
                registration_id=registration.id,
                job_title_zh=job_title_zh.strip(),
                job_title_en=job_title_en.strip(),
                signing_order=(
                    _next_signing_order(agreement) if signing_order is None else signing_order
                ),
            )
        )
        return session

    result = save_checked(
        session.event, change, session_id=session.id, confirm_clashes=confirm_clashes
    )
    audit.record(
        "schedule.signatory_add",
        obj=session,
        actor=by,
        details={"registration_id": registration.id, "clashes": [c.code for c in result.warnings]},
    )
    return result


def arrange_signing_order(
    agreement: Agreement, signatory_ids: Sequence[int], *, by: StaffUser | None = None
) -> None:
    """Set the order of signing: ``signatory_ids`` lists every signatory of ``agreement``."""
    signatories = {s.id: s for party in agreement.parties for s in party.signatories}
    if sorted(signatory_ids) != sorted(signatories):
        raise DomainError(
            "signing_order_incomplete", _("List every signatory of the agreement exactly once.")
        )
    for order, signatory_id in enumerate(signatory_ids, start=1):
        signatories[signatory_id].signing_order = order
    db.session.flush()
    audit.record(
        "schedule.signing_order",
        obj=agreement,
        actor=by,
        event_id=agreement.session.event_id,
        details={"order": list(signatory_ids)},
    )


def signing_sequence(agreement: Agreement) -> list[Signatory]:
    """The signatories of ``agreement`` in the order they sign."""
    return list(
        db.session.scalars(
            select(Signatory)
            .join(AgreementParty, AgreementParty.id == Signatory.party_id)
            .where(AgreementParty.agreement_id == agreement.id)
            .order_by(Signatory.signing_order, AgreementParty.position, Signatory.id)
        )
    )


def add_witness(
    agreement: Agreement,
    *,
    registration: Registration | None = None,
    name_zh: str = "",
    name_en: str = "",
    organisation_zh: str = "",
    organisation_en: str = "",
    job_title_zh: str = "",
    job_title_en: str = "",
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """A delegate or an external person witnesses ``agreement``."""
    session = agreement.session
    _check_identity(session, registration, name_zh, name_en)

    def change() -> Session:
        agreement.witnesses.append(
            Witness(
                registration_id=registration.id if registration is not None else None,
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                organisation_zh=organisation_zh.strip(),
                organisation_en=organisation_en.strip(),
                job_title_zh=job_title_zh.strip(),
                job_title_en=job_title_en.strip(),
                position=len(agreement.witnesses),
            )
        )
        return session

    result = save_checked(
        session.event, change, session_id=session.id, confirm_clashes=confirm_clashes
    )
    audit.record(
        "schedule.witness_add",
        obj=session,
        actor=by,
        details={"clashes": [c.code for c in result.warnings]},
    )
    return result


# --- editing what is there: titles, order, removal -------------------------------------------


def _renumber(items: list, item: object, delta: int) -> bool:
    """Move ``item`` ``delta`` places in ``items`` and number their ``position`` 0..n-1.

    Returns whether anything moved (not past either end).
    """
    index = items.index(item)
    target = index + delta
    if not 0 <= target < len(items) or delta == 0:
        return False
    ordered = list(items)
    ordered.insert(target, ordered.pop(index))
    for position, row in enumerate(ordered):
        row.position = position
    return True


def move_person(person: SessionPerson, delta: int, *, by: StaffUser | None = None) -> bool:
    """Move a person up (``-1``) or down (``+1``) in the session's order (never a clash)."""
    session = person.session
    moved = _renumber(list(session.people), person, delta)
    if moved:
        db.session.flush()
        db.session.expire(session, ["people"])
        audit.record(
            "schedule.person_move",
            obj=session,
            actor=by,
            details={"person_id": person.id, "position": person.position},
        )
    return moved


def update_agreement(
    agreement: Agreement, *, title_zh: str, title_en: str, by: StaffUser | None = None
) -> bool:
    """Change an agreement's titles; whether anything changed."""
    if not (title_zh.strip() or title_en.strip()):
        raise DomainError(
            "agreement_title_required", _("Give the agreement a title in at least one language.")
        )
    new = (title_zh.strip(), title_en.strip())
    if new == (agreement.title_zh, agreement.title_en):
        return False
    agreement.title_zh, agreement.title_en = new
    db.session.flush()
    audit.record(
        "schedule.agreement_update",
        obj=agreement,
        actor=by,
        event_id=agreement.session.event_id,
        details={"title_zh": new[0], "title_en": new[1]},
    )
    return True


def move_agreement(agreement: Agreement, delta: int, *, by: StaffUser | None = None) -> bool:
    """Sign ``agreement`` earlier (``-1``) or later (``+1``) in the ceremony."""
    session = agreement.session
    moved = _renumber(list(session.agreements), agreement, delta)
    if moved:
        db.session.flush()
        db.session.expire(session, ["agreements"])
        audit.record(
            "schedule.agreement_move",
            obj=agreement,
            actor=by,
            event_id=session.event_id,
            details={"position": agreement.position},
        )
    return moved


def remove_agreement(agreement: Agreement, *, by: StaffUser | None = None) -> None:
    """Take an agreement (with its parties, signatories and witnesses) out of its ceremony."""
    session = agreement.session
    audit.record(
        "schedule.agreement_remove",
        obj=agreement,
        actor=by,
        event_id=session.event_id,
        details={"title": agreement.title_en or agreement.title_zh},
    )
    session.agreements.remove(agreement)
    for position, row in enumerate(session.agreements):
        row.position = position
    db.session.flush()


def move_party(party: AgreementParty, delta: int, *, by: StaffUser | None = None) -> bool:
    """Move a party up or down in the agreement's order."""
    agreement = party.agreement
    moved = _renumber(list(agreement.parties), party, delta)
    if moved:
        db.session.flush()
        db.session.expire(agreement, ["parties"])
        audit.record(
            "schedule.party_move",
            obj=party,
            actor=by,
            event_id=agreement.session.event_id,
            details={"position": party.position},
        )
    return moved


def remove_party(party: AgreementParty, *, by: StaffUser | None = None) -> None:
    """Take a party (and its signatories) out of its agreement."""
    agreement = party.agreement
    audit.record(
        "schedule.party_remove",
        obj=party,
        actor=by,
        event_id=agreement.session.event_id,
        details={"name": party.name_en or party.name_zh},
    )
    agreement.parties.remove(party)
    for position, row in enumerate(agreement.parties):
        row.position = position
    db.session.flush()
    _compact_signing_order(agreement)


def _compact_signing_order(agreement: Agreement) -> None:
    """Number the remaining signatories 1..n in their signing order (no gaps after a removal)."""
    for order, signatory in enumerate(signing_sequence(agreement), start=1):
        signatory.signing_order = order
    db.session.flush()


def remove_signatory(signatory: Signatory, *, by: StaffUser | None = None) -> None:
    """Take a signatory off their party; the others close up in the signing order."""
    party = signatory.party
    agreement = party.agreement
    audit.record(
        "schedule.signatory_remove",
        obj=agreement.session,
        actor=by,
        details={"registration_id": signatory.registration_id, "agreement_id": agreement.id},
    )
    party.signatories.remove(signatory)
    db.session.flush()
    _compact_signing_order(agreement)


def move_in_signing_order(signatory: Signatory, delta: int, *, by: StaffUser | None = None) -> bool:
    """Let ``signatory`` sign one place earlier (``-1``) or later (``+1``) in the agreement."""
    agreement = signatory.party.agreement
    sequence = [s.id for s in signing_sequence(agreement)]
    index = sequence.index(signatory.id)
    target = index + delta
    if not 0 <= target < len(sequence) or delta == 0:
        return False
    sequence.insert(target, sequence.pop(index))
    arrange_signing_order(agreement, sequence, by=by)
    return True


def remove_witness(witness: Witness, *, by: StaffUser | None = None) -> None:
    """Take a witness off an agreement."""
    agreement = witness.agreement
    audit.record(
        "schedule.witness_remove",
        obj=agreement.session,
        actor=by,
        details={"agreement_id": agreement.id, "registration_id": witness.registration_id},
    )
    agreement.witnesses.remove(witness)
    for position, row in enumerate(agreement.witnesses):
        row.position = position
    db.session.flush()
