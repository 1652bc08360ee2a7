"""Bearer-token authentication of devices: ``Authorization: Bearer stt_...``.

:func:`device_required` resolves the token to its unrevoked device and patient (``g.device``,
``g.patient``) or answers 401 with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app, g, jsonify, request
from pydantic import BaseModel

from ..models import Device, Patient
from ..services.clinic.devices import device_for_token
from ..services.errors import ServiceError
from ..storage.db import get_session

P = ParamSpec("P")
R = TypeVar("R")


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def unauthorized_response(exc: Unauthorized):
    """The 401 answer of both API blueprints: the error as JSON plus ``WWW-Authenticate``."""
    response = jsonify(error={"code": exc.code, "message": exc.message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="smarttouch"'
    return response


def json_ok(model: BaseModel, status: int = 200, **headers: str):
    """``model`` as a JSON response with ``status`` and extra ``headers`` (both API blueprints)."""
    response = current_app.response_class(model.model_dump_json(), status=status, mimetype="application/json")
    response.headers.update(headers)
    return response


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def device_required(view: Callable[P, R]) -> Callable[P, R]:
    """Only requests carrying a valid device token reach ``view``."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        token = bearer_token()
        if token is None:
            raise Unauthorized(
                "missing device token: send Authorization: Bearer <token> (pair first with smarttouch pair)"
            )
        found = device_for_token(get_session(), token=token)
        if found is None:
            raise Unauthorized(
                "unknown or revoked device token: pair this computer again "
                "with a new code from your therapist"
            )
        g.device, g.patient = found
        return view(*args, **kwargs)

    return wrapped


def current_device() -> Device:
    return g.device


def current_patient() -> Patient:
    return g.patient
