"""Handlers of the challenge API. Thin: the logic lives in the services."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import current_app, g, request, url_for
from flask_login import current_user
from sqlmodel import col, select

from ..api.auth import (
    Unauthorized,
    bearer_token,
    current_patient,
    device_required,
    json_ok,
    unauthorized_response,
)
from ..api.document import API_DOCUMENT, DEVELOPER_TOKEN, DEVICE_TOKEN
from ..api.openapi import MAX_DB_ID, ApiRegistry, RawContent
from ..jobs.evaluations import EVALUATION
from ..jobs.queue import get_queue
from ..models import Activity, Assignment, Role, User, pk, utcnow
from ..services.accounts import api_tokens
from ..services.challenges import leaderboards, submissions
from ..services.errors import Forbidden, Invalid, NotFound
from ..storage.blobstore import BlobNotFound, get_blobstore
from ..storage.db import get_session
from ..web.urls import external_url
from . import bp
from .schemas import LeaderboardOut, SubmissionOut

api = ApiRegistry(bp, API_DOCUMENT)
SHA256_HEADER = {
    "description": "sha256 (hex) of the body: the approved code hash",
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
}
PACKAGE = RawContent(
    "application/zip", {"type": "string", "format": "binary"}, headers={"X-Code-Sha256": SHA256_HEADER}
)

SUBMIT_BODY = {
    "required": True,
    "description": (
        "The solution as a zip: either the raw body (Content-Type: application/zip) "
        "or multipart/form-data with the file in the field `solution`. At most "
        f"{submissions.MAX_UPLOAD_BYTES // 2**20} MiB."
    ),
    "content": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["solution"],
                "properties": {"solution": {"type": "string", "format": "binary"}},
            }
        },
    },
}


bp.register_error_handler(Unauthorized, unauthorized_response)


@bp.before_request
def _limits() -> None:
    request.max_content_length = submissions.MAX_UPLOAD_BYTES + 1024 * 1024


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _developer_from_token() -> User:
    """The active developer whose personal API token the request carries; 401 otherwise."""
    token = bearer_token()
    if token is None:
        raise Unauthorized(
            "missing API token: send Authorization: Bearer <token> (create "
            "one on your profile page, Personal API tokens)"
        )
    user = api_tokens.user_for_token(get_session(), token=token)
    if user is None:
        raise Unauthorized("unknown or revoked API token")
    return user


def developer_required(view):
    """Only requests with a valid personal API token of an active developer (``g.developer``)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.developer = _developer_from_token()
        return view(*args, **kwargs)

    return wrapped


@api.route(
    "/challenges/<slug>/leaderboard",
    "GET",
    summary="A challenge's leaderboard",
    responses={200: ("The ranked rows and reference rows", LeaderboardOut)},
    security=DEVELOPER_TOKEN,
    errors=(401, 403, 404),
    tags=("challenges",),
)
def leaderboard_json(slug: str):
    """Each solution's best scored submission, ranked on the public split while the challenge
    is open and on the hidden split once it has closed. Needs a developer's API token or a
    logged-in developer, therapist or admin."""
    if current_user.is_authenticated:
        if current_user.role == Role.patient:
            raise Forbidden("patients have no access to leaderboards")
    else:
        _developer_from_token()
    db = get_session()
    challenge = leaderboards.get_published_challenge(db, slug=slug)
    board = leaderboards.build_leaderboard(db, challenge=challenge, now=utcnow())
    return json_ok(LeaderboardOut.model_validate(board.to_dict()))


@api.route(
    "/challenges/<slug>/submissions",
    "POST",
    summary="Submit a solution",
    body_schema=SUBMIT_BODY,
    responses={201: ("Received: queued for evaluation, or rejected at once with the reason", SubmissionOut)},
    security=DEVELOPER_TOKEN,
    errors=(400, 401, 403, 404, 409, 413, 429),
    tags=("challenges",),
)
@developer_required
def submit_solution(slug: str):
    """Store the solution zip as an immutable submission (identified by the sha256 of its
    canonical archive) and queue its evaluation. Counts against the daily cap."""
    data, filename = _upload()
    db = get_session()
    challenge = leaderboards.get_published_challenge(db, slug=slug)
    sub = submissions.submit(
        db,
        developer=g.developer,
        challenge=challenge,
        upload=data,
        filename=filename,
        blobs=get_blobstore(),
        enqueue=get_queue(current_app).enqueuer(EVALUATION.name),
        ip=request.remote_addr,
    )
    out = _submission_out(pk(sub), g.developer)
    return json_ok(out, 201, Location=url_for("challenge_api.submission_json", submission_id=sub.id))


def _upload() -> tuple[bytes, str]:
    if request.mimetype in ("application/zip", "application/octet-stream", "application/x-zip-compressed"):
        name = request.headers.get("X-Filename", "solution.zip")
        return request.get_data(cache=False), name
    upload = request.files.get("solution")
    if upload is None:
        raise Invalid(
            "solution: send the zip as the raw body (Content-Type: application/zip) "
            "or as the multipart field 'solution'"
        )
    return upload.read(submissions.MAX_UPLOAD_BYTES + 1), upload.filename or "solution.zip"


def _submission_out(submission_id: int, user: Any) -> SubmissionOut:
    db = get_session()
    sub, sol, ch = submissions.get_for(db, user=user, submission_id=submission_id)
    scores = leaderboards.scores_by_submission(db, [pk(sub)])[pk(sub)]
    view = submissions.public_view(sub, sol, ch, scores)
    view["url"] = external_url("submissions.detail", submission_id=sub.id)
    return SubmissionOut.model_validate(view)


@api.route(
    "/submissions/<int:submission_id>",
    "GET",
    summary="A submission's status",
    responses={200: ("Status, precise failure reason, scores, public log", SubmissionOut)},
    security=DEVELOPER_TOKEN,
    errors=(401, 404),
    tags=("challenges",),
)
@developer_required
def submission_json(submission_id: int):
    """One of the caller's own submissions (404 for anyone else's)."""
    if submission_id > MAX_DB_ID:
        raise NotFound(f"no submission {submission_id}")
    return json_ok(_submission_out(submission_id, g.developer))


@api.route(
    "/activities/<key>/package",
    "GET",
    summary="Download an approved game",
    responses={200: ("The game's canonical zip; its sha256 is in X-Code-Sha256", PACKAGE)},
    security=DEVICE_TOKEN,
    errors=(401, 404),
    tags=("games",),
)
@device_required
def activity_package(key: str):
    """The code of an approved game assigned to this device's patient, byte for byte the
    archive the reviewers approved. Clients must check that its sha256 equals the hash in
    their plan (and in X-Code-Sha256) before running it."""
    db = get_session()
    patient = current_patient()
    activity = db.exec(select(Activity).where(Activity.key == key)).first()
    assigned = (
        activity is not None
        and db.exec(
            select(Assignment.id).where(
                Assignment.patient_id == patient.id, col(Assignment.activity_id) == activity.id
            )
        ).first()
    )
    if (
        activity is None
        or not assigned
        or not activity.is_active
        or activity.source != "solution"
        or not activity.code_sha256
    ):
        raise NotFound(f"no approved game {key!r} assigned to you")
    try:
        data = get_blobstore().get(activity.code_sha256)
    except BlobNotFound:
        raise NotFound(f"the package of {key!r} is missing on the hub") from None
    response = current_app.response_class(data, mimetype="application/zip")
    response.headers["X-Code-Sha256"] = activity.code_sha256
    response.headers["ETag"] = f'"{activity.code_sha256}"'
    response.headers["Content-Disposition"] = f'attachment; filename="{key}.zip"'
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
