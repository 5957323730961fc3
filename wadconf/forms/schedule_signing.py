"""Forms of the session people page (people, agreements, parties, signatories, witnesses)
and of the publication page.

The sub-items (a person, an agreement, a party...) are named in the form body, not the
URL, so every action of a session posts to one short address per kind of change.
Delegates are chosen among the search results the page shows, so the registration
field accepts any id here; the view checks that it is a registration of the event.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from wadconf.models import PersonRole


def role_choices():
    """The roles a person can have in a session, translated."""
    return [
        (PersonRole.CHAIR.value, _l("Chair")),
        (PersonRole.SPEAKER.value, _l("Speaker")),
        (PersonRole.MODERATOR.value, _l("Moderator")),
        (PersonRole.GUEST_OF_HONOUR.value, _l("Guest of honour")),
    ]


class _Names:
    """Bilingual name, organisation and job title of an external person."""

    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    organisation_zh = StringField(
        _l("Organisation (Chinese)"), validators=[Optional(), Length(max=300)]
    )
    organisation_en = StringField(
        _l("Organisation (English)"), validators=[Optional(), Length(max=300)]
    )


class _JobTitle:
    job_title_zh = StringField(_l("Position (Chinese)"), validators=[Optional(), Length(max=200)])
    job_title_en = StringField(_l("Position (English)"), validators=[Optional(), Length(max=200)])


class PersonForm(FlaskForm, _Names, _JobTitle):
    """A delegate (``registration_id``) or an external person (names) with a role."""

    role = SelectField(_l("Role"), choices=role_choices)
    registration_id = IntegerField(_l("Delegate"), validators=[Optional()])
    #: The delegate search to come back to after saving.
    q = HiddenField()


class AgreementForm(FlaskForm):
    """A new agreement's titles, or an existing one's (``agreement_id``)."""

    agreement_id = IntegerField(validators=[Optional()])
    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=300)])


class PartyForm(FlaskForm):
    """An organisation that becomes party to an agreement."""

    agreement_id = IntegerField(validators=[InputRequired()])
    name_zh = StringField(_l("Organisation (Chinese)"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("Organisation (English)"), validators=[Optional(), Length(max=300)])


class SignatoryForm(FlaskForm, _JobTitle):
    """A registered delegate who signs for a party."""

    party_id = IntegerField(validators=[InputRequired()])
    registration_id = IntegerField(_l("Delegate"), validators=[InputRequired()])
    q = HiddenField()


class WitnessForm(FlaskForm, _Names, _JobTitle):
    """A delegate or an external person who witnesses an agreement."""

    agreement_id = IntegerField(validators=[InputRequired()])
    registration_id = IntegerField(_l("Delegate"), validators=[Optional()])
    q = HiddenField()


class ItemForm(FlaskForm):
    """A button on one item: remove it, or move it ``up`` / ``down``."""

    item_id = IntegerField(validators=[InputRequired()])
    direction = HiddenField(validators=[Optional(), AnyOf(["up", "down"])])
    q = HiddenField()


class PublishForm(FlaskForm):
    """Publish the programme as it is now, with a note for the change log."""

    note = TextAreaField(
        _l("Note on this publication (shown in the version list)"),
        validators=[Optional(), Length(max=2000)],
    )
