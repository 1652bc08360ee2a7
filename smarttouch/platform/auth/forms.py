"""Login, logout and password forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..services.accounts.password_policy import MAX_LENGTH, MIN_LENGTH, PasswordProblem

#: What the page says for each reason the password policy gives.
PASSWORD_PROBLEM_TEXT = {
    PasswordProblem.too_short: _l("Use at least %(n)d characters.", n=MIN_LENGTH),
    PasswordProblem.too_long: _l("Use at most %(n)d characters.", n=MAX_LENGTH),
    PasswordProblem.personal: _l(
        "This password is built from your name, your e-mail address or the hub's name. "
        "Choose words that have nothing to do with them."
    ),
    PasswordProblem.guessable: _l(
        "This password is too common or too easy to guess (a well-known password, a keyboard "
        "pattern, repeats or a sequence). A few unrelated words make a strong password."
    ),
}


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=_l(
            "At least %(n)d characters. A few unrelated words are easy to remember and hard to guess.",
            n=MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))
