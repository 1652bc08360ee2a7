"""The challenge managers' pages: who may use them, creating a challenge through the form (with
the job that builds its data), field errors in both languages with nothing stored, the preview,
publishing, and no download route ever giving out the hidden split, before or after closing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from smarttouch.platform.models import AuditEvent, Challenge
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

from .challenge_support import bundle_dir  # noqa: F401 - fixture

TODAY = dt.datetime.now(dt.UTC).date()


def form(**kw: Any) -> dict[str, Any]:
    fields = {
        "title": "Steady hands",
        "slug": "steady-hands",
        "summary": "A calm game for shoulder flexion.",
        "description_md": "# The need\n\nA game that tolerates **tremor**.",
        "kind": "game",
        "primary_metric": "rep_exact_rate",
        "source": "simulator",
        "generator": "shoulder-reach-game",
        "opens_at": (TODAY - dt.timedelta(days=1)).isoformat(),
        "final_opens_at": (TODAY + dt.timedelta(days=10)).isoformat(),
        "closes_at": (TODAY + dt.timedelta(days=20)).isoformat(),
        "daily_cap": "5",
        "final_daily_cap": "2",
        "max_team_size": "2",
        "licence": "Apache-2.0",
        "need_id": "",
        "submit": "1",
    }
    fields.update(kw)
    return fields


def post_new(client: FlaskClient, lang: str = "en", **kw: Any) -> Any:
    data = form(**kw)
    data["csrf_token"] = csrf_token(client, "/manage/challenges/new")
    return client.post(
        "/manage/challenges/new",
        data=data,
        headers={"Accept-Language": lang},
        content_type="multipart/form-data",
    )


def rows(app: Flask) -> int:
    with Session(get_engine(app)) as db:
        return db.exec(select(func.count()).select_from(Challenge)).one()


def stored(app: Flask, slug: str) -> Challenge:
    with Session(get_engine(app)) as db:
        row = db.exec(select(Challenge).where(Challenge.slug == slug)).one()
        db.expunge(row)
        return row


@pytest.mark.parametrize(
    ("role", "fields", "status"),
    [
        ("developer", {}, 403),
        ("therapist", {}, 403),
        ("therapist", {"is_challenge_manager": True}, 200),
        ("developer", {"is_challenge_manager": True}, 200),
        ("admin", {}, 200),
    ],
)
def test_only_challenge_managers_and_admins_manage(
    client: FlaskClient, login_as: Any, role: str, fields: dict, status: int
) -> None:
    login_as(role, **fields)
    for path in ("/manage/challenges", "/manage/challenges/new"):
        assert client.get(path).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/manage/challenges")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_manager_creates_previews_and_publishes(app: Flask, client: FlaskClient, login_as: Any) -> None:
    login_as("therapist", is_challenge_manager=True)
    response = post_new(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 public recordings" in page and "5 hidden recordings" in page  # built inline in tests
    assert client.get("/challenges/steady-hands").status_code == 404  # a draft is not public
    preview = client.get("/manage/challenges/steady-hands/preview").get_data(as_text=True)
    assert "tolerates <strong>tremor</strong>" in preview and "Preview" in preview
    token = csrf_token(client, "/manage/challenges/steady-hands")
    assert (
        client.post("/manage/challenges/steady-hands/publish", data={"csrf_token": token}).status_code == 302
    )
    assert stored(app, "steady-hands").is_published
    listing = client.get("/manage/challenges").get_data(as_text=True)
    assert "Steady hands" in listing and "Development phase" in listing
    assert "Steady hands" in app.test_client().get("/challenges").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_dates_out_of_order_are_refused_at_the_field(
    app: Flask, client: FlaskClient, login_as: Any, lang: str
) -> None:
    login_as("admin")
    response = post_new(
        client, lang, opens_at=TODAY.isoformat(), closes_at=(TODAY - dt.timedelta(days=3)).isoformat()
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = {
        "en": "The challenge must close after it opens.",
        "it": "La sfida deve chiudersi dopo l&#39;apertura.",
    }
    assert 'id="closes_at-error"' in html and expected[lang] in html
    assert rows(app) == 0


def test_markdown_with_script_is_refused_and_previewed_safely(
    app: Flask, client: FlaskClient, login_as: Any
) -> None:
    login_as("admin")
    evil = "Hello <script>alert('x')</script> [a](javascript:alert(1))"
    preview = post_new(client, description_md=evil, submit="", preview="1")
    html = preview.get_data(as_text=True)
    assert "Preview of the description" in html and "<script>alert" not in html
    assert 'href="javascript' not in html and 'id="description_md-error"' in html
    response = post_new(client, description_md=evil)
    assert response.status_code == 400 and 'id="description_md-error"' in response.get_data(as_text=True)
    assert rows(app) == 0


def test_a_failing_bundle_gets_the_validators_message(
    app: Flask,
    client: FlaskClient,
    login_as: Any,
    bundle_dir: Path,
) -> None:
    login_as("admin")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(bundle_dir.rglob("*")):
            if p.is_file() and p.name != "challenge.toml":
                zf.write(p, p.relative_to(bundle_dir).as_posix())
    before = _audit_count(app)
    response = post_new(
        client,
        kind="analyzer",
        source="upload",
        primary_metric="",
        bundle=(io.BytesIO(buf.getvalue()), "b.zip"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="bundle-error"' in html and "no challenge.toml" in html
    assert rows(app) == 0 and _audit_count(app) == before


def _audit_count(app: Flask) -> int:
    with Session(get_engine(app)) as db:
        return db.exec(select(func.count()).select_from(AuditEvent)).one()


def _hidden_ids(app: Flask, slug: str) -> list[str]:
    from smarttouch.platform.services.challenges import importer
    from smarttouch.platform.storage.blobstore import get_blobstore

    with app.app_context():
        bundle = importer.load_challenge_bundle(
            stored(app, slug), blobs=get_blobstore(app), cache_root=Path(app.instance_path) / "check"
        )
    return bundle.split("hidden").ids


def _assert_nothing_hidden(client: FlaskClient, app: Flask, slug: str, hidden: list[str]) -> int:
    """Every GET route about one challenge: no hidden file or recording id in what it gives."""
    fetched = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or set(rule.arguments) != {"slug"}:
            continue
        response = client.get(rule.build({"slug": slug})[1])
        if response.status_code != 200:
            continue
        fetched += 1
        body = response.get_data()
        if body[:2] == b"PK":
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
            assert not [n for n in names if "hidden" in n.split("/")[0:2]], (rule.rule, names)
            assert not any(h in n for n in names for h in hidden), rule.rule
        else:
            text = body.decode("utf-8", "replace")
            assert not any(h in text for h in hidden), rule.rule
    return fetched


def test_no_route_gives_out_the_hidden_split_before_or_after_closing(
    app: Flask, client: FlaskClient, factories: Any
) -> None:
    admin = factories.user("admin")
    login(client, admin.email)
    assert post_new(client).status_code == 302
    token = csrf_token(client, "/manage/challenges/steady-hands")
    client.post("/manage/challenges/steady-hands/publish", data={"csrf_token": token})
    hidden = _hidden_ids(app, "steady-hands")
    assert hidden
    dev = factories.user("developer")  # accepts the terms of every challenge that exists now

    def as_(who: Any) -> FlaskClient:
        fresh = app.test_client()
        if who is not None:
            login(fresh, who.email)
        return fresh

    for who in (admin, dev):
        assert _assert_nothing_hidden(as_(who), app, "steady-hands", hidden) >= 3
    kit = as_(dev).get("/challenges/steady-hands/starter-kit")
    names = zipfile.ZipFile(io.BytesIO(kit.get_data())).namelist()
    assert any(n.endswith(".npz") for n in names) and not any("hidden" in n for n in names)
    token = csrf_token(client, "/manage/challenges/steady-hands")
    assert client.post("/manage/challenges/steady-hands/close", data={"csrf_token": token}).status_code == 302
    client.post("/manage/challenges/steady-hands/announce", data={"csrf_token": token})
    assert stored(app, "steady-hands").results_announced_at is not None
    for who in (admin, dev, None):
        assert _assert_nothing_hidden(as_(who), app, "steady-hands", hidden) >= 1


def test_extending_and_announcing_mail_the_developers_in_their_language(
    app: Flask, client: FlaskClient, factories: Any, smtp_server: Any
) -> None:
    from email.message import EmailMessage

    from .test_challenge_authoring import _scored

    app.config["SMTP_URL"] = smtp_server.url
    admin = factories.user("admin")
    login(client, admin.email)
    assert post_new(client, primary_metric="rep_mae").status_code == 302
    token = csrf_token(client, "/manage/challenges/steady-hands")
    client.post("/manage/challenges/steady-hands/publish", data={"csrf_token": token})
    row = stored(app, "steady-hands")
    ada = factories.user("developer", full_name="Ada", locale="it")
    _scored(app, row, ada, {"public": 1.0, "hidden": 0.5}, "ada-game")
    later = (TODAY + dt.timedelta(days=40)).isoformat()
    earlier = (TODAY + dt.timedelta(days=5)).isoformat()
    refused = client.post(
        "/manage/challenges/steady-hands/extend", data={"csrf_token": token, "closes_at": earlier}
    )
    assert refused.status_code == 400 and 'id="closes_at-error"' in refused.get_data(as_text=True)
    response = client.post(
        "/manage/challenges/steady-hands/extend", data={"csrf_token": token, "closes_at": later}
    )
    assert response.status_code == 302
    (mail,) = smtp_server.wait_for(1)
    assert mail["To"] == ada.email and "più tempo" in mail["Subject"]
    client.post("/manage/challenges/steady-hands/close", data={"csrf_token": token})
    client.post("/manage/challenges/steady-hands/announce", data={"csrf_token": token})
    messages = smtp_server.wait_for(2)
    results: EmailMessage = messages[1]
    body = results.get_content()
    assert "risultati" in results["Subject"] and "al posto 1 su 1" in body
    board = app.test_client().get("/challenges/steady-hands").get_data(as_text=True)
    assert "ada-game" in board and "hidden evaluation split" in board
    with Session(get_engine(app)) as db:
        actions = {e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_id == row.id))}
    assert {"challenge.extended", "challenge.closed", "challenge.results_announced"} <= actions


def test_the_data_is_built_by_a_worker_with_its_status_shown(
    app: Flask, client: FlaskClient, factories: Any
) -> None:
    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.models import ChallengeDataJob

    from .test_challenge_authoring import _scored

    app.config["SCORING"] = "queue"  # the job goes to the workers' queue; none runs here
    login(client, factories.user("therapist", is_challenge_manager=True).email)
    assert post_new(client).status_code == 302
    page = client.get("/manage/challenges/steady-hands").get_data(as_text=True)
    assert "being built by a worker" in page and 'http-equiv="refresh"' in page
    assert "Being built" in client.get("/manage/challenges").get_data(as_text=True)
    token = csrf_token(client, "/manage/challenges/steady-hands")
    client.post("/manage/challenges/steady-hands/publish", data={"csrf_token": token})
    assert not stored(app, "steady-hands").is_published  # no data yet
    with Session(get_engine(app)) as db:
        (job_id,) = db.exec(select(ChallengeDataJob.id)).all()
    HubQueue(app).run("challenge_data", str(job_id))  # what the worker does
    page = client.get("/manage/challenges/steady-hands").get_data(as_text=True)
    assert "5 hidden recordings" in page and 'http-equiv="refresh"' not in page
    _scored(app, stored(app, "steady-hands"), factories.user("developer"), {"public": 1.0}, "g")
    listing = client.get("/manage/challenges").get_data(as_text=True)
    assert "Ready" in listing and '<td class="num">1</td>\n      <td class="num">1</td>' in listing


def test_a_challenge_written_from_a_need_links_it_and_a_closed_need_is_refused(
    app: Flask, client: FlaskClient, login_as: Any, factories: Any
) -> None:
    from smarttouch.platform.models import ClinicalNeed, NeedStatus
    from smarttouch.platform.services.needs import filing, workflow

    therapist = factories.user("therapist")
    with Session(get_engine(app)) as db:
        need = filing.propose(
            db,
            therapist=db.get(type(therapist), therapist.id),
            condition="parkinson",
            movement=None,
            problem="Patients stop the lantern game after two minutes.",
            success="Ten minutes of play without a stop.",
        )
        need_id = need.id
    manager = login_as("therapist", is_challenge_manager=True)
    page = client.get(f"/manage/challenges/new?need={need_id}").get_data(as_text=True)
    assert "Patients stop the lantern game after two minutes." in page and f"need #{need_id}" in page
    response = post_new(client, need_id=str(need_id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with Session(get_engine(app)) as db:
        linked = db.get(ClinicalNeed, need_id)
        challenge = db.exec(select(Challenge).where(Challenge.slug == "steady-hands")).one()
        assert linked.status == NeedStatus.challenge and linked.challenge_id == challenge.id
        # a need already turned into a challenge cannot start a second one
        assert not workflow.can_become(linked, NeedStatus.challenge)
    before = rows(app)
    again = post_new(client, slug="steady-hands-two", need_id=str(need_id))
    assert (
        again.status_code == 400
        and "already declined, answered or turned into a challenge" in again.get_data(as_text=True)
    )
    missing = post_new(client, slug="steady-hands-three", need_id="999999")
    assert missing.status_code == 400 and "Not a clinical need of this hub." in missing.get_data(as_text=True)
    assert rows(app) == before
    # the need holds the link: a second need turned into the same challenge shows there too
    with Session(get_engine(app)) as db:
        other = filing.propose(
            db,
            therapist=db.get(type(therapist), therapist.id),
            condition="post_stroke",
            movement=None,
            problem="Reaching games end too early.",
            success="Longer play.",
        )
        workflow.link_challenge(db, need=other, challenge=challenge, actor=db.get(type(manager), manager.id))
        other_id = other.id
    page = client.get("/manage/challenges/steady-hands").get_data(as_text=True)
    assert f'href="/needs/{need_id}">#{need_id}</a>, <a href="/needs/{other_id}">#{other_id}</a>' in page


def post_edit(client: FlaskClient, address: str, lang: str = "en", **kw: Any) -> Any:
    data = form(**kw)
    data.pop("need_id")
    data["csrf_token"] = csrf_token(client, f"/manage/challenges/{address}/edit")
    return client.post(
        f"/manage/challenges/{address}/edit",
        data=data,
        headers={"Accept-Language": lang},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_manager_edits_a_draft_with_field_errors_in_their_language(
    app: Flask, client: FlaskClient, login_as: Any, factories: Any, lang: str
) -> None:
    login_as("therapist", is_challenge_manager=True)
    assert post_new(client).status_code == 302
    page = client.get("/manage/challenges/steady-hands/edit").get_data(as_text=True)
    assert 'value="Steady hands"' in page and "tolerates **tremor**" in page  # the draft's values
    before = _audit_count(app)
    bad = post_edit(
        client, "steady-hands", lang, title="Renamed", closes_at=(TODAY - dt.timedelta(days=3)).isoformat()
    )
    expected = {
        "en": "The challenge must close after it opens.",
        "it": "La sfida deve chiudersi dopo l&#39;apertura.",
    }
    assert bad.status_code == 400 and 'id="closes_at-error"' in bad.get_data(as_text=True)
    assert expected[lang] in bad.get_data(as_text=True)
    assert stored(app, "steady-hands").title == "Steady hands" and _audit_count(app) == before
    good = post_edit(client, "steady-hands", lang, title="Renamed", slug="renamed", max_team_size="4")
    assert good.status_code == 302 and good.headers["Location"].endswith("/manage/challenges/renamed")
    row = stored(app, "renamed")
    assert (row.title, row.max_team_size, row.bundle_sha256 is not None) == ("Renamed", 4, True)
    with Session(get_engine(app)) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "challenge.edited")).one()
    assert set(event.details["changed"]) == {"title", "slug", "max_team_size"}
    outsider = app.test_client()
    login(outsider, factories.user("developer").email)
    assert outsider.get("/manage/challenges/renamed/edit").status_code == 403


def test_a_published_challenge_edits_its_description_and_refuses_the_rest(
    app: Flask, client: FlaskClient, login_as: Any
) -> None:
    login_as("admin")
    assert post_new(client).status_code == 302
    token = csrf_token(client, "/manage/challenges/steady-hands")
    client.post("/manage/challenges/steady-hands/publish", data={"csrf_token": token})
    page = client.get("/manage/challenges/steady-hands/edit").get_data(as_text=True)
    assert 'id="published-note"' in page and "Extend" in page
    refused = post_edit(client, "steady-hands", "it", title="Renamed", description_md="# Clearer")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="title-error"' in html and "non può più cambiare" in html
    assert stored(app, "steady-hands").description_md.startswith("# The need")
    moved = post_edit(client, "steady-hands", closes_at=(TODAY + dt.timedelta(days=60)).isoformat())
    assert moved.status_code == 400 and "Extend" in moved.get_data(as_text=True)
    saved = post_edit(client, "steady-hands", description_md="# Clearer\n\nWith an example.")
    assert saved.status_code == 302
    assert "With an example." in app.test_client().get("/challenges/steady-hands").get_data(as_text=True)
