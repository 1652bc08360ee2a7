"""Forms for creating patients and editing their plan (CSRF-protected)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..i18n.vocab import CONDITIONS, MOVEMENTS, SIDES
from ..web.formutil import choices


class PatientForm(FlaskForm):
    code = StringField(
        _l("Pseudonymous code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Letters, digits and dashes; no names."),
    )
    display_name = StringField(
        _l("Name (optional, visible only to you)"), validators=[Optional(), Length(max=120)]
    )
    condition = SelectField(_l("Condition"), choices=choices(CONDITIONS.items()))
    affected_side = SelectField(_l("Affected side"), choices=choices(SIDES.items()))
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(1900, 2100)])
    notes = TextAreaField(_l("Clinical notes"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save patient"))


class AssignmentForm(FlaskForm):
    activity_id = SelectField(_l("Activity"), coerce=int)
    movement = SelectField(_l("Movement"), choices=choices(MOVEMENTS.items()))
    target_rom_deg = DecimalField(
        _l("Target range of motion (degrees)"), places=0, validators=[InputRequired(), NumberRange(1, 180)]
    )
    max_rom_deg = DecimalField(
        _l("Maximum range of motion (degrees)"),
        places=0,
        validators=[Optional(), NumberRange(1, 180)],
        description=_l("The game never asks for more than this. Leave empty for no limit."),
    )
    reps = IntegerField(
        _l("Repetitions per set"), default=10, validators=[InputRequired(), NumberRange(1, 200)]
    )
    sets = IntegerField(_l("Sets"), default=2, validators=[InputRequired(), NumberRange(1, 20)])
    sessions_per_week = IntegerField(
        _l("Sessions per week"), default=5, validators=[InputRequired(), NumberRange(1, 21)]
    )
    difficulty = SelectField(
        _l("Difficulty"),
        coerce=int,
        default=2,
        choices=choices([(1, _l("1 (easiest)")), (2, "2"), (3, "3"), (4, "4"), (5, _l("5 (hardest)"))]),
    )
    start_date = DateField(_l("Start date"), default=date.today, validators=[InputRequired()])
    end_date = DateField(
        _l("End date"), validators=[Optional()], description=_l("Leave empty for no end date.")
    )
    therapist_note = TextAreaField(_l("Note to the patient"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Add to plan"))


class EndAssignmentForm(FlaskForm):
    submit = SubmitField(_l("End this exercise"))


class EditAssignmentForm(AssignmentForm):
    """The same fields as :class:`AssignmentForm`; the activity itself cannot change (end
    the exercise and add a new one instead)."""

    submit = SubmitField(_l("Save changes"))


class AcknowledgeAlertForm(FlaskForm):
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("What you did or decided, kept with the alert."),
    )
    submit = SubmitField(_l("Acknowledge"))


class PairingCodeForm(FlaskForm):
    submit = SubmitField(_l("Create a pairing code"))


class RevokeDeviceForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
