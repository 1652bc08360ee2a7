"""``/activities``: every assignable activity with its picture, for therapists and admins;
``/activities/<key>/preview.png``: a built-in game's preview, drawn by the game itself."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template, request, send_file

from ..auth.access import role_required
from ..models import Role
from ..services.clinic import catalogue, previews
from ..services.needs import answers
from ..storage.db import get_session
from . import bp


def _cache_dir() -> Path:
    configured = current_app.config.get("PREVIEW_CACHE")
    return Path(configured) if configured else Path(current_app.instance_path) / "previews"


@bp.route("/activities")
@role_required(Role.therapist, Role.admin)
def index():
    activities = catalogue.list_activities(get_session())
    with_preview = {a.key for a in activities if a.source == "builtin" and previews.has_preview(a.key)}
    solution_ids = {
        a.key: answers.solution_id_of_activity(a.key) for a in activities if a.source == "solution"
    }
    found = answers.origins(get_session(), solution_ids=[i for i in solution_ids.values() if i is not None])
    origins = {key: found[i] for key, i in solution_ids.items() if i is not None and i in found}
    return render_template(
        "catalogue/index.html", activities=activities, with_preview=with_preview, origins=origins
    )


@bp.route("/activities/<key>/preview.png")
@role_required(Role.therapist, Role.admin, Role.patient, Role.developer)
def preview(key: str):
    """The picture is the same for everyone and holds no patient data; ``?lang=it`` draws the
    game's own words in Italian."""
    path = previews.preview_path(_cache_dir(), key, request.args.get("lang", "en"))
    return send_file(path, mimetype="image/png", max_age=86400)
