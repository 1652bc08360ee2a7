"""The pilot service's problems at the web form's fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..services.errors import ServiceError
from ..services.pilots import pilots as pilot_service
from .forms import PilotForm


def pilot_data(form: PilotForm) -> pilot_service.PilotForm:
    """The service's input from the parsed form (None where a field did not parse)."""
    return pilot_service.PilotForm(
        title=form.title.data or "",
        question=form.question.data or "",
        solution_id=form.solution_id.data,
        comparator=form.comparator.data or "",
        condition=form.condition.data or "",
        movement=form.movement.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        target_patients=form.target_patients.data,
        consent_text=form.consent_text.data or "",
    )


def to_fields(form: FlaskForm, exc: ServiceError, *, aliases: dict[str, str] | None = None) -> None:
    """Put each of the service's messages at its form field (``aliases``: service field ->
    form field); a message for no field of the form goes to the first field."""
    fields = getattr(exc, "fields", None) or {"": exc.message}
    names = [f.name for f in form if f.name not in ("csrf_token", "submit")]
    for name, message in fields.items():
        target = (aliases or {}).get(name, name)
        field = form[target] if target in names else form[names[0]]
        field.errors = [*field.errors, str(message)]


def message(exc: ServiceError) -> str:
    """One readable, translated line for a flash."""
    fields = getattr(exc, "fields", None)
    if fields:
        return " ".join(str(m) for m in fields.values())
    return _("This could not be done: %(why)s", why=exc.message)
