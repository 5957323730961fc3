"""Importing invitations: the upload form and the confirmation of a previewed file."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class ImportUploadForm(FlaskForm):
    """A CSV or XLSX file of invitations; its type is judged by content, not by name."""

    file = FileField(
        _l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file to import."))]
    )


class ImportConfirmForm(FlaskForm):
    """Names the previewed upload; the server only imports the file it stored for this session."""

    upload = HiddenField(validators=[DataRequired(), Length(max=64)])
