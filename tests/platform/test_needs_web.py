"""Clinical needs, the pages: who may open them (developers and patients get 403), a therapist
files one (errors at the field, in Italian too, nothing stored), a manager accepts, links and
declines it, and the catalogue entry shows the need it answers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from smarttouch.platform.models import ClinicalNeed, NeedStatus, User
from smarttouch.platform.services.challenges import review
from smarttouch.platform.services.needs import filing, link_challenge
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login
from tests.platform.test_public_pages import scored

FORM = {
    "condition": "parkinson",
    "movement": "wrist_flexion",
    "problem": "Patients with Parkinson's stop the lantern game after 2 minutes.",
    "success": "They play for 10 minutes.",
    "data_help": "",
}


def _post(client: FlaskClient, path: str, data: dict[str, Any], page: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})


def _needs(app: Flask) -> list[ClinicalNeed]:
    with Session(get_engine(app)) as db:
        return list(db.exec(select(ClinicalNeed)))


def _filed(app: Flask, therapist: User, **kw: Any) -> ClinicalNeed:
    with Session(get_engine(app), expire_on_commit=False) as db:
        fields = {k: v for k, v in FORM.items()} | kw
        return filing.propose(db, therapist=db.get(User, therapist.id), **fields)


def test_developers_and_patients_get_403(app: Flask, client: FlaskClient, make_user, login_as) -> None:
    need = _filed(app, make_user("therapist"))
    for role in ("developer", "patient"):
        login_as(role)
        for path in ("/needs", "/needs/new", f"/needs/{need.id}"):
            assert client.get(path).status_code == 403, (role, path)
        assert "/needs" not in client.get("/").get_data(as_text=True)  # no nav link either
        assert client.post(f"/needs/{need.id}/messages", data={"msg-body": "hi"}).status_code in (400, 403)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/needs").status_code == 302  # not logged in: to the login page


def test_a_therapist_files_a_need(app: Flask, client: FlaskClient, login_as) -> None:
    me = login_as("therapist")
    assert 'href="/needs"' in client.get("/").get_data(as_text=True)
    response = _post(client, "/needs/new", FORM)
    assert response.status_code == 302
    [need] = _needs(app)
    assert response.headers["Location"].endswith(f"/needs/{need.id}")
    assert (need.proposer_id, need.condition, need.status) == (me.id, "parkinson", NeedStatus.proposed)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "stop the lantern game" in page and "Accept the need" not in page  # not a manager
    listing = client.get("/needs?status=proposed").get_data(as_text=True)
    assert f'href="/needs/{need.id}"' in listing
    assert f'href="/needs/{need.id}"' not in client.get("/needs?status=answered").get_data(as_text=True)


def test_bad_input_is_told_at_the_field_in_italian_and_stores_nothing(
    app: Flask, client: FlaskClient, login_as, make_patient
) -> None:
    me = login_as("therapist", locale="it")
    make_patient(me, code="PT-ROSSI")
    response = _post(client, "/needs/new", {**FORM, "condition": "", "success": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="condition-error">Scegli la patologia a cui si riferisce il bisogno.' in html
    assert 'id="success-error">Indica che cosa conterebbe come successo.' in html
    response = _post(
        client, "/needs/new", {**FORM, "problem": "PT-ROSSI quits early", "movement": "juggling"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="problem-error">Togli il nome o il codice del paziente' in html
    assert 'id="movement-error">' in html
    response = _post(client, "/needs/new", {**FORM, "condition": "gout"})
    assert response.status_code == 400 and 'id="condition-error">' in response.get_data(as_text=True)
    assert _needs(app) == []


def test_a_manager_accepts_links_and_declines(
    app: Flask, client: FlaskClient, make_user, make_challenge, login_as
) -> None:
    first, second = _filed(app, make_user("therapist")), _filed(app, make_user("therapist"))
    draft = make_challenge(title="Steady lantern", is_published=False)
    login_as("therapist")  # a therapist who is not a manager
    page = f"/needs/{first.id}"
    assert _post(client, f"{page}/accept", {}, page).status_code == 403
    client = app.test_client()
    assert login(client, make_user("developer", is_challenge_manager=True).email).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Accept the need" in html and "Steady lantern (draft)" in html
    assert _post(client, f"{page}/accept", {}, page).status_code == 302
    assert _post(client, f"{page}/link", {"link-challenge_id": "999999"}, page).status_code == 400
    assert _post(client, f"{page}/link", {"link-challenge_id": str(draft.id)}, page).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Turned into a challenge" in html and "Steady lantern" in html
    other = f"/needs/{second.id}"
    response = _post(client, f"{other}/decline", {"decline-reason": ""}, other)
    assert response.status_code == 400
    assert 'id="decline-reason-error">Give the reason' in response.get_data(as_text=True)
    reason = "An easy mode of the lantern game already exists."
    assert _post(client, f"{other}/decline", {"decline-reason": reason}, other).status_code == 302
    assert reason in client.get(other).get_data(as_text=True)
    by_id = {n.id: n for n in _needs(app)}
    assert (by_id[first.id].status, by_id[first.id].challenge_id) == ("challenge", draft.id)
    assert by_id[second.id].status == "declined"
    counts = client.get("/needs").get_data(as_text=True)
    assert "Declined (1)" in counts and "Turned into a challenge (1)" in counts and "Proposed (0)" in counts


def test_support_and_discussion(app: Flask, client: FlaskClient, make_user, login_as) -> None:
    need = _filed(app, make_user("therapist"))
    page = f"/needs/{need.id}"
    me = login_as("therapist")
    assert _post(client, f"{page}/support", {}, page).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert me.full_name in html and "Withdraw my support" in html
    response = _post(client, f"{page}/messages", {"msg-body": ""}, page)
    assert response.status_code == 400 and 'id="msg-body-error"' in response.get_data(as_text=True)
    assert _post(client, f"{page}/messages", {"msg-body": "Same in my ward."}, page).status_code == 302
    assert "Same in my ward." in client.get(page).get_data(as_text=True)
    assert _post(client, f"{page}/support", {"withdraw": "1"}, page).status_code == 302
    assert "Support this need (+1)" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_catalogue_entry_shows_its_challenge_and_the_need_it_answers(
    app: Flask, client: FlaskClient, make_user, make_challenge, signed_in: bool
) -> None:
    manager, reviewer = make_user("admin"), make_user("therapist", is_reviewer=True)
    challenge = make_challenge(title="Steady lantern", kind="game", movement="wrist_flexion")
    need = _filed(app, make_user("therapist"))
    solution_id, submission_id = scored(app, challenge, make_user("developer"), "steady", 0.1, 0.2)
    with Session(get_engine(app), expire_on_commit=False) as db:
        link_challenge(
            db, need=db.get(ClinicalNeed, need.id), challenge=challenge, actor=db.get(User, manager.id)
        )
        review.decide(
            db, reviewer=db.get(User, reviewer.id), submission_id=submission_id, decision="approved", note=""
        )
        assert int(db.exec(select(func.count()).select_from(ClinicalNeed)).one()) == 1
    if signed_in:
        assert login(client, make_user("therapist").email).status_code == 302
    html = client.get(f"/catalogue/{solution_id}").get_data(as_text=True)
    assert 'href="/challenges/' in html and "Steady lantern" in html
    assert f"Clinical need #{need.id}" in html and "Parkinson" in html
    assert "stop the lantern game" not in html  # what the therapist wrote stays on the hub
    assert (f'href="/needs/{need.id}"' in html) is signed_in
    if signed_in:
        activities = client.get("/activities").get_data(as_text=True)
        assert "From the challenge" in activities and f'href="/needs/{need.id}"' in activities
        detail = client.get(f"/needs/{need.id}").get_data(as_text=True)
        assert "Answered" in detail and f'href="/catalogue/{solution_id}"' in detail


def test_filing_a_need_mails_every_manager_in_their_language_not_the_author(
    app: Flask, client: FlaskClient, make_user, smtp_server
) -> None:
    app.config["SMTP_URL"] = smtp_server.url
    make_user("admin", email="admin@example.org", locale="it")
    make_user("therapist", email="boss@example.org", is_challenge_manager=True, full_name="Marta")
    make_user("developer", email="devboss@example.org", is_challenge_manager=True)
    gone = make_user("admin", email="gone@example.org")
    with Session(get_engine(app)) as db:
        db.get(User, gone.id).is_active = False  # an account switched off
        db.commit()
    make_user("therapist", email="colleague@example.org")  # reads needs, does not manage them
    make_user("developer", email="dev@example.org")
    author = make_user("therapist", email="author@example.org", is_challenge_manager=True, full_name="Anna")
    login(client, author.email)
    assert _post(client, "/needs/new", FORM).status_code == 302
    [need] = _needs(app)
    by_to = {m["To"]: m for m in smtp_server.messages}
    assert set(by_to) == {"admin@example.org", "boss@example.org", "devboss@example.org"}
    assert by_to["admin@example.org"]["Subject"] == f"Nuovo bisogno clinico n. {need.id}"
    assert by_to["boss@example.org"]["Subject"] == f"New clinical need #{need.id}"
    text = by_to["boss@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "Hello Marta" in text and "Anna filed the clinical need" in text and FORM["problem"] in text
    assert f"/needs/{need.id}" in text and "you manage the hub's challenges" in text
    italian = by_to["admin@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "gestisci le sfide" in italian and f"/needs/{need.id}" in italian


@pytest.mark.parametrize("lang", ["en", "it"])
def test_the_list_filters_and_pages_by_its_address(
    app: Flask, client: FlaskClient, make_user, login_as, monkeypatch, lang: str
) -> None:
    from smarttouch.platform.services.needs import listing

    monkeypatch.setattr(listing, "PER_PAGE", 2)
    therapist = make_user("therapist")
    stroke = [_filed(app, therapist, condition="post_stroke", movement="shoulder_flexion") for _ in range(3)]
    other = _filed(app, therapist)
    login_as("therapist", locale=lang)
    first = client.get("/needs?condition=post_stroke", headers={"Accept-Language": lang}).get_data(
        as_text=True
    )
    assert f'href="/needs/{stroke[2].id}"' in first and f'href="/needs/{stroke[0].id}"' not in first
    assert f'href="/needs/{other.id}"' not in first
    assert 'href="/needs?page=2&amp;condition=post_stroke"' in first  # the next page keeps the filter
    assert {"en": "Page 1 of 2", "it": "Pagina 1 di 2"}[lang] in first
    assert '<option value="post_stroke" selected>' in first
    assert 'href="/needs?status=proposed&amp;condition=post_stroke"' in first  # the tabs keep it too
    second = client.get("/needs?condition=post_stroke&page=2").get_data(as_text=True)
    assert f'href="/needs/{stroke[0].id}"' in second and f'href="/needs/{stroke[2].id}"' not in second
    moved = client.get("/needs?movement=shoulder_flexion&status=declined").get_data(as_text=True)
    assert "/needs/" + str(stroke[0].id) not in moved  # none is declined
    bad = client.get("/needs?movement=juggling", headers={"Accept-Language": lang})
    expected = {"en": "Choose a movement of the list.", "it": "Scegli un movimento dell&#39;elenco."}
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="filter-movement-error"' in html and expected[lang] in html
    assert f'href="/needs/{other.id}"' in html  # the unknown value is left out of the filter
