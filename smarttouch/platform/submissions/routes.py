"""Developers' pages: submit, my submissions, one submission, leaderboard, starter kit,
personal API tokens. Roles are checked on every route; a developer reaches only their own
submissions (404 otherwise); patients reach none of these pages."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..auth.access import role_required, signed_in_user
from ..jobs.evaluations import EVALUATION
from ..jobs.queue import get_queue
from ..models import Role, pk, utcnow
from ..services.accounts import api_tokens, permissions
from ..services.challenges import importer, leaderboards, submissions, terms
from ..services.challenges.submissions import CapReached
from ..services.errors import Conflict, Forbidden, Invalid
from ..storage.blobstore import BlobNotFound, get_blobstore
from ..storage.db import get_session
from ..web.urls import hub_url
from . import bp
from .forms import RevokeForm, SubmitForm, TokenForm

ARTIFACT_NAME = re.compile(r"^(public|hidden)/[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.png$")
ACTIVE_STATES = ("queued", "running")


@bp.route("/challenges/<slug>/submit", methods=["GET", "POST"])
@role_required(Role.developer)
def submit(slug: str):
    db = get_session()
    challenge = leaderboards.get_published_challenge(db, slug=slug)
    if terms.needs_acceptance(db, user=signed_in_user(), challenge=challenge):
        return _accept_terms_first(challenge.slug, "submit")
    form = SubmitForm()
    status = 200
    if form.validate_on_submit():
        upload = form.solution.data
        data = upload.read(submissions.MAX_UPLOAD_BYTES + 1)
        try:
            sub = submissions.submit(
                db,
                developer=signed_in_user(),
                challenge=challenge,
                upload=data,
                filename=upload.filename or "upload.zip",
                blobs=get_blobstore(),
                enqueue=get_queue(current_app).enqueuer(EVALUATION.name),
                ip=request.remote_addr,
            )
        except (Invalid, Conflict, Forbidden, CapReached) as exc:
            form.solution.errors = [*form.solution.errors, exc.message]
            status = exc.status
        else:
            if sub.status == "rejected":
                flash(_("Your upload was rejected: %(reason)s", reason=sub.message), "error")
            else:
                flash(_("Submission #%(id)s received; it is queued for evaluation.", id=sub.id), "success")
            return redirect(url_for("submissions.detail", submission_id=sub.id))
    elif form.errors:
        status = 400
    quota = submissions.quota(db, developer=signed_in_user(), challenge=challenge, now=utcnow())
    return render_template(
        "submissions/submit.html",
        challenge=challenge,
        form=form,
        quota=quota,
        is_open=challenge.is_open(utcnow()),
    ), status


def _accept_terms_first(slug: str, then: str):
    flash(
        _(
            "Before you download this challenge's data or submit to it, read and accept its data-use terms below."
        ),
        "info",
    )
    return redirect(url_for("developer.challenge_terms", slug=slug, next=then))


@bp.route("/submissions")
@role_required(Role.developer)
def mine():
    rows = submissions.list_for_developer(get_session(), developer=signed_in_user())
    return render_template("submissions/mine.html", rows=rows)


@bp.route("/submissions/<int:submission_id>")
@role_required(Role.developer, Role.therapist, Role.admin)
def detail(submission_id: int):
    db = get_session()
    sub, sol, ch = submissions.get_for(db, user=signed_in_user(), submission_id=submission_id)
    scores = leaderboards.scores_by_submission(db, [pk(sub)])[pk(sub)]
    view = submissions.public_view(
        sub, sol, ch, scores, for_reviewer=permissions.can_review(signed_in_user())
    )
    return render_template(
        "submissions/detail.html",
        sub=sub,
        sol=sol,
        challenge=ch,
        view=view,
        refresh=sub.status in ACTIVE_STATES,
    )


@bp.route("/submissions/<int:submission_id>/artifacts/<path:name>")
@role_required(Role.developer, Role.therapist, Role.admin)
def artifact(submission_id: int, name: str):
    user = signed_in_user()
    sub, _sol, _ch = submissions.get_for(get_session(), user=user, submission_id=submission_id)
    if not ARTIFACT_NAME.match(name):
        abort(404)
    key = submissions.artifact_key(sub, name, for_reviewer=permissions.can_review(user))
    try:
        data = get_blobstore().get(key)
    except BlobNotFound:
        abort(404)
    from io import BytesIO

    return send_file(BytesIO(data), mimetype="image/png", download_name=name.replace("/", "-"))


@bp.route("/challenges/<slug>/leaderboard")
@role_required(Role.developer, Role.therapist, Role.admin)
def leaderboard(slug: str):
    db = get_session()
    challenge = leaderboards.get_published_challenge(db, slug=slug)
    board = leaderboards.build_leaderboard(db, challenge=challenge, now=utcnow())
    return render_template(
        "submissions/leaderboard.html", challenge=challenge, board=board, is_open=challenge.is_open(utcnow())
    )


@bp.route("/challenges/<slug>/starter-kit")
@role_required(Role.developer, Role.therapist, Role.admin)
def starter_kit(slug: str):
    db = get_session()
    challenge = leaderboards.get_published_challenge(db, slug=slug)
    if terms.needs_acceptance(db, user=signed_in_user(), challenge=challenge):
        return _accept_terms_first(challenge.slug, "kit")
    path = importer.starter_kit(challenge, blobs=get_blobstore(), instance_path=current_app.instance_path)
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{challenge.slug}-starter-kit.zip",
    )


@bp.route("/profile/api-tokens", methods=["GET", "POST"])
@role_required(Role.developer)
def tokens():
    db = get_session()
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            new_token, _row = api_tokens.create_token(
                db, user=signed_in_user(), label=form.label.data or "", ip=request.remote_addr
            )
        except Invalid as exc:
            form.label.errors = [*form.label.errors, exc.message]
            status = 400
    elif form.errors:
        status = 400
    return render_template(
        "submissions/tokens.html",
        form=form,
        new_token=new_token,
        tokens=api_tokens.list_tokens(db, user=signed_in_user()),
        revoke_form=RevokeForm(),
        hub_url=hub_url(),
    ), status


@bp.route("/profile/api-tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.developer)
def revoke_token(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    api_tokens.revoke_token(get_session(), user=signed_in_user(), token_id=token_id, ip=request.remote_addr)
    flash(_("The token was revoked; it no longer works."), "success")
    return redirect(url_for("submissions.tokens"))
