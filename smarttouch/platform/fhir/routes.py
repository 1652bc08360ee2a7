"""FHIR endpoints. Errors come back as ``OperationOutcome`` resources."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..auth.access import signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import pk, utcnow
from ..services.clinic import patients
from ..services.errors import Invalid, ServiceError
from ..services.rights import fhir_export
from ..services.rights.fhir.codes import DEFAULT_BASE
from ..storage.blobstore import get_blobstore
from ..storage.db import get_session
from ..web import record_reads
from ..web.urls import external_url
from . import bp

_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
}


def _fhir_response(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype=fhir_export.FHIR_JSON)


def _outcome(status: int, message: str) -> Response:
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    outcome = OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": _ISSUE_CODES.get(status, "exception"), "diagnostics": message}
            ],
        }
    )
    response = _fhir_response(outcome.model_dump_json(exclude_none=True), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Cookie realm="SmartTouch hub login"'
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    return _outcome(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _outcome(exc.code or 500, exc.description or exc.name)


@bp.before_request
def _require_login() -> Response | None:
    if not current_user.is_authenticated:
        return _outcome(401, "log in to the hub first (FHIR export uses the web login)")
    return None


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{name}={raw!r} is not a date (YYYY-MM-DD)") from None


def _flag_arg(name: str) -> bool:
    raw = request.args.get(name, "false").strip().lower()
    if raw in {"1", "true", "yes"}:
        return True
    if raw in {"0", "false", "no", ""}:
        return False
    raise Invalid(f"{name}={raw!r}: expected true or false")


def _base() -> str:
    return str(current_app.config.get("FHIR_BASE_URL") or DEFAULT_BASE)


@bp.get("/Patient/<int:patient_id>/$everything")
def everything(patient_id: int) -> Response:
    """The patient's Bundle. Query: ``start``, ``end`` (local dates), ``identified``."""
    db = get_session()
    user = signed_in_user()
    patient = patients.get_patient_for(db, user=user, patient_id=patient_id)
    identified, start, end = _flag_arg("identified"), _date_arg("start"), _date_arg("end")
    bundle = fhir_export.export_bundle(
        db,
        patient=patient,
        actor=user,
        store=get_blobstore(),
        today=local_today(),
        identified=identified,
        start=start,
        end=end,
        tz=hub_tz(),
        base=_base(),
        via="api",
        ip=request.remote_addr,
    )
    period = f"{start or ''}/{end or ''}" if start or end else ""  # ISO 8601 interval
    kind = "identified" if identified else "pseudonymous"
    record_reads.note_read(pk(patient), "fhir_export", detail=f"{kind} {period}".strip())
    response = _fhir_response(fhir_export.bundle_json(bundle, indent=None))
    response.headers["Content-Disposition"] = f'inline; filename="{patient.code}-fhir.json"'
    return response


@bp.get("/metadata")
def metadata() -> Response:
    """A CapabilityStatement describing this read-only endpoint."""
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    statement: dict[str, Any] = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": utcnow().date().isoformat(),
        "kind": "instance",
        "fhirVersion": "4.3.0",
        "format": ["json"],
        "software": {"name": "SmartTouch hub"},
        "implementation": {
            "description": "SmartTouch home-rehabilitation export",
            "url": external_url("fhir.metadata").removesuffix("/metadata"),
        },
        "rest": [
            {
                "mode": "server",
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                            }
                        ],
                    }
                ],
            }
        ],
    }
    body = CapabilityStatement.model_validate(statement).model_dump_json(exclude_none=True)
    return _fhir_response(body)
