"""Forms of the developers' pages (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional


class SubmitForm(FlaskForm):
    solution = FileField(
        _l("Solution (zip file)"),
        validators=[FileRequired()],
        description=_l("A zip of your solution folder: solution.toml and your Python code, at most 25 MB."),
    )
    submit = SubmitField(_l("Submit for evaluation"))


class TokenForm(FlaskForm):
    label = StringField(
        _l("Label"),
        validators=[Optional(), Length(max=120)],
        description=_l('To recognise it later, e.g. "laptop" or "CI".'),
    )
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
