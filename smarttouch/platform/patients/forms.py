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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from smarttouch.sensors.placements import rule_for, sides_for

from ..i18n import units
from ..i18n.vocab import CONDITIONS, EXERCISE_SIDES, MOVEMENTS, SENSOR_SITES, SIDES, label
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
    birth_date = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        description=_l("Optional; shown only in reports you choose to identify."),
    )
    notes = TextAreaField(_l("Clinical notes"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save patient"))

    def validate_code(self, field: StringField) -> None:
        code = (field.data or "").strip()
        if code and not all(c.isalnum() or c == "-" for c in code):
            raise ValidationError(_l("Use only letters, digits and dashes."))

    def validate_birth_date(self, field: DateField) -> None:
        year = self.birth_year.data
        if field.data is not None and year is not None and field.data.year != year:
            raise ValidationError(
                _l("The date of birth is not in the year of birth (%(year)d).") % {"year": year}
            )


class AssignmentForm(FlaskForm):
    activity_id = SelectField(_l("Activity"), coerce=int)
    movement = SelectField(_l("Movement"), choices=choices(MOVEMENTS.items()))
    # left out of a post: the patient's side and the movement's usual site (a new exercise)
    # or the exercise's own (an edit); a value outside the vocabulary is refused at the field
    side = SelectField(
        _l("Side"),
        choices=choices(EXERCISE_SIDES.items()),
        validate_choice=False,
        description=_l("The arm or leg that trains; both: the two move together."),
    )
    placement = SelectField(
        _l("Sensor worn on"), choices=choices(SENSOR_SITES.items()), validate_choice=False
    )
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

    # the plan's own rules (models.AssignmentCreate), checked here too so that each message
    # is translated and shown at its field, together with every other error of the form
    def validate_max_rom_deg(self, field: DecimalField) -> None:
        target = self.target_rom_deg.data
        if field.data is not None and target is not None and field.data < target:
            raise ValidationError(
                _l("The maximum (%(max)s°) cannot be below the target (%(target)s°).")
                % {"max": units.number(float(field.data), 0), "target": units.number(float(target), 0)}
            )

    def validate_end_date(self, field: DateField) -> None:
        if field.data is not None and self.start_date.data is not None and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def validate_placement(self, field: SelectField) -> None:
        sites = rule_for(self.movement.data).sites
        if field.data and field.data not in sites:
            raise ValidationError(
                _l("For %(movement)s the sensor is worn on: %(sites)s.")
                % {
                    "movement": label(MOVEMENTS, self.movement.data),
                    "sites": ", ".join(label(SENSOR_SITES, s) for s in sites),
                }
            )

    def validate_side(self, field: SelectField) -> None:
        if field.data and field.data not in EXERCISE_SIDES:
            raise ValidationError(_l("Choose left, right or both."))
        if field.data and field.data not in sides_for(self.movement.data):
            raise ValidationError(
                _l("%(movement)s is done with one side at a time: choose left or right.")
                % {"movement": label(MOVEMENTS, self.movement.data)}
            )


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
