"""The outbox pages: filtering (a GET form) and "retry now" (a POST form with a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from wadconf.models import OutboxStatus

#: Status -> label shown to organisers; ``sending`` is a queued message a worker holds now.
STATUS_LABELS = {
    OutboxStatus.QUEUED.value: _l("Queued"),
    "sending": _l("Sending"),
    OutboxStatus.SENT.value: _l("Sent"),
    OutboxStatus.FAILED.value: _l("Failed"),
}


class OutboxFilterForm(FlaskForm):
    """Which messages to list."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[("", _l("All"))] + [(s.value, STATUS_LABELS[s.value]) for s in OutboxStatus],
        default="",
    )
    #: Choices (event slugs) are filled by the view.
    event = SelectField(_l("Event"), choices=[], validate_choice=False)


class RetryForm(FlaskForm):
    """Nothing to fill in: the form carries the CSRF token of the "retry now" button."""
