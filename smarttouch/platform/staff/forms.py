"""Administration forms (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from ..models.user import EMAIL_RE
from ..onboarding.forms import LANGUAGE_CHOICES
from ..web.formutil import choices


def role_choices() -> list:
    return choices(
        [("therapist", _l("Therapist")), ("developer", _l("Developer")), ("admin", _l("Administrator"))]
    )


class StaffInviteForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Enter the person's name.")),
            Length(max=120, message=_l("At most %(max)d characters.")),
        ],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Length(max=254),
            Regexp(EMAIL_RE, message=_l("This is not a valid e-mail address.")),
        ],
    )
    role = SelectField(_l("Role"), choices=role_choices())
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES))
    send_email = BooleanField(_l("Also send the link by e-mail"))
    invite = SubmitField(_l("Create the invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices())
    is_reviewer = BooleanField(_l("Reviews developers' solutions"))
    is_challenge_manager = BooleanField(_l("Manages challenges (reads clinical needs, authors challenges)"))
    save_role = SubmitField(_l("Change role"))


class ActionForm(FlaskForm):
    """A bare confirmation (deactivate, reactivate, reset password)."""

    submit = SubmitField(_l("Confirm"))


class AssignForm(FlaskForm):
    therapist_id = SelectField(_l("Therapist"), coerce=int, validate_choice=False)
    assign = SubmitField(_l("Assign"))


class HandoverForm(FlaskForm):
    from_id = SelectField(_l("From therapist"), coerce=int, validate_choice=False)
    to_id = SelectField(_l("To therapist"), coerce=int, validate_choice=False)
    handover = SubmitField(_l("Hand the caseload over"))
