"""The challenge API: personal tokens, submitting, reading one's own submission, the JSON
leaderboard (public split while open, hidden split once closed), its OpenAPI document."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlmodel import Session

from smarttouch.platform.jobs.bundles import bundle_cache_root
from smarttouch.platform.models import Challenge, utcnow
from smarttouch.platform.services.accounts import api_tokens
from smarttouch.platform.services.challenges import importer
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
    run_queued,
    sandbox_ok,
    small_rep_counting,
)


def _token(app, user) -> str:
    with Session(get_engine(app)) as session:
        return api_tokens.create_token(session, user=user, label="test")[0]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_submit_needs_a_valid_developer_token(app, client, make_user, hub_challenge, tmp_path):
    url = f"/api/v1/challenges/{hub_challenge.slug}/submissions"
    data = archive_of(make_solution(tmp_path / "s", COUNTER))
    response = client.post(url, data=data, content_type="application/zip")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.post(
            url, data=data, content_type="application/zip", headers=_auth("stp_not-a-real-token")
        ).status_code
        == 401
    )
    developer = make_user("developer")
    token = _token(app, developer)
    with Session(get_engine(app)) as session:
        [row] = api_tokens.list_tokens(session, user=developer)
        api_tokens.revoke_token(session, user=developer, token_id=row.id)
    assert (
        client.post(url, data=data, content_type="application/zip", headers=_auth(token)).status_code == 401
    )


def test_submit_raw_and_multipart_then_read_it(app, client, make_user, hub_challenge, tmp_path, sandbox_ok):
    developer = make_user("developer")
    token = _token(app, developer)
    url = f"/api/v1/challenges/{hub_challenge.slug}/submissions"
    raw = archive_of(make_solution(tmp_path / "a", COUNTER))
    response = client.post(url, data=raw, content_type="application/zip", headers=_auth(token))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "queued" and len(body["code_sha256"]) == 64
    assert response.headers["Location"].endswith(f"/api/v1/submissions/{body['id']}")
    multipart = archive_of(make_solution(tmp_path / "b", COUNTER + "\n# b\n", name="second"))
    response = client.post(
        url,
        headers=_auth(token),
        content_type="multipart/form-data",
        data={"solution": (io.BytesIO(multipart), "second.zip")},
    )
    assert response.status_code == 201 and response.get_json()["solution"] == "second"
    assert client.post(url, data=raw, content_type="application/zip", headers=_auth(token)).status_code == 409
    run_queued(app)
    got = client.get(f"/api/v1/submissions/{body['id']}", headers=_auth(token)).get_json()
    assert got["status"] == "scored" and set(got["scores"]) == {"public", "hidden"}
    [public, hidden] = got["splits"]
    assert public["details"] and hidden["details"] == []  # hidden labels never leave the hub
    other = _token(app, make_user("developer"))
    assert client.get(f"/api/v1/submissions/{body['id']}", headers=_auth(other)).status_code == 404


def test_json_leaderboard_follows_the_kaggle_model(
    app, client, make_user, hub_challenge, tmp_path, sandbox_ok
):
    developer = make_user("developer")
    token = _token(app, developer)
    url = f"/api/v1/challenges/{hub_challenge.slug}/submissions"
    client.post(
        url,
        data=archive_of(make_solution(tmp_path / "a", COUNTER)),
        content_type="application/zip",
        headers=_auth(token),
    )
    zero = "class Solution:\n    def analyze(self, recording):\n        return {'reps': 0}\n"
    client.post(
        url,
        data=archive_of(make_solution(tmp_path / "z", zero, name="always zero")),
        content_type="application/zip",
        headers=_auth(token),
    )
    run_queued(app)
    board_url = f"/api/v1/challenges/{hub_challenge.slug}/leaderboard"
    assert client.get(board_url).status_code == 401
    board = client.get(board_url, headers=_auth(token)).get_json()
    assert board["split"] == "public" and not board["closed"]
    assert [(r["rank"], r["solution"]) for r in board["rows"]] == [(1, "test solution"), (2, "always zero")]
    assert board["rows"][0]["scores"]["exact_rate"] == 1.0
    with Session(get_engine(app)) as session:
        row = session.get(Challenge, hub_challenge.id)
        row.closes_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    closed = client.get(board_url, headers=_auth(token)).get_json()
    assert closed["split"] == "hidden" and closed["closed"]
    assert closed["rows"][0]["solution"] == "test solution"


def test_leaderboard_for_web_users_and_not_patients(client, login_as, hub_challenge):
    login_as("therapist")
    assert client.get(f"/api/v1/challenges/{hub_challenge.slug}/leaderboard").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("patient")
    assert client.get(f"/api/v1/challenges/{hub_challenge.slug}/leaderboard").status_code == 403


def test_leaderboard_without_a_valid_token_is_401_with_the_reason(client, hub_challenge):
    url = f"/api/v1/challenges/{hub_challenge.slug}/leaderboard"
    missing = client.get(url)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert "missing API token" in missing.get_json()["error"]["message"]
    unknown = client.get(url, headers=_auth("stp_" + "x" * 40))
    assert unknown.status_code == 401
    assert "unknown or revoked API token" in unknown.get_json()["error"]["message"]


def test_reference_rows_are_unranked(app, client, make_user, small_rep_counting, sandbox_ok):
    """Built-in challenge with its baselines: reference rows carry no rank or developer."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        report = importer.import_builtin(
            session, slug="rep-counting", blobs=get_blobstore(app), hidden_seed=7
        )
        refs = importer.record_references(
            session,
            challenge=report.challenge,
            blobs=get_blobstore(app),
            cache_root=bundle_cache_root(app.instance_path),
            sandbox=importer.default_sandbox(),
        )
    assert [r.status for r in refs] == ["scored", "scored"]
    token = _token(app, make_user("developer"))
    board = client.get("/api/v1/challenges/rep-counting/leaderboard", headers=_auth(token)).get_json()
    assert {r["solution"] for r in board["rows"]} == {
        "baseline: SmartTouch scorer",
        "baseline: naive peak counter",
    }
    assert all(r["rank"] is None and r["reference"] and r["developer"] is None for r in board["rows"])
    scorer = next(r for r in board["rows"] if "scorer" in r["solution"])
    assert scorer["scores"]["exact_rate"] > 0.9


def test_openapi_document_lists_the_challenge_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()  # the hub's one API document
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    assert {
        "/challenges/{slug}/leaderboard",
        "/challenges/{slug}/submissions",
        "/submissions/{submission_id}",
        "/activities/{key}/package",
    } <= set(paths)
    schema = doc["components"]["schemas"]["LeaderboardOut"]
    assert "rows" in schema["properties"]


def test_oversized_api_upload_is_refused_with_413(app, client, make_user, hub_challenge):
    token = _token(app, make_user("developer"))
    response = client.post(
        f"/api/v1/challenges/{hub_challenge.slug}/submissions",
        data=b"0" * (27 * 1024 * 1024),
        content_type="application/zip",
        headers=_auth(token),
    )
    assert response.status_code == 413 and response.get_json()["error"]["code"]


def test_a_challenge_without_imported_data_takes_no_submissions(
    app, client, make_user, make_challenge, tmp_path
):
    row = make_challenge()
    token = _token(app, make_user("developer"))
    response = client.post(
        f"/api/v1/challenges/{row.slug}/submissions",
        data=archive_of(make_solution(tmp_path / "s", COUNTER, challenge=row.slug)),
        content_type="application/zip",
        headers=_auth(token),
    )
    assert response.status_code == 403 and "no evaluation data" in response.get_json()["error"]["message"]
