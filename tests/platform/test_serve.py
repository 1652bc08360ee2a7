"""The hub served by waitress over real HTTP: the demo logins work end to end."""

from __future__ import annotations

import re

import requests
from flask import Flask

from smarttouch.platform.services.demo.seed import DEMO_USERS


def test_demo_logins_work_over_http(demo_app: Flask, live_server: str) -> None:
    expected = {
        "therapist@example.org": "DEMO-STRK",
        "therapist2@example.org": "DEMO-ARM2",
        "patient@example.org": "Balloon reach",
        "developer@example.org": "Open challenges",
        "admin@example.org": "therapist2@example.org",
    }
    assert set(expected) == {email for _, email, *_ in DEMO_USERS}
    for _role, email, password, _name, _rev in DEMO_USERS:
        with requests.Session() as http:
            page = http.get(f"{live_server}/login", timeout=10).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = http.post(
                f"{live_server}/login",
                timeout=10,
                data={"email": email, "password": password, "csrf_token": token},
            )
            assert response.status_code == 200 and response.url == f"{live_server}/", email
            assert expected[email] in response.text, email
