"""Publicity materials (upload, edit) and the series board's reminder form.

The file's type is judged from its content by :mod:`wadconf.services.uploads`; the rules on
titles live in :mod:`wadconf.services.materials`. These forms only bound the input.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional


def language_choices():
    """Languages a material can be written in."""
    return [("both", _l("Chinese and English")), ("zh_Hans", _l("Chinese")), ("en", _l("English"))]


class MaterialEditForm(FlaskForm):
    """Titles, language, description and visibility of a material."""

    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=300)])
    language = SelectField(_l("Language"), choices=language_choices, default="both")
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    is_published = BooleanField(_l("Published (reporters and the public can download it)"))


class MaterialUploadForm(MaterialEditForm):
    """A new material: the fields above and the file."""

    file = FileField(
        _l("File (PDF, Word, Excel, PowerPoint, JPEG or PNG)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (unpublish, delete)."""


class ReminderForm(FlaskForm):
    """Remind the bodies missing a plan or a report: the ticked ones, or all of them."""

    topic = SelectField(
        _l("Remind about"),
        choices=[("plan", _l("Activity plan")), ("report", _l("Activity report"))],
    )
    scope = SelectField(
        _l("Whom"),
        choices=[("selected", _l("The bodies ticked below")), ("missing", _l("All missing"))],
        default="selected",
    )
    bodies = SelectMultipleField(_l("Bodies"), choices=[], validate_choice=False, coerce=int)
