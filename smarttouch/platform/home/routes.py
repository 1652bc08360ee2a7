"""``/`` shows each role its own landing page built from the database."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from ..auth.access import public, safe_next
from ..db import get_session
from ..i18n import LANGUAGES, local_today
from ..models import Role, utcnow
from ..services import challenges, patients, users
from . import bp
from .forms import LanguageForm


@bp.route("/")
def index():
    db = get_session()
    user = current_user._get_current_object()
    today = local_today()
    if user.role == Role.therapist:
        rows = patients.list_patients_for_therapist(db, therapist=user, today=today)
        return render_template("home/therapist.html", rows=rows)
    if user.role == Role.patient:
        patient = patients.patient_of_user(db, user=user)
        plan = patients.current_plan(db, patient=patient, today=today) if patient else []
        return render_template("home/patient.html", patient=patient, plan=plan)
    if user.role == Role.developer:
        open_challenges = challenges.list_open_challenges(db, now=utcnow())
        return render_template("home/developer.html", challenges=open_challenges)
    if user.role == Role.admin:
        return render_template("home/admin.html", users=users.list_users(db))
    abort(403)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        session["locale"] = form.language.data
        if current_user.is_authenticated:
            users.set_locale(get_session(), user=current_user._get_current_object(),
                             locale=form.language.data)
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/healthz")
@public
def health():
    """Liveness and database reachability, for load balancers and `make demo`."""
    get_session().execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.app_context_processor
def _language_form() -> dict[str, object]:
    def language_form() -> LanguageForm:
        form = LanguageForm(formdata=None)
        form.next.data = request.full_path if request.query_string else request.path
        form.language.data = str(get_locale() or "en")
        return form

    return {"language_form": language_form, "home_url": url_for("home.index")}
