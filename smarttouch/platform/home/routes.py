"""``/`` shows each role its own landing page built from the database."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from ..auth.access import public, safe_next, signed_in_user
from ..developer.routes import render_challenge_list
from ..i18n.language import LANGUAGES
from ..models import Role
from ..patients.routes import render_caseload
from ..portal.routes import render_portal
from ..services.accounts import users
from ..storage.db import get_session
from ..web import charts
from . import bp
from .forms import LanguageForm


@bp.route("/")
def index():
    """Each role's home: the caseload, the patient portal, the open challenges, accounts."""
    db = get_session()
    user = signed_in_user()
    if user.role == Role.therapist:
        return render_caseload()
    if user.role == Role.patient:
        return render_portal()
    if user.role == Role.developer:
        return render_challenge_list()
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
            users.set_locale(get_session(), user=signed_in_user(), locale=form.language.data)
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/static/vendor/plotly.min.js")
@public
def plotly_js():
    """plotly.js from the installed plotly package (the hub never loads scripts from a CDN)."""
    return charts.plotly_js_response()


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


@bp.app_template_global()
def plotly_locale_json() -> str:
    """plotly's number and date format for the page's language, as JSON."""
    return charts.plotly_locale(str(get_locale() or "en"))


@bp.app_template_global()
def chart_config_json() -> str:
    """The plotly config shared by every chart, as JSON."""
    return charts.CONFIG_JSON
