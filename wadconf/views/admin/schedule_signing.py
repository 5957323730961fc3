"""Admin pages: a session's people, and a signing ceremony's agreements, parties,
signatories, witnesses and order of signing.

One page per session (``admin.schedule_session_people``); every change posts to a short
address and comes back to it. A change that would put someone in two places at once (or
make an unconfirmed delegate a signatory) is not saved: the page shows the warnings and a
"save anyway" button that posts the same values again with ``confirm_clashes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.schedule_signing import (
    AgreementForm,
    ItemForm,
    PartyForm,
    PersonForm,
    SignatoryForm,
    WitnessForm,
)
from wadconf.models import (
    Agreement,
    AgreementParty,
    Event,
    PersonRole,
    Registration,
    Role,
    Session,
    SessionPerson,
    Signatory,
    Witness,
)
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import schedule_people as people
from wadconf.services.clashes import session_clashes
from wadconf.services.registration_queries import RegistrationQuery, search_registrations
from wadconf.services.schedule import SessionResult
from wadconf.views.admin import bp, event_or_404

SEARCH_RESULTS = 20
BASE = "/events/<slug>/schedule/sessions/<int:session_id>/people"


def _session(event: Event, session_id: int) -> Session:
    """``event``'s session ``session_id``, else 404 (another event's id included)."""
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _back(session: Session, anchor: str = ""):
    """Back to the session's page, keeping the delegate search."""
    q = (request.form.get("q") or "").strip()
    url = url_for(
        "admin.schedule_session_people",
        slug=session.event.slug,
        session_id=session.id,
        **({"q": q} if q else {}),
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _registration(event: Event, registration_id: int | None) -> Registration | None:
    """The event's registration ``registration_id`` (``None`` when not given)."""
    if not registration_id:
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise DomainError(
            "person_not_in_event", _("That delegate is not registered for this event.")
        )
    return registration


def _agreement(session: Session, agreement_id: int | None) -> Agreement | None:
    return next((a for a in session.agreements if a.id == agreement_id), None)


def _party(session: Session, party_id: int | None) -> AgreementParty | None:
    return next((p for a in session.agreements for p in a.parties if p.id == party_id), None)


def _signatory(session: Session, signatory_id: int | None) -> Signatory | None:
    return next(
        (
            s
            for a in session.agreements
            for p in a.parties
            for s in p.signatories
            if s.id == signatory_id
        ),
        None,
    )


def _witness(session: Session, witness_id: int | None) -> Witness | None:
    return next((w for a in session.agreements for w in a.witnesses if w.id == witness_id), None)


def _person(session: Session, person_id: int | None) -> SessionPerson | None:
    return next((p for p in session.people if p.id == person_id), None)


def _delegates(event: Event, q: str) -> list[Registration]:
    """Registrations of ``event`` whose name, organisation or e-mail contains ``q``."""
    if not q:
        return []
    page = search_registrations(event, RegistrationQuery(q=q, sort="name", per_page=SEARCH_RESULTS))
    return page.items


def _page(event: Event, session: Session, *, pending: dict[str, Any] | None = None, status=200):
    q = (request.values.get("q") or "").strip()[:200]
    return (
        render_template(
            "admin/schedule_signing/session.html",
            event=event,
            session=session,
            q=q,
            delegates=_delegates(event, q),
            sequences={a.id: people.signing_sequence(a) for a in session.agreements},
            pending=pending,
            clashes=[] if pending else session_clashes(event, session.id),
            editor_url=url_for("admin.schedule_editor", slug=event.slug),
        ),
        status,
    )


def _checked(event: Event, session: Session, action: Callable[[bool], Any], done: str):
    """Run a change that may make clashes; on new ones, show them and ask to save anyway."""
    confirm = request.form.get("confirm_clashes") == "1"
    try:
        result = action(confirm)
    except DomainError as exc:
        db.session.rollback()
        if exc.code != "clashes_need_confirmation":
            flash(exc.message, "error")
            return _back(session)
        new = {clash.key for clash in exc.params.get("new_warnings", [])}
        pending = {
            "action": request.path,
            "fields": [
                (name, value)
                for name, value in request.form.items(multi=True)
                if name not in ("csrf_token", "confirm_clashes")
            ],
            "warnings": [(clash, clash.key in new) for clash in exc.params.get("warnings", [])],
        }
        return _page(event, session, pending=pending, status=409)
    db.session.commit()
    warnings = result.warnings if isinstance(result, SessionResult) else []
    if warnings:
        flash(
            ngettext(
                "Saved, with %(num)d clash warning.",
                "Saved, with %(num)d clash warnings.",
                len(warnings),
            ),
            "error",
        )
    else:
        flash(done, "success")
    return _back(session)


def _plain(session: Session, action: Callable[[], Any], done: str, anchor: str = ""):
    """Run a change that cannot make clashes; refusals are flashed."""
    try:
        changed = action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(session, anchor)
    db.session.commit()
    if changed is not False:
        flash(done, "success")
    return _back(session, anchor)


def _item(session: Session, finder: Callable[[Session, int | None], Any]):
    """The item the posted ``item_id`` names in ``session``, else ``None`` (flashed)."""
    form = ItemForm()
    item = finder(session, form.item_id.data) if form.validate_on_submit() else None
    if item is None:
        flash(_("That item is no longer in this session."), "error")
    return item, form


def _delta(form: ItemForm) -> int:
    return -1 if form.direction.data == "up" else 1


@bp.get(BASE)
@roles_required(Role.ORGANIZER)
def schedule_session_people(slug: str, session_id: int):
    """The session's people and, for a signing ceremony, its agreements and order of signing."""
    event = event_or_404(slug)
    return _page(event, _session(event, session_id))


@bp.post(BASE + "/add")
@roles_required(Role.ORGANIZER)
def schedule_person_add(slug: str, session_id: int):
    """Give a delegate (chosen from the search) or a named external person a role."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = PersonForm()
    if not form.validate_on_submit():
        flash(_("Check the person's details."), "error")
        return _back(session)

    def action(confirm: bool):
        return people.add_person(
            session,
            role=PersonRole(form.role.data),
            registration=_registration(event, form.registration_id.data),
            name_zh=form.name_zh.data or "",
            name_en=form.name_en.data or "",
            organisation_zh=form.organisation_zh.data or "",
            organisation_en=form.organisation_en.data or "",
            job_title_zh=form.job_title_zh.data or "",
            job_title_en=form.job_title_en.data or "",
            confirm_clashes=confirm,
            by=current_user,
        )

    return _checked(event, session, action, _("The person was added."))


@bp.post(BASE + "/move")
@roles_required(Role.ORGANIZER)
def schedule_person_move(slug: str, session_id: int):
    """Move a person up or down in the session's order."""
    session = _session(event_or_404(slug), session_id)
    person, form = _item(session, _person)
    if person is None:
        return _back(session)
    return _plain(
        session,
        lambda: people.move_person(person, _delta(form), by=current_user),
        _("The order was changed."),
        "people",
    )


@bp.post(BASE + "/remove")
@roles_required(Role.ORGANIZER)
def schedule_person_remove(slug: str, session_id: int):
    """Take a person out of the session."""
    session = _session(event_or_404(slug), session_id)
    person, _form = _item(session, _person)
    if person is None:
        return _back(session)
    return _plain(
        session,
        lambda: people.remove_person(person, by=current_user),
        _("The person was removed."),
        "people",
    )


@bp.post(BASE + "/agreements")
@roles_required(Role.ORGANIZER)
def schedule_agreement_save(slug: str, session_id: int):
    """Add an agreement to the ceremony, or retitle one (``agreement_id``)."""
    session = _session(event_or_404(slug), session_id)
    form = AgreementForm()
    if not form.validate_on_submit():
        flash(_("Check the agreement's titles."), "error")
        return _back(session)
    titles = {"title_zh": form.title_zh.data or "", "title_en": form.title_en.data or ""}
    if form.agreement_id.data:
        agreement = _agreement(session, form.agreement_id.data)
        if agreement is None:
            flash(_("That item is no longer in this session."), "error")
            return _back(session)
        return _plain(
            session,
            lambda: people.update_agreement(agreement, **titles, by=current_user),
            _("The agreement was saved."),
            f"agreement-{agreement.id}",
        )
    return _plain(
        session,
        lambda: people.add_agreement(session, **titles, by=current_user),
        _("The agreement was added."),
        "agreements",
    )


@bp.post(BASE + "/agreements/move")
@roles_required(Role.ORGANIZER)
def schedule_agreement_move(slug: str, session_id: int):
    """Sign an agreement earlier or later in the ceremony."""
    session = _session(event_or_404(slug), session_id)
    agreement, form = _item(session, _agreement)
    if agreement is None:
        return _back(session)
    return _plain(
        session,
        lambda: people.move_agreement(agreement, _delta(form), by=current_user),
        _("The order was changed."),
        "agreements",
    )


@bp.post(BASE + "/agreements/remove")
@roles_required(Role.ORGANIZER)
def schedule_agreement_remove(slug: str, session_id: int):
    """Remove an agreement with its parties, signatories and witnesses."""
    session = _session(event_or_404(slug), session_id)
    agreement, _form = _item(session, _agreement)
    if agreement is None:
        return _back(session)
    return _plain(
        session,
        lambda: people.remove_agreement(agreement, by=current_user),
        _("The agreement was removed."),
        "agreements",
    )


@bp.post(BASE + "/parties")
@roles_required(Role.ORGANIZER)
def schedule_party_add(slug: str, session_id: int):
    """Add an organisation as a party to an agreement."""
    session = _session(event_or_404(slug), session_id)
    form = PartyForm()
    agreement = _agreement(session, form.agreement_id.data) if form.validate_on_submit() else None
    if agreement is None:
        flash(_("That item is no longer in this session."), "error")
        return _back(session)
    return _plain(
        session,
        lambda: people.add_party(
            agreement,
            name_zh=form.name_zh.data or "",
            name_en=form.name_en.data or "",
            by=current_user,
        ),
        _("The party was added."),
        f"agreement-{agreement.id}",
    )


@bp.post(BASE + "/parties/move")
@roles_required(Role.ORGANIZER)
def schedule_party_move(slug: str, session_id: int):
    """Move a party up or down in its agreement."""
    session = _session(event_or_404(slug), session_id)
    party, form = _item(session, _party)
    if party is None:
        return _back(session)
    return _plain(
        session,
        lambda: people.move_party(party, _delta(form), by=current_user),
        _("The order was changed."),
        f"agreement-{party.agreement_id}",
    )


@bp.post(BASE + "/parties/remove")
@roles_required(Role.ORGANIZER)
def schedule_party_remove(slug: str, session_id: int):
    """Remove a party and its signatories from an agreement."""
    session = _session(event_or_404(slug), session_id)
    party, _form = _item(session, _party)
    if party is None:
        return _back(session)
    anchor = f"agreement-{party.agreement_id}"
    return _plain(
        session,
        lambda: people.remove_party(party, by=current_user),
        _("The party was removed."),
        anchor,
    )


@bp.post(BASE + "/signatories")
@roles_required(Role.ORGANIZER)
def schedule_signatory_add(slug: str, session_id: int):
    """A delegate (chosen from the search) signs for a party."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = SignatoryForm()
    party = _party(session, form.party_id.data) if form.validate_on_submit() else None
    if party is None:
        flash(_("Choose a party and a delegate."), "error")
        return _back(session)

    def action(confirm: bool):
        registration = _registration(event, form.registration_id.data)
        if registration is None:
            raise DomainError("person_identity_required", _("Choose a registered delegate."))
        return people.add_signatory(
            party,
            registration,
            job_title_zh=form.job_title_zh.data or "",
            job_title_en=form.job_title_en.data or "",
            confirm_clashes=confirm,
            by=current_user,
        )

    return _checked(event, session, action, _("The signatory was added."))


@bp.post(BASE + "/signatories/order")
@roles_required(Role.ORGANIZER)
def schedule_signing_order(slug: str, session_id: int):
    """Let a signatory sign one place earlier or later in their agreement."""
    session = _session(event_or_404(slug), session_id)
    signatory, form = _item(session, _signatory)
    if signatory is None:
        return _back(session)
    anchor = f"agreement-{signatory.party.agreement_id}"
    return _plain(
        session,
        lambda: people.move_in_signing_order(signatory, _delta(form), by=current_user),
        _("The order of signing was changed."),
        anchor,
    )


@bp.post(BASE + "/signatories/remove")
@roles_required(Role.ORGANIZER)
def schedule_signatory_remove(slug: str, session_id: int):
    """Take a signatory off their party."""
    session = _session(event_or_404(slug), session_id)
    signatory, _form = _item(session, _signatory)
    if signatory is None:
        return _back(session)
    anchor = f"agreement-{signatory.party.agreement_id}"
    return _plain(
        session,
        lambda: people.remove_signatory(signatory, by=current_user),
        _("The signatory was removed."),
        anchor,
    )


@bp.post(BASE + "/witnesses")
@roles_required(Role.ORGANIZER)
def schedule_witness_add(slug: str, session_id: int):
    """A delegate (chosen from the search) or a named external person witnesses an agreement."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = WitnessForm()
    agreement = _agreement(session, form.agreement_id.data) if form.validate_on_submit() else None
    if agreement is None:
        flash(_("That item is no longer in this session."), "error")
        return _back(session)

    def action(confirm: bool):
        return people.add_witness(
            agreement,
            registration=_registration(event, form.registration_id.data),
            name_zh=form.name_zh.data or "",
            name_en=form.name_en.data or "",
            organisation_zh=form.organisation_zh.data or "",
            organisation_en=form.organisation_en.data or "",
            job_title_zh=form.job_title_zh.data or "",
            job_title_en=form.job_title_en.data or "",
            confirm_clashes=confirm,
            by=current_user,
        )

    return _checked(event, session, action, _("The witness was added."))


@bp.post(BASE + "/witnesses/remove")
@roles_required(Role.ORGANIZER)
def schedule_witness_remove(slug: str, session_id: int):
    """Take a witness off an agreement."""
    session = _session(event_or_404(slug), session_id)
    witness, _form = _item(session, _witness)
    if witness is None:
        return _back(session)
    anchor = f"agreement-{witness.agreement_id}"
    return _plain(
        session,
        lambda: people.remove_witness(witness, by=current_user),
        _("The witness was removed."),
        anchor,
    )
