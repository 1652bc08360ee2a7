"""Sign-up, "forgot password", reset and verification forms (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from ..models import normalise_email
from ..services.accounts.password_policy import MAX_LENGTH, MIN_LENGTH


def _email_address(form: FlaskForm, field: EmailField) -> None:
    try:
        normalise_email(field.data or "")
    except ValueError:
        raise ValidationError(_l("Enter an e-mail address such as name@example.org.")) from None


_REQUIRED = _l("This field is required.")


class SignupForm(FlaskForm):
    full_name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_REQUIRED), Length(max=120)],
        description=_l(
            "Shown on leaderboards and in the catalogue next to your solutions; your e-mail never is."
        ),
        render_kw={"autocomplete": "name", "autofocus": True},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_REQUIRED), Length(max=254), _email_address],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_REQUIRED), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(n)d characters. A few unrelated words are easy to remember and hard to guess.",
            n=MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            InputRequired(message=_REQUIRED),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create my developer account"))


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_REQUIRED), Length(max=254), _email_address],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    submit = SubmitField(_l("Send me a reset link"))


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_REQUIRED), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(n)d characters. A few unrelated words are easy to remember and hard to guess.",
            n=MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password", "autofocus": True},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(message=_REQUIRED),
            EqualTo("password", message=_l("The two new passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set my new password"))


class VerifyForm(FlaskForm):
    submit = SubmitField(_l("Confirm my e-mail address"))
