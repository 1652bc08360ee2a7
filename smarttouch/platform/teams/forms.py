"""The team page's forms (CSRF-protected); the service checks the values again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired

_REQUIRED = _l("This field is required.")


class TeamForm(FlaskForm):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_REQUIRED)],
        description=_l("Shown on the leaderboard instead of your names; 2 to 60 characters."),
    )
    create = SubmitField(_l("Create the team"))


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the developer to invite"),
        validators=[DataRequired(message=_REQUIRED)],
        description=_l("We send a link that works once, within 7 days."),
    )
    invite = SubmitField(_l("Send the invitation"))
