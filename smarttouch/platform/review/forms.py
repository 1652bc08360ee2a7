"""Reviewers' forms (CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..web.formutil import choices

DECISIONS = {
    "approved": _l("Approve: it may reach patients"),
    "changes_requested": _l("Ask for changes"),
    "rejected": _l("Reject"),
}


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=choices(DECISIONS.items()), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note to the developer"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required when you ask for changes or reject."),
    )
    submit = SubmitField(_l("Record decision"))


class AnalyzerChoiceForm(FlaskForm):
    submission_id = SelectField(_l("Analyzer"), coerce=int)
    submit = SubmitField(_l("Save"))
