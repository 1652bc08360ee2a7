"""The OpenAPI document describes the API, and schemathesis fuzzing it finds no 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                         status_code_conformance)

from smarttouch.platform.testing import Factories

from .client.apihelp import pair_patient


def test_document_lists_every_route_with_models(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = {(str(r.rule).removeprefix("/api/v1").replace("<uuid:session_id>", "{session_id}"),
               m) for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              and r.endpoint != "api.openapi_document" for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
    upload = doc["paths"]["/sessions"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "201", "400", "401", "409", "413"} <= set(upload["responses"])
    assert doc["components"]["schemas"]["SessionUpload"]["properties"]["session_id"]["format"] \
        == "uuid"
    assert doc["paths"]["/pair"]["post"]["security"] == []
    assert doc["paths"]["/progress"]["get"]["security"] == [{"deviceToken": []}]


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzing_finds_no_server_errors(db_app, mode):
    """Every operation, valid and invalid inputs, with a valid device token (and the
    generated headers where the operation has none)."""
    auth = pair_patient(db_app, Factories(db_app)).auth
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", db_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        fuzz()
