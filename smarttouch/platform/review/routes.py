"""Review of scored submissions by reviewer therapists (and admins); analyzer choices."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import reviewer_required, signed_in_user
from ..i18n.vocab import MOVEMENTS
from ..models import utcnow
from ..services.challenges import review
from ..services.errors import Invalid
from ..storage.blobstore import get_blobstore
from ..storage.db import get_session
from ..web.formutil import choices
from ..web.need_mail import NeedMailer
from . import bp
from .forms import AnalyzerChoiceForm, DecisionForm


@bp.route("/review")
@reviewer_required
def queue():
    items = review.review_queue(get_session(), reviewer=signed_in_user())
    return render_template("review/queue.html", items=items)


@bp.route("/review/submissions/<int:submission_id>", methods=["GET", "POST"])
@reviewer_required
def detail(submission_id: int):
    db = get_session()
    form = DecisionForm()
    status = 200
    if form.validate_on_submit():
        mailer = NeedMailer(current_app.config)
        try:
            review.decide(
                db,
                reviewer=signed_in_user(),
                submission_id=submission_id,
                decision=form.decision.data,
                note=form.note.data or "",
                ip=request.remote_addr,
                notify=mailer,
            )
        except Invalid as exc:
            form.note.errors = [*form.note.errors, exc.message]
            status = 400
        else:
            flash(_("Your decision was recorded."), "success")
            if mailer.failed:
                flash(_("Saved, but %(n)d e-mail(s) could not be sent just now.", n=mailer.failed), "warning")
            return redirect(url_for("review.detail", submission_id=submission_id))
    elif form.errors:
        status = 400
    ctx = review.review_context(
        db, reviewer=signed_in_user(), submission_id=submission_id, blobs=get_blobstore(), now=utcnow()
    )
    return render_template("review/detail.html", form=form, **ctx), status


@bp.route("/review/analyzers", methods=["GET"])
@reviewer_required
def analyzers():
    db = get_session()
    approved = review.approved_analyzers(db)
    current = review.analyzer_choices(db)
    forms = {}
    for movement in MOVEMENTS:
        form = AnalyzerChoiceForm(prefix=movement, formdata=None)
        form.submission_id.choices = choices(
            [(0, _("None: only the hub's own analysis"))]
            + [(s.id, f"{so.name} · {c.title} (#{s.id})") for s, so, c in approved]
        )
        form.submission_id.data = current[movement].submission_id if movement in current else 0
        forms[movement] = form
    return render_template("review/analyzers.html", forms=forms, approved=approved, current=current)


@bp.route("/review/analyzers/<movement>", methods=["POST"])
@reviewer_required
def choose_analyzer(movement: str):
    if movement not in MOVEMENTS:
        abort(404)
    db = get_session()
    form = AnalyzerChoiceForm(prefix=movement)
    form.submission_id.choices = choices(
        [(0, "")] + [(s.id, str(s.id)) for s, _so, _c in review.approved_analyzers(db)]
    )
    if not form.validate_on_submit():
        abort(400)
    try:
        review.choose_analyzer(
            db,
            reviewer=signed_in_user(),
            movement=movement,
            submission_id=form.submission_id.data or None,
            ip=request.remote_addr,
        )
    except Invalid as exc:
        flash(exc.message, "error")
    else:
        flash(_("The analyzer choice was saved."), "success")
    return redirect(url_for("review.analyzers"))


DECISION_LABELS = {
    "approved": _l("Approved"),
    "changes_requested": _l("Changes requested"),
    "rejected": _l("Rejected"),
}


@bp.app_template_global()
def decision_label(key: str) -> str:
    """A review decision in the page's language (the key itself when unknown)."""
    return str(DECISION_LABELS.get(key, key))
