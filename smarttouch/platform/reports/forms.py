"""The report period (a GET form: no CSRF token, nothing changes) and the PDF's options
(posted with a CSRF token: the clinical assessment is free text that must not travel in a
URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])


class ReportPdfForm(FlaskForm):
    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])
    identified = BooleanField(
        _l("Identified report"),
        description=_l("Adds the patient's name and date of birth to the code, for the clinical record."),
    )
    assessment = TextAreaField(
        _l("Clinical assessment"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Your assessment of the period, printed in the report."),
    )

    def validate_end(self, field: DateField) -> None:
        if field.data is not None and self.start.data is not None and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
