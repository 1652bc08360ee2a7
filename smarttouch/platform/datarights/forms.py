"""Forms of the data-rights pages (all CSRF-protected POSTs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ArchiveForm(FlaskForm):
    submit = SubmitField(_l("Download all data (ZIP)"))


class ConsentForm(FlaskForm):
    evidence = TextAreaField(
        _l("How was consent given?"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("For example: signed form number and date."),
    )
    submit = SubmitField(_l("Record consent"))


class WithdrawConsentForm(FlaskForm):
    submit = SubmitField(_l("Withdraw consent"))


class DonateForm(FlaskForm):
    submit = SubmitField(_l("Donate sessions"))


class EraseForm(FlaskForm):
    confirm_code = StringField(
        _l("Type the patient's code to confirm"), validators=[DataRequired(), Length(max=32)]
    )
    understood = BooleanField(_l("I understand that this cannot be undone"), validators=[DataRequired()])
    submit = SubmitField(_l("Erase the patient for good"))
