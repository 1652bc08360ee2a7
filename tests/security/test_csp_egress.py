"""Issue 13, items 10 and 13: a Content-Security-Policy on every HTML page and no plotly
mode-bar action that sends a patient's chart out of the hub.

Every page of every demo role is visited with the Flask test client (the browser test in
``test_egress_browser.py`` loads the same pages in Chromium and watches the network): each
has the policy, no inline script that the policy would have to allow, no inline event
handler or ``javascript:`` URL, and loads its scripts, styles and images from the hub only.
"""

from __future__ import annotations

import json

from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import Patient
from smarttouch.platform.services.demo.seed import DEMO_USERS
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import login
from smarttouch.platform.web import charts

from .crawl import Crawl, parse

REQUIRED_POLICY = {
    "script-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
}
#: Pages each role must have reached, so a broken crawl cannot pass by visiting nothing.
MUST_REACH = {
    "therapist": {
        "patients.detail",
        "sessions.detail",
        "reports.report_page",
        "patients.devices_page",
        "needs.index",
        "needs.detail",
        "needs.new",
    },
    "patient": {"portal.index", "datarights.mine", "auth.change_password"},
    "developer": {"developer.detail", "submissions.tokens", "submissions.mine"},
    "admin": {"admin.audit_trail", "datarights.index", "needs.index", "needs.detail"},
}
_LOADING = {"script": "src", "img": "src", "iframe": "src", "embed": "src", "source": "src", "form": "action"}


def demo_patient_id(app: Flask, code: str = "DEMO-PARK") -> int:
    """The id of a demo patient with weeks of sessions (so their page draws charts)."""
    with Session(get_engine(app)) as db:
        return int(db.exec(select(Patient.id).where(Patient.code == code)).one())


def policy_of(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value.strip()
    return out


def check_policy(header: str | None, where: str) -> None:
    assert header, f"{where}: no Content-Security-Policy"
    policy = policy_of(header)
    for name, value in REQUIRED_POLICY.items():
        assert policy.get(name) == value, f"{where}: {name} is {policy.get(name)!r}, expected {value}"
    for name in ("script-src", "connect-src", "default-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(
            policy.get(name, "").split()
        ), f"{where}: {name} {policy.get(name)}"


def check_markup(html: str, where: str) -> None:
    page = parse(html)
    for tag in page.tags:
        handlers = [a for a in tag.attrs if a.startswith("on")]
        assert not handlers, f"{where}: <{tag.name}> has inline handlers {handlers}"
        for attr in ("href", "src", "action", "formaction"):
            assert not tag.attrs.get(attr, "").strip().lower().startswith("javascript:"), where
        loads = tag.attrs.get(_LOADING.get(tag.name, ""), "")
        if tag.name == "link" and tag.attrs.get("rel", "").lower() != "canonical":
            # a canonical link names the page's public address for search engines; the
            # browser never fetches it (https://html.spec.whatwg.org/#link-type-canonical)
            loads = tag.attrs.get("href", "")
        if loads:
            assert loads.startswith("/") and not loads.startswith("//"), (
                f"{where}: <{tag.name}> loads {loads}"
            )
        if tag.name == "script" and not tag.attrs.get("src"):
            assert tag.attrs.get("type") == "application/json", f"{where}: an inline executable <script>"
    for tag, _text in page.script_text:
        assert tag.attrs.get("type") == "application/json", f"{where}: inline script code"


def _visit(app: Flask, role: str | None) -> set[str]:
    client = app.test_client()
    if role is not None:
        email, password = next((e, p) for r, e, p, _n, _rev in DEMO_USERS if r == role)
        assert login(client, email, password).status_code == 302

    def fetch(path: str) -> str | None:
        response = client.get(path)
        assert response.status_code < 500, f"{role} {path}: {response.status_code}"
        check_policy(response.headers.get("Content-Security-Policy"), f"{role} {path}")
        if response.mimetype != "text/html" or response.status_code != 200:
            return None
        html = response.get_data(as_text=True)
        check_markup(html, f"{role} {path}")
        return html

    crawl = Crawl(app, fetch)
    for _path, _html in crawl.pages(
        *(("/", f"/patients/{demo_patient_id(app)}") if role == "therapist" else ("/" if role else "/login",))
    ):
        pass
    return set(crawl.seen_endpoints)


def test_every_page_of_every_role_has_the_policy_and_no_inline_code(demo_app: Flask) -> None:
    assert _visit(demo_app, None) >= {"auth.login"}
    for role, needed in MUST_REACH.items():
        reached = _visit(demo_app, role)
        assert needed <= reached, f"{role} never reached {needed - reached}"


def test_error_pages_have_the_policy_too(client) -> None:
    for path in ("/no-such-page", "/login?next=/%0d%0a//evil.example"):
        response = client.get(path)
        check_policy(response.headers.get("Content-Security-Policy"), path)


def test_no_mode_bar_action_leaves_the_hub(demo_app: Flask) -> None:
    """The chart pages embed a plotly config with no cloud upload, no Chart Studio, no link
    and no logo, and nowhere to send to."""
    client = demo_app.test_client()
    assert login(client, "therapist@example.org", "demo-therapist").status_code == 302
    page = parse(client.get(f"/patients/{demo_patient_id(demo_app)}?tab=progress").get_data(as_text=True))
    [config_text] = [text for tag, text in page.script_text if tag.attrs.get("id") == "plotly-config"]
    config = json.loads(config_text)
    assert config == charts.CONFIG
    assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
    assert config["showLink"] is False and config["displaylogo"] is False and config["plotlyServerURL"] == ""
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= set(
        config["modeBarButtonsToRemove"]
    )
