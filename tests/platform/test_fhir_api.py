"""``GET /api/v1/fhir/Patient/<id>/$everything``: web-login auth, own patients only,
FHIR JSON and OperationOutcome errors."""

from __future__ import annotations

from datetime import date, timedelta

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask import Flask
from flask.testing import FlaskClient

from .test_data_rights_support import seed_history

FHIR_JSON = "application/fhir+json"


def _url(patient_id: int) -> str:
    return f"/api/v1/fhir/Patient/{patient_id}/$everything"


def _outcome(response) -> OperationOutcome:
    assert response.mimetype == FHIR_JSON
    return OperationOutcome.model_validate_json(response.get_data(as_text=True))


def test_therapist_gets_their_patients_bundle(client: FlaskClient, app: Flask, login_as, factories) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    response = client.get(_url(history.patient.id))
    assert response.status_code == 200 and response.mimetype == FHIR_JSON
    bundle = Bundle.model_validate_json(response.get_data(as_text=True))
    assert bundle.type == "collection"
    assert "Maria" not in response.get_data(as_text=True)
    identified = client.get(_url(history.patient.id) + "?identified=true")
    assert "Maria Rossi" in identified.get_data(as_text=True)
    start = (date.today() - timedelta(days=10)).isoformat()
    recent = Bundle.model_validate_json(
        client.get(_url(history.patient.id) + f"?start={start}").get_data(as_text=True)
    )
    assert len(recent.entry) < len(bundle.entry)


def test_other_therapists_patient_is_not_found(client: FlaskClient, app: Flask, login_as, factories) -> None:
    login_as("therapist")
    history = seed_history(app, factories)
    response = client.get(_url(history.patient.id))
    assert response.status_code == 404
    assert _outcome(response).issue[0].code == "not-found"
    assert client.get(_url(999999)).status_code == 404


def test_login_required_and_roles(client: FlaskClient, app: Flask, login_as, factories) -> None:
    history = seed_history(app, factories)
    response = client.get(_url(history.patient.id))
    assert response.status_code == 401 and _outcome(response).issue[0].code == "login"
    login_as("developer")
    assert client.get(_url(history.patient.id)).status_code == 404


def test_admin_gets_only_the_pseudonymous_bundle(
    client: FlaskClient, app: Flask, login_as, factories
) -> None:
    login_as("admin")
    history = seed_history(app, factories)
    assert client.get(_url(history.patient.id)).status_code == 200
    response = client.get(_url(history.patient.id) + "?identified=1")
    assert response.status_code == 403 and _outcome(response).issue[0].code == "forbidden"


def test_bad_parameters_are_operation_outcomes(client: FlaskClient, app: Flask, login_as, factories) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    for query in ("?start=yesterday", "?identified=maybe", "?start=2025-02-01&end=2025-01-01"):
        response = client.get(_url(history.patient.id) + query)
        assert response.status_code == 400, query
        assert _outcome(response).issue[0].diagnostics


def test_read_only_and_capability_statement(client: FlaskClient, app: Flask, login_as, factories) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    assert client.post(_url(history.patient.id)).status_code == 405
    response = client.get("/api/v1/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate_json(response.get_data(as_text=True))
    assert statement.rest[0].resource[0].operation[0].name == "everything"
