"""The hub served by waitress over real HTTP: the demo logins work end to end."""

from __future__ import annotations

import re
import threading

import requests
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.db import get_engine
from smarttouch.platform.i18n import local_today
from smarttouch.platform.services.demo import DEMO_USERS, seed_demo


def test_demo_logins_work_over_http(app: Flask) -> None:
    import waitress.server

    with app.test_request_context(), Session(get_engine(app)) as session:
        seed_demo(session, today=local_today(), password_profile="fast")
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=2)
    stop = threading.Event()

    def serve() -> None:  # server.run() with a way out
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        expected = {"therapist": "DEMO-STRK", "patient": "Balloon reach",
                    "developer": "Open challenges", "admin": "admin@example.org"}
        for role, email, password, _name, _rev in DEMO_USERS:
            if role not in expected or email.startswith("therapist2"):
                continue
            with requests.Session() as http:
                page = http.get(f"{base}/login", timeout=10).text
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
                response = http.post(f"{base}/login", timeout=10,
                                     data={"email": email, "password": password,
                                           "csrf_token": token})
            assert response.status_code == 200 and response.url == f"{base}/", email
            assert expected[role] in response.text, role
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
