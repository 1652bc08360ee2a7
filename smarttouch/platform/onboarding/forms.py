"""Invitation forms (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

from ..models.user import EMAIL_RE
from ..services.accounts.password_policy import MAX_LENGTH, MIN_LENGTH
from ..web.formutil import choices

LANGUAGE_CHOICES = [("it", "Italiano"), ("en", "English")]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("The patient's e-mail address"),
        validators=[
            DataRequired(_l("Enter the patient's e-mail address.")),
            Length(max=254),
            Regexp(EMAIL_RE, message=_l("This is not a valid e-mail address.")),
        ],
        description=_l("The patient logs in with it. It is not shown on the printed sheet."),
    )
    locale = SelectField(_l("Language of the patient's pages"), choices=choices(LANGUAGE_CHOICES))
    send_email = BooleanField(_l("Also send the link by e-mail"))
    submit = SubmitField(_l("Create the invitation"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Invitation code"),
        validators=[DataRequired(_l("Enter the code printed on your invitation.")), Length(max=40)],
        description=_l("Ten letters and digits, like ACDEF-34797."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )
    submit = SubmitField(_l("Continue"))


class AcceptForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(n)d characters. A few unrelated words are easy to remember and hard to guess.",
            n=MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            InputRequired(_l("Type the password a second time.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save my password and continue"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw"))
