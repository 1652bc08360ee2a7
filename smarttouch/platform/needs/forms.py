"""The forms of the clinical-needs pages (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n.vocab import CONDITIONS, MOVEMENTS
from ..services.needs.filing import MAX_TEXT
from ..web.formutil import choices

_LONG = _l("At most %(max)d characters.")
_NO_PATIENT = _l("Do not write a patient's name or code: every therapist and challenge manager reads it.")


def _text(label, *, required: str | None, help_text=None) -> TextAreaField:
    checks = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label,
        validators=[*checks, Length(max=MAX_TEXT, message=_LONG)],
        description=help_text,
        render_kw={"rows": 4, "maxlength": MAX_TEXT},
    )


class NeedForm(FlaskForm):
    condition = SelectField(
        _l("Condition"),
        choices=choices([("", _l("Choose a condition")), *CONDITIONS.items()]),
        validators=[DataRequired(_l("Choose the condition the need is about."))],
        validate_choice=False,  # the service checks the code, with the other fields
    )
    movement = SelectField(
        _l("Movement (optional)"),
        choices=choices([("", _l("Any movement")), *MOVEMENTS.items()]),
        validators=[Optional()],
        validate_choice=False,
    )
    problem = _text(
        _l("The problem"),
        required=_l("Describe the problem your patients meet."),
        help_text=_NO_PATIENT,
    )
    success = _text(
        _l("What success would look like"),
        required=_l("Say what would count as a success."),
        help_text=_l("For example: patients keep playing for 10 minutes; the count matches yours."),
    )
    data_help = _text(
        _l("Data that could help (optional)"),
        required=None,
        help_text=_l("For example: sessions of consenting patients, a movement the hub records."),
    )
    submit = SubmitField(_l("File the need"))


class MessageForm(FlaskForm):
    body = _text(_l("Your message"), required=_l("Write a message before sending."), help_text=_NO_PATIENT)
    send = SubmitField(_l("Send"))


class DeclineForm(FlaskForm):
    reason = _text(_l("Why is it declined?"), required=_l("Give the reason: the proposer reads it."))
    decline = SubmitField(_l("Decline the need"))


class LinkForm(FlaskForm):
    challenge_id = SelectField(_l("Challenge"), validate_choice=False)
    link = SubmitField(_l("Link the challenge"))


class ActionForm(FlaskForm):
    """A button with no fields (accept, support, withdraw support)."""

    submit = SubmitField(_l("Confirm"))
