"""Plan-template and plan-copy forms (CSRF-protected)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from ..i18n.vocab import CONDITIONS
from ..web.formutil import choices


class SaveTemplateForm(FlaskForm):
    name = StringField(
        _l("Template name"),
        validators=[
            DataRequired(_l("Give the template a name.")),
            Length(max=120, message=_l("At most %(max)d characters.")),
        ],
    )
    condition = SelectField(_l("Condition"), choices=choices(CONDITIONS.items()))
    save = SubmitField(_l("Save as template"))


class ApplyTemplateForm(FlaskForm):
    template_id = SelectField(_l("Template"), coerce=int, validate_choice=True)
    start_date = DateField(
        _l("Start date"), default=date.today, validators=[InputRequired(_l("Give a start date."))]
    )
    apply = SubmitField(_l("Add the template's exercises"))


class CopyPlanForm(FlaskForm):
    target_id = SelectField(_l("Copy to patient"), coerce=int, validate_choice=True)
    start_date = DateField(
        _l("Start date"), default=date.today, validators=[InputRequired(_l("Give a start date."))]
    )
    copy = SubmitField(_l("Copy the current plan"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))
