"""Central error handling: HTML pages for the web, JSON under /api/."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from smarttouch.platform.services.errors import Conflict


@pytest.fixture
def boom_app(app: Flask) -> Flask:
    from smarttouch.platform.auth.access import public

    @app.route("/api/v1/test-conflict")
    def _conflict():
        raise Conflict("patient code PT-1 is already used")

    @app.route("/api/v1/test-crash")
    def _crash_api():
        raise RuntimeError("secret internals")

    @app.route("/test-crash")
    @public
    def _crash_page():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_unknown_page_is_an_html_404(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    response = client.get("/definitely-not-here")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json
    body = response.get_json()
    assert body["error"]["code"] == "not_found" and body["error"]["message"]


def test_service_errors_map_to_their_status(boom_app: Flask) -> None:
    response = boom_app.test_client().get("/api/v1/test-conflict")
    assert response.status_code == 409
    assert response.get_json() == {
        "error": {"code": "conflict", "message": "patient code PT-1 is already used"}
    }


def test_crashes_are_500_without_internals(boom_app: Flask) -> None:
    client = boom_app.test_client()
    response = client.get("/api/v1/test-crash")
    assert response.status_code == 500 and response.get_json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)
    response = client.get("/test-crash")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "secret internals" not in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    response = client.get("/language")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
