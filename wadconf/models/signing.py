"""Signing ceremonies: the agreements signed in a session, their parties, signatories, witnesses.

A signing ceremony is a :class:`~wadconf.models.schedule.Session` of kind
``signing_ceremony``. It holds agreements in the order they are signed; each
agreement has parties (organisations), each party its signatories (registered
delegates, in the order the organisers arrange), and the agreement its witnesses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.registration import Registration
    from wadconf.models.schedule import Session


class Agreement(db.Model):
    """An agreement signed at a ceremony (the CCC-exemption work-linkage mechanism...)."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    #: Order of signing within the ceremony.
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="agreements")
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="(AgreementParty.position, AgreementParty.id)",
    )
    witnesses: Mapped[list[Witness]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="(Witness.position, Witness.id)",
    )


class AgreementParty(db.Model):
    """An organisation that is party to an agreement."""

    __tablename__ = "agreement_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    name_zh: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    #: Order of the parties in the agreement's text and on the stage.
    position: Mapped[int] = mapped_column(default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    signatories: Mapped[list[Signatory]] = relationship(
        back_populates="party",
        cascade="all, delete-orphan",
        order_by="(Signatory.signing_order, Signatory.id)",
    )


class Signatory(db.Model):
    """A registered delegate who signs for a party."""

    __tablename__ = "signatories"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: The capacity in which they sign ("Deputy Director, Hebei AMR").
    job_title_zh: Mapped[str] = mapped_column(String(200), default="")
    job_title_en: Mapped[str] = mapped_column(String(200), default="")
    #: Order of signing within the agreement (1 signs first), arranged by the organisers.
    signing_order: Mapped[int] = mapped_column(default=0)

    party: Mapped[AgreementParty] = relationship(back_populates="signatories")
    registration: Mapped[Registration] = relationship()


class Witness(db.Model):
    """A person who witnesses an agreement on stage: a delegate or a named external person."""

    __tablename__ = "witnesses"
    __table_args__ = (
        CheckConstraint(
            "registration_id IS NOT NULL OR name_zh <> '' OR name_en <> ''",
            name="identity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    organisation_zh: Mapped[str] = mapped_column(String(300), default="")
    organisation_en: Mapped[str] = mapped_column(String(300), default="")
    job_title_zh: Mapped[str] = mapped_column(String(200), default="")
    job_title_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="witnesses")
    registration: Mapped[Registration | None] = relationship()
