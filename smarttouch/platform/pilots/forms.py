"""The pilot forms. They only parse what was posted: the pilot service checks every rule and
raises all its problems together, each translated and named by its field
(:class:`~smarttouch.platform.services.pilots.pilots.PilotInvalid`), which
:func:`.errors.to_fields` shows at the fields; nothing is stored then."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from ..i18n.vocab import CONDITIONS, MOVEMENTS
from ..web.formutil import choices
from .labels import COMPARATORS


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]  # a posted string or None
    except (TypeError, ValueError):
        return None


class PilotForm(FlaskForm):
    """Parses the fields; the pilot service judges them all at once (every message
    translated, at its field) and stores nothing when one is wrong."""

    solution_id = SelectField(
        _l("Approved solution"),
        coerce=_int_or_none,
        validate_choice=False,  # the service says what is wrong with another id
        description=_l("Only games approved in the catalogue can be piloted."),
    )
    title = StringField(_l("Title"))
    question = TextAreaField(_l("Question"), description=_l("In words: what should this pilot tell you?"))
    comparator = SelectField(_l("Compared with"), choices=choices(COMPARATORS.items()), validate_choice=False)
    condition = SelectField(
        _l("Condition (inclusion)"), choices=choices(CONDITIONS.items()), validate_choice=False
    )
    movement = SelectField(
        _l("Movement (inclusion)"), choices=choices(MOVEMENTS.items()), validate_choice=False
    )
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    target_patients = IntegerField(_l("Target number of patients"), default=10, validators=[Optional()])
    consent_text = TextAreaField(
        _l("What patients consent to"),
        description=_l(
            "Shown to each patient in the portal before they agree; no patient takes part without consenting to it."
        ),
    )
    submit = SubmitField(_l("Create pilot"))


class EnrolForm(FlaskForm):
    patient_id = SelectField(_l("Patient"), coerce=_int_or_none, validate_choice=False)
    paper_consent = BooleanField(
        _l("The patient signed a paper consent form"),
        description=_l("Otherwise the patient is invited and consents in the portal."),
    )
    note = StringField(
        _l("Which consent form"),
        validators=[Optional()],
        description=_l("Only for a paper consent: the number or place of the signed form."),
    )
    submit = SubmitField(_l("Invite to the pilot"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional()])
    submit = SubmitField(_l("Withdraw from the pilot"))


class PortalWithdrawForm(WithdrawForm):
    """The patient leaves: no reason needed."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional()])


class ConsentForm(FlaskForm):
    agree = BooleanField(_l("I have read what the pilot is and I agree to take part."))
    submit = SubmitField(_l("I agree to take part"))

    def validate_agree(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(_l("Tick the box to agree, or leave the page: nothing changes."))


class CloseForm(FlaskForm):
    submit = SubmitField(_l("Close the pilot"))
