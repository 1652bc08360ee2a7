"""ONE OpenAPI document describes every /api/v1 operation (device API and challenge API) with
the right security scheme each, and schemathesis fuzzing all of it finds no 5xx."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from smarttouch.platform.services.accounts import api_tokens
from smarttouch.platform.services.challenges import submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories
from tests.platform.challenge_support import COUNTER, archive_of, bundle_dir, import_bundle, make_solution  # noqa: F401

from .apihelp import pair_patient

TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"
CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")


def test_one_document_lists_every_route_with_its_security(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = {
        (CONVERTER.sub(r"{\1}", str(r.rule).removeprefix("/api/v1")), m)
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("api.", "challenge_api.")) and r.endpoint != "api.openapi_document"
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes
    assert {
        "/challenges/{slug}/leaderboard",
        "/challenges/{slug}/submissions",
        "/submissions/{submission_id}",
        "/activities/{key}/package",
        "/plan/today",
        "/sessions",
    } <= set(doc["paths"])
    assert set(doc["components"]["securitySchemes"]) == {"deviceToken", "developerToken"}
    security = {(p, m): op["security"] for p, ops in doc["paths"].items() for m, op in ops.items()}
    assert security.pop(("/pair", "post")) == []
    developer = {
        ("/challenges/{slug}/leaderboard", "get"),
        ("/challenges/{slug}/submissions", "post"),
        ("/submissions/{submission_id}", "get"),
    }
    for key, value in security.items():
        expected = "developerToken" if key in developer else "deviceToken"
        assert value == [{expected: []}], key
    assert (
        "personal API token"
        in doc["paths"]["/submissions/{submission_id}"]["get"]["responses"]["401"]["description"]
    )
    upload = doc["paths"]["/sessions"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "201", "400", "401", "409", "413"} <= set(upload["responses"])
    package = doc["paths"]["/activities/{key}/package"]["get"]["responses"]["200"]
    assert "application/zip" in package["content"] and "X-Code-Sha256" in package["headers"]
    schemas = doc["components"]["schemas"]
    assert schemas["SessionUpload"]["properties"]["session_id"]["format"] == "uuid"
    assert "rows" in schemas["LeaderboardOut"]["properties"]
    assert set(schemas["ActivityOut"]["properties"]["source"]["enum"]) == {"builtin", "solution"}
    assert "code_sha256" in schemas["ActivityOut"]["properties"]
    # the challenge API's own document is gone: there is one document
    assert client.get("/api/v1/challenges/openapi.json").status_code == 404


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class FuzzWorld:
    """Real rows for the fuzzer to hit besides random ones: tokens of both kinds, a challenge
    with evaluation data, a queued submission, an approved game assigned to the patient."""

    headers: dict[str, dict[str, str]]  # security scheme -> Authorization header
    known: dict[str, str]  # path parameter -> a value that exists


@pytest.fixture
def fuzz_world(db_app, bundle_dir, tmp_path) -> FuzzWorld:
    factories = Factories(db_app)
    paired = pair_patient(db_app, factories)
    developer = factories.user("developer")
    challenge = import_bundle(db_app, bundle_dir)
    factories.accept_terms(developer, challenge)
    blobs = get_blobstore(db_app)
    with Session(get_engine(db_app), expire_on_commit=False) as session:
        token, _ = api_tokens.create_token(session, user=developer, label="fuzz")
        sub = submissions.submit(
            session,
            developer=developer,
            challenge=challenge,
            upload=archive_of(make_solution(tmp_path / "s", COUNTER)),
            filename="s.zip",
            blobs=blobs,
            enqueue=lambda _id: None,
        )
    shutil.copytree(TEMPLATE, tmp_path / "game")
    sha = blobs.put(archive_of(tmp_path / "game"))
    game = factories.activity("solution-fuzz", source="solution", code_sha256=sha)
    factories.assignment(paired.patient, activity=game)
    return FuzzWorld(
        headers={"deviceToken": paired.auth, "developerToken": {"Authorization": f"Bearer {token}"}},
        known={"slug": challenge.slug, "submission_id": str(sub.id), "key": game.key},
    )


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzing_the_whole_api_finds_no_server_errors(db_app, fuzz_world, mode):
    """Every operation of the one document, valid and invalid inputs, each with a valid token
    of ITS security scheme (device or developer); path parameters are random or, half of the
    time, ones that exist (so the handlers behind the 404s are fuzzed too)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", db_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # 10 + GET /game-progress + POST /messages/read
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        [scheme] = [name for req in operation.definition.raw["security"] for name in req] or [None]
        headers = fuzz_world.headers.get(scheme, {})

        @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case, use_known: bool) -> None:
            if use_known and case.path_parameters:
                case.path_parameters.update(
                    {k: v for k, v in fuzz_world.known.items() if k in case.path_parameters}
                )
            response = case.call_and_validate(headers=headers, checks=CHECKS)  # noqa: B023 (called at once)
            statuses.setdefault(operation.label, set()).add(response.status_code)  # noqa: B023

        fuzz()
    if mode == GenerationMode.POSITIVE:
        # both tokens work: every operation random input can satisfy succeeded at least once
        # (a pairing code, a valid recording or a stored session UUID cannot be guessed)
        unreachable = {"POST /pair", "POST /sessions", "GET /sessions/{session_id}"}
        failing = {
            label: sorted(codes)
            for label, codes in statuses.items()
            if label not in unreachable and not any(200 <= c < 300 for c in codes)
        }
        assert not failing and len(statuses) == len(operations), (failing, statuses)
