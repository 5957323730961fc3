"""Forms of the attendance lists: what to list (a GET form) and saving a layout."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from wadconf.forms.checkpoints import MultiCheckboxField
from wadconf.services import lists
from wadconf.services.lists import ListSpec


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str:
    """``value`` when allowed, else the first (the default): a tampered URL lists the default."""
    return value if value in allowed else allowed[0]


class ListForm(FlaskForm):
    """Scope, filters, columns, order, grouping and paper of a list (changes nothing)."""

    class Meta:
        csrf = False

    layout = SelectField(_l("Saved layout"), choices=[], validate_choice=False)
    scope = SelectField(
        _l("Who"),
        choices=[
            ("event", _l("Participants of the event")),
            ("session", _l("Participants of one session")),
            ("checkpoint", _l("Participants at one checkpoint")),
        ],
        default="event",
    )
    session = SelectField(_l("Session"), choices=[], validate_choice=False)
    checkpoint = SelectField(_l("Checkpoint"), choices=[], validate_choice=False)
    status = SelectField(
        _l("Status"), choices=list(lists.STATUS_LABELS.items()), default="registered"
    )
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    organisation = StringField(_l("Organisation contains"), validators=[Length(max=300)])
    country = SelectField(_l("Country or region"), choices=[], validate_choice=False)
    delegation = SelectField(_l("Delegation"), choices=[], validate_choice=False)
    columns = MultiCheckboxField(
        _l("Columns"),
        choices=[
            ("number", _l("Number")),
            ("name_zh", _l("Name in Chinese")),
            ("name_en", _l("Name in English")),
            ("gender", _l("Gender")),
            ("organisation", _l("Organisation")),
            ("position", _l("Position")),
            ("category", _l("Category")),
            ("country", _l("Country or region")),
            ("checked_in_at", _l("Check-in time")),
            ("checked_in_place", _l("Check-in place")),
            ("signature", _l("Signature box")),
            ("email", _l("E-mail")),
            ("phone", _l("Mobile (masked)")),
        ],
        default=list(lists.DEFAULT_COLUMNS),
    )
    order = SelectField(_l("Order"), choices=list(lists.ORDER_LABELS.items()), default="stroke")
    group_by = SelectField(_l("Group by"), choices=list(lists.GROUP_LABELS.items()), default="")
    language = SelectField(
        _l("Headers"),
        choices=[
            ("bilingual", _l("Chinese and English")),
            ("zh", _l("Chinese")),
            ("en", _l("English")),
        ],
        default="bilingual",
    )
    orientation = SelectField(
        _l("Paper"),
        choices=[("portrait", _l("A4 portrait")), ("landscape", _l("A4 landscape"))],
        default="portrait",
    )
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200)])

    def to_spec(self) -> ListSpec:
        """The :class:`ListSpec` the form describes (call after ``validate()``)."""
        scope = _one_of(self.scope.data, lists.SCOPES)
        return ListSpec(
            scope=scope,
            session_id=_int_or_none(self.session.data) if scope == "session" else None,
            checkpoint_id=_int_or_none(self.checkpoint.data) if scope == "checkpoint" else None,
            status=_one_of(self.status.data, lists.STATUSES),
            category_id=_int_or_none(self.category.data),
            organisation=(self.organisation.data or "").strip(),
            country=self.country.data or "",
            delegation_id=_int_or_none(self.delegation.data),
            columns=[key for key in (self.columns.data or []) if key in lists.COLUMNS]
            or list(lists.DEFAULT_COLUMNS),
            order=_one_of(self.order.data, lists.ORDERS),
            group_by=_one_of(self.group_by.data, lists.GROUPS),
            language=_one_of(self.language.data, lists.LANGUAGES),
            orientation=_one_of(self.orientation.data, lists.ORIENTATIONS),
            title=(self.title.data or "").strip(),
        )

    def fill(self, spec: ListSpec) -> None:
        """Show ``spec`` (a saved layout) in the form."""
        self.scope.data = spec.scope
        self.session.data = str(spec.session_id or "")
        self.checkpoint.data = str(spec.checkpoint_id or "")
        self.status.data = spec.status
        self.category.data = str(spec.category_id or "")
        self.organisation.data = spec.organisation
        self.country.data = spec.country
        self.delegation.data = str(spec.delegation_id or "")
        self.columns.data = list(spec.columns)
        self.order.data = spec.order
        self.group_by.data = spec.group_by
        self.language.data = spec.language
        self.orientation.data = spec.orientation
        self.title.data = spec.title


class LayoutSaveForm(FlaskForm):
    """Save the list's current choice under a name."""

    name = StringField(_l("Layout name"), validators=[InputRequired(), Length(max=100)])
    #: The list's query string, as the page had it.
    query = HiddenField()


class LayoutDeleteForm(FlaskForm):
    """Delete a saved layout."""

    layout_id = IntegerField(validators=[InputRequired()])
