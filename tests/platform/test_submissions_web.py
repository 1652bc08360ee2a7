"""Developers' web pages: submit a zip, follow it, caps, duplicates, rejected uploads,
starter kit, leaderboard, personal API tokens, and who may see what."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from sqlmodel import Session, select

from smarttouch.platform.models import ApiToken, Challenge, Submission, utcnow
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
    raw_zip,
    run_queued,
    sandbox_ok,
)


def _submit(client, slug: str, data: bytes, filename: str = "solution.zip"):
    token = csrf_token(client, f"/challenges/{slug}/submit")
    return client.post(
        f"/challenges/{slug}/submit",
        data={"csrf_token": token, "solution": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_developer_submits_and_follows_the_evaluation(
    app, client, login_as, hub_challenge, tmp_path, sandbox_ok
):
    login_as("developer")
    page = client.get(f"/challenges/{hub_challenge.slug}/submit").get_data(as_text=True)
    assert "3 more solutions" in page
    response = _submit(client, hub_challenge.slug, archive_of(make_solution(tmp_path / "s", COUNTER)))
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    page = client.get(detail_url).get_data(as_text=True)
    assert "Queued" in page and 'http-equiv="refresh"' in page
    [result] = run_queued(app)
    assert result["status"] == "scored", result
    page = client.get(detail_url).get_data(as_text=True)
    assert "Scored" in page and 'http-equiv="refresh"' not in page
    assert "public-0" in page  # the public split's per-recording table
    assert "hidden-0" not in page  # hidden recordings are never listed
    board = client.get(f"/challenges/{hub_challenge.slug}/leaderboard").get_data(as_text=True)
    assert "test solution" in board and "1.000" not in board  # formatted with %.4g
    mine = client.get("/submissions").get_data(as_text=True)
    assert hub_challenge.title in mine and "Scored" in mine


def test_rejected_upload_is_recorded_with_the_reason(app, client, login_as, hub_challenge):
    login_as("developer")
    evil = raw_zip({"solution.toml": "[solution]\n", "../escape.py": "x = 1\n"})
    response = _submit(client, hub_challenge.slug, evil, "evil.zip")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rejected" in page and "&#39;..&#39; path components are not allowed" in page
    with Session(get_engine(app)) as session:
        sub = session.exec(select(Submission)).one()
        assert (sub.status, sub.failure_reason) == ("rejected", "rejected")
    link = raw_zip({"solution.toml": "x"}, symlinks={"solution.py": "/etc/passwd"})
    page = client.get(_submit(client, hub_challenge.slug, link).headers["Location"]).get_data(as_text=True)
    assert "symlinks are not allowed" in page


def test_wrong_challenge_in_manifest_is_rejected(client, login_as, hub_challenge, tmp_path):
    login_as("developer")
    sol = make_solution(tmp_path / "s", COUNTER, challenge="rep-counting")
    page = client.get(_submit(client, hub_challenge.slug, archive_of(sol)).headers["Location"])
    assert "names challenge &#39;rep-counting&#39;" in page.get_data(as_text=True)


def test_duplicates_caps_and_closed_challenges(app, client, login_as, hub_challenge, tmp_path):
    login_as("developer")
    first = archive_of(make_solution(tmp_path / "a", COUNTER))
    assert _submit(client, hub_challenge.slug, first).status_code == 302
    again = _submit(client, hub_challenge.slug, first)
    assert again.status_code == 409 and "already submitted" in again.get_data(as_text=True)
    for i in range(2):
        code = COUNTER + f"\n# variant {i}\n"
        assert (
            _submit(
                client, hub_challenge.slug, archive_of(make_solution(tmp_path / f"v{i}", code))
            ).status_code
            == 302
        )
    over = _submit(
        client, hub_challenge.slug, archive_of(make_solution(tmp_path / "over", COUNTER + "\n# over\n"))
    )
    assert over.status_code == 429 and "all 3 submissions" in over.get_data(as_text=True)
    with Session(get_engine(app)) as session:
        assert len(session.exec(select(Submission)).all()) == 3
        row = session.get(Challenge, hub_challenge.id)
        row.closes_at = utcnow() - timedelta(hours=1)
        session.add(row)
        session.commit()
    closed = client.get(f"/challenges/{hub_challenge.slug}/submit").get_data(as_text=True)
    assert "not open for submissions" in closed


def test_submission_visibility_by_role(app, client, login_as, make_user, hub_challenge, tmp_path):
    from smarttouch.platform.testing import login

    owner = login_as("developer")
    url = _submit(client, hub_challenge.slug, archive_of(make_solution(tmp_path / "s", COUNTER))).headers[
        "Location"
    ]
    assert client.get(url).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/submissions")})
    for user, expected in (
        (make_user("developer"), 404),
        (make_user("therapist"), 404),
        (make_user("therapist", is_reviewer=True), 200),
        (make_user("admin"), 200),
    ):
        login(client, user.email)
        assert client.get(url).status_code == expected, user.role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("patient")
    assert client.get(url).status_code == 403
    assert client.get("/submissions").status_code == 403
    assert client.get(f"/challenges/{hub_challenge.slug}/leaderboard").status_code == 403
    assert client.get(f"/challenges/{hub_challenge.slug}/starter-kit").status_code == 403
    assert owner.id


def test_starter_kit_has_the_public_split_and_never_the_hidden_one(client, login_as, hub_challenge):
    login_as("developer")
    response = client.get(f"/challenges/{hub_challenge.slug}/starter-kit")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "test-reps/public/labels.json" in names
    assert any(n.startswith("test-reps/public/recordings/") for n in names)
    assert not [n for n in names if "hidden" in n]


def test_personal_api_tokens_are_shown_once_and_revocable(app, client, login_as):
    user = login_as("developer")
    token = csrf_token(client, "/profile/api-tokens")
    page = client.post("/profile/api-tokens", data={"csrf_token": token, "label": "laptop"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "shown only once" in html
    secret = html.split('<code class="token">')[1].split("</code>")[0]
    assert secret.startswith("stp_") and len(secret) > 40
    assert secret not in client.get("/profile/api-tokens").get_data(as_text=True)
    with Session(get_engine(app)) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.user_id == user.id and row.token_hash != secret and row.label == "laptop"
    response = client.post(
        f"/profile/api-tokens/{row.id}/revoke", data={"csrf_token": csrf_token(client, "/profile/api-tokens")}
    )
    assert response.status_code == 302
    with Session(get_engine(app)) as session:
        assert session.exec(select(ApiToken)).one().revoked_at is not None


def test_only_developers_have_tokens_and_submit(client, login_as, hub_challenge):
    login_as("therapist", is_reviewer=True)
    assert client.get("/profile/api-tokens").status_code == 403
    assert client.get(f"/challenges/{hub_challenge.slug}/submit").status_code == 403


def test_oversized_upload_is_refused(client, login_as, hub_challenge):
    login_as("developer")
    token = csrf_token(client, f"/challenges/{hub_challenge.slug}/submit")
    big = b"0" * (27 * 1024 * 1024)
    response = client.post(
        f"/challenges/{hub_challenge.slug}/submit",
        data={"csrf_token": token, "solution": (io.BytesIO(big), "big.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "larger than 25 MiB" in response.get_data(as_text=True)
