"""The language switcher form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired

from ..i18n.language import LANGUAGES
from ..web.formutil import choices


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()), validators=[DataRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Change language"))
