"""Challenge authoring services: drafts from the simulator, donated sessions or an uploaded
bundle; every bad input refused at its field with nothing stored; the Markdown sanitiser;
publish, extend, close and announce with their e-mails and audit lines."""

from __future__ import annotations

import datetime as dt
import io
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform.jobs.queue import HubQueue
from smarttouch.platform.models import AuditEvent, Challenge, ChallengeDataJob, Patient, Score, User
from smarttouch.platform.services.challenges import authoring, importer, leaderboards, lifecycle, phases
from smarttouch.platform.services.challenges.safe_markdown import render, unsafe_markup
from smarttouch.platform.services.errors import Forbidden
from smarttouch.platform.services.rights import donation
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .challenge_support import bundle_dir  # noqa: F401 - fixture
from .test_data_rights_support import seed_history

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def day(offset: int) -> dt.datetime:
    d = (NOW + dt.timedelta(days=offset)).date()
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def data(**kw: Any) -> authoring.ChallengeInput:
    fields: dict[str, Any] = {
        "title": "Steady hands",
        "slug": "steady-hands",
        "kind": "game",
        "source": "simulator",
        "generator": "shoulder-reach-game",
        "primary_metric": "rep_mae",
        "description_md": "# The need\n\nA game that **tolerates tremor**. [More](https://example.org)",
        "summary": "A calm game for shoulder flexion.",
        "opens_at": day(-1),
        "final_opens_at": day(10),
        "closes_at": day(20),
        "daily_cap": 4,
        "final_daily_cap": 2,
        "max_team_size": 3,
        "licence": "MIT",
        "need_id": None,
    }
    fields.update(kw)
    return authoring.ChallengeInput(**fields)


def manager(factories: Any, **kw: Any) -> User:
    return factories.user("therapist", is_challenge_manager=True, **kw)


def create(
    app: Flask, actor: User, payload: authoring.ChallengeInput
) -> tuple[Challenge, ChallengeDataJob | None]:
    with Session(get_engine(app), expire_on_commit=False) as db:
        return authoring.create_challenge(
            db, data=payload, actor=db.get(User, actor.id), blobs=get_blobstore(app)
        )


def counts(app: Flask) -> tuple[int, int, int]:
    with Session(get_engine(app)) as db:
        return (
            db.exec(select(func.count()).select_from(Challenge)).one(),
            db.exec(select(func.count()).select_from(AuditEvent)).one(),
            db.exec(select(func.count()).select_from(ChallengeDataJob)).one(),
        )


def get(app: Flask, slug: str) -> Challenge:
    with Session(get_engine(app), expire_on_commit=False) as db:
        return lifecycle.get_challenge(db, slug=slug)


def starter_target(app: Flask, row: Challenge) -> str:
    """The challenge the starter kit's solution names (what a developer submits unchanged)."""
    kit = importer.starter_kit(row, blobs=get_blobstore(app), instance_path=app.instance_path)
    with zipfile.ZipFile(kit) as zf:
        return tomllib.loads(zf.read(f"{row.slug}/solution/solution.toml").decode())["solution"]["challenge"]


def zipped(folder: Path, *, drop: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and (drop is None or not rel.startswith(drop)):
                zf.write(p, f"bundle/{rel}")
    return buf.getvalue()


# ------------------------------------------------------------------------------ Markdown
@pytest.mark.parametrize(
    "source",
    [
        "Hello <script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))",
        '<img src="x" onerror="alert(1)">',
        '<a href="#" onclick="steal()">x</a>',
        "![img](javascript:alert(1))",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_dangerous_markdown_is_neutralised_and_detected(source: str) -> None:
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, attrs))

    Collect().feed(str(render(source)))
    assert tags, "something is rendered"
    for tag, attrs in tags:
        assert tag not in ("script", "iframe", "object", "embed", "style"), tags
        for name, value in attrs:
            assert not name.startswith("on"), tags
            if name in ("href", "src"):
                assert (value or "").startswith(("https:", "http:", "mailto:", "/", "#")), tags
    assert unsafe_markup(source)


def test_plain_markdown_renders_and_is_accepted() -> None:
    source = "# Need\n\n* one\n* two\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n[site](/challenges) [web](https://x.org) x <= 3"
    html = str(render(source))
    assert "<h1>Need</h1>" in html and "<table>" in html and 'href="https://x.org"' in html
    assert 'href="/challenges"' in html and "x &lt;= 3" in html
    assert unsafe_markup(source) == []


# ------------------------------------------------------------------------------ creating
def test_a_simulated_draft_is_built_by_the_job_and_audited(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    row, job = create(app, boss, data())
    assert job is not None and not row.is_published and row.bundle_sha256 is None
    assert (row.max_team_size, row.licence, row.holds_results) == (3, "MIT", True)
    HubQueue(app).run("challenge_data", str(job.id))
    row = get(app, "steady-hands")
    assert row.bundle_sha256 and row.primary_metric == "rep_mae"
    assert [m["name"] for m in row.metrics if m["primary"]] == ["rep_mae"]
    assert row.io_contract["public_recordings"] == 2 and row.io_contract["hidden_recordings"] == 5
    assert row.data_source == "simulator:shoulder-reach-game"
    assert starter_target(app, row) == "steady-hands"  # not the generator's own challenge
    with Session(get_engine(app)) as db:
        actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_id == row.id))]
        assert {"challenge.created", "challenge.data_built"} <= set(actions)
        assert db.get(ChallengeDataJob, job.id).status == "scored"


def test_only_managers_author(app: Flask, factories: Any) -> None:
    with pytest.raises(Forbidden):
        create(app, factories.user("developer"), data())
    assert counts(app)[0] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opens_at": day(5), "closes_at": day(2)}, "closes_at"),
        ({"closes_at": day(-1), "opens_at": day(-1)}, "closes_at"),
        ({"final_opens_at": day(30)}, "final_opens_at"),
        ({"description_md": "Hi <script>alert(1)</script>"}, "description_md"),
        ({"description_md": "[x](javascript:alert(1))"}, "description_md"),
        ({"description_md": '<b onmouseover="x()">b</b>'}, "description_md"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"kind": "nonsense"}, "kind"),
        ({"primary_metric": "exact_rate"}, "primary_metric"),
        ({"generator": "rep-counting"}, "generator"),
        ({"licence": "WTFPL"}, "licence"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"max_team_size": 99}, "max_team_size"),
        ({"title": "  "}, "title"),
        ({"source": "upload", "upload": None}, "bundle"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(
    app: Flask, factories: Any, change: dict[str, Any], field: str
) -> None:
    boss = manager(factories)
    before = counts(app)
    with pytest.raises(authoring.FieldErrors) as caught:
        create(app, boss, data(**change))
    assert field in caught.value.errors, caught.value.errors
    assert counts(app) == before


def test_a_second_challenge_with_the_same_address_is_refused(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    create(app, boss, data())
    with pytest.raises(authoring.FieldErrors) as caught:
        create(app, boss, data(title="Other"))
    assert "slug" in caught.value.errors


def test_an_uploaded_bundle_is_validated_like_the_cli(app: Flask, factories: Any, bundle_dir: Path) -> None:
    boss = manager(factories)
    upload = data(
        kind="analyzer", source="upload", primary_metric="", slug="uploaded", upload=zipped(bundle_dir)
    )
    row, job = create(app, boss, upload)
    assert job is None and row.bundle_sha256 and row.data_source == "upload"
    assert row.io_contract["hidden_recordings"] == 3 and row.kind == "analyzer"

    before = counts(app)
    broken = zipped(bundle_dir, drop="hidden/labels.json")
    with pytest.raises(authoring.FieldErrors) as caught:
        create(
            app, boss, data(kind="analyzer", source="upload", primary_metric="", slug="broken", upload=broken)
        )
    message = str(caught.value.errors["bundle"])
    assert "hidden/labels.json: missing labels file" in message and "/tmp" not in message
    with pytest.raises(authoring.FieldErrors) as caught:
        create(app, boss, data(kind="analyzer", source="upload", slug="broken", upload=b"not a zip"))
    assert "bundle" in caught.value.errors
    with pytest.raises(authoring.FieldErrors) as caught:
        create(app, boss, data(kind="game", source="upload", slug="broken", upload=zipped(bundle_dir)))
    assert "kind" in caught.value.errors
    with pytest.raises(authoring.FieldErrors) as caught:
        create(
            app,
            boss,
            data(
                kind="analyzer", source="upload", primary_metric="rmse", slug="x-y", upload=zipped(bundle_dir)
            ),
        )
    assert "primary_metric" in caught.value.errors
    assert counts(app) == before


def test_donated_sessions_become_public_and_hidden_splits(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    with pytest.raises(authoring.FieldErrors) as caught:  # nothing donated yet
        create(app, boss, data(kind="analyzer", source="donated", primary_metric="mae", slug="donated"))
    assert "donated_movement" in caught.value.errors
    history = seed_history(app, factories)
    with Session(get_engine(app), expire_on_commit=False) as db:
        patient, therapist = db.get(Patient, history.patient.id), db.get(User, history.therapist.id)
        donation.record_consent(db, patient=patient, therapist=therapist, evidence="signed form")
        assert donation.donate_sessions(db, patient=patient, therapist=therapist) >= 2
    row, job = create(
        app, boss, data(kind="analyzer", source="donated", primary_metric="mae", slug="donated")
    )
    assert job is None and row.bundle_sha256 and row.data_source == "donated"
    public_n, hidden_n = row.io_contract["public_recordings"], row.io_contract["hidden_recordings"]
    assert public_n >= 1 and hidden_n >= 1 and row.primary_metric == "mae"
    assert starter_target(app, row) == "donated"


# ----------------------------------------------------------------------------- lifecycle
def _ready(app: Flask, factories: Any, **kw: Any) -> tuple[User, Challenge]:
    boss = manager(factories)
    row, job = create(app, boss, data(**kw))
    assert job is not None
    HubQueue(app).run("challenge_data", str(job.id))
    return boss, get(app, row.slug)


def _scored(app: Flask, challenge: Challenge, developer: User, values: dict[str, float], name: str) -> None:
    from smarttouch.platform.models import Solution, Submission

    with Session(get_engine(app)) as db:
        sol = Solution(challenge_id=challenge.id, developer_id=developer.id, name=name, kind="game")
        db.add(sol)
        db.flush()
        sub = Submission(
            solution_id=sol.id, code_sha256=f"{developer.id:064d}", entrypoint="g:G", status="scored"
        )
        db.add(sub)
        db.flush()
        for split, value in values.items():
            db.add(Score(submission_id=sub.id, split=split, metric="rep_mae", value=value))
        db.commit()


def test_publish_extend_close_announce(app: Flask, factories: Any, smtp_server: Any) -> None:
    app.config["SMTP_URL"] = smtp_server.url
    boss = manager(factories)
    row, job = create(app, boss, data(slug="not-ready"))
    with Session(get_engine(app), expire_on_commit=False) as db:
        with pytest.raises(authoring.FieldErrors):  # its data is not built yet
            lifecycle.publish(db, challenge=db.get(Challenge, row.id), actor=db.get(User, boss.id))
    boss, row = _ready(app, factories)
    ada = factories.user("developer", full_name="Ada", locale="it")
    bob = factories.user("developer", full_name="Bob")
    _scored(app, row, ada, {"public": 3.0, "hidden": 1.0}, "a")
    _scored(app, row, bob, {"public": 1.0, "hidden": 2.0}, "b")
    composed: list[tuple[str, str, dict[str, Any]]] = []

    def compose(kind: str, user: User, values: dict[str, Any]) -> tuple[str, str]:
        composed.append((kind, user.full_name, values))
        return f"{kind} {row.title}", f"rank {values.get('rank')}"

    with Session(get_engine(app), expire_on_commit=False) as db:
        c, actor = db.get(Challenge, row.id), db.get(User, boss.id)
        assert phases.phase(c, NOW) == "draft"
        lifecycle.publish(db, challenge=c, actor=actor)
        assert phases.phase(c, NOW) == "development" and phases.daily_cap(c, NOW) == 4
        assert phases.daily_cap(c, day(11)) == 2
        with pytest.raises(authoring.FieldErrors) as caught:
            lifecycle.extend(
                db, challenge=c, closes_at=day(5), actor=actor, settings=app.config, compose=compose
            )
        assert "closes_at" in caught.value.errors
        done = lifecycle.extend(
            db, challenge=c, closes_at=day(30), actor=actor, settings=app.config, compose=compose
        )
        assert done.sent == 2 and c.closes_at == day(30)
        smtp_server.wait_for(2)
        with pytest.raises(authoring.FieldErrors):  # still open
            lifecycle.announce_results(db, challenge=c, actor=actor, settings=app.config, compose=compose)
        lifecycle.close(db, challenge=c, actor=actor)
        now = dt.datetime.now(dt.UTC)
        assert phases.phase(c, now) == "closed"
        board = leaderboards.build_leaderboard(db, challenge=c, now=now)
        assert board.split == "public"  # the final ranking waits for the announcement
        done = lifecycle.announce_results(db, challenge=c, actor=actor, settings=app.config, compose=compose)
        assert done.sent == 2
        board = leaderboards.build_leaderboard(db, challenge=c, now=dt.datetime.now(dt.UTC))
        assert board.split == "hidden" and [r.solution for r in board.rows] == ["a", "b"]
        with pytest.raises(authoring.FieldErrors):
            lifecycle.announce_results(db, challenge=c, actor=actor, settings=app.config, compose=compose)
        actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_id == c.id))]
    smtp_server.wait_for(4)
    results = {name: values["rank"] for kind, name, values in composed if kind == "results"}
    assert results == {"Ada": 1, "Bob": 2}
    assert [kind for kind, _, _ in composed].count("extended") == 2
    assert {
        "challenge.published",
        "challenge.extended",
        "challenge.closed",
        "challenge.results_announced",
    } <= set(actions)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([ada.email, bob.email] * 2)


def test_a_challenge_written_from_a_need_links_it_in_the_same_transaction(
    app: Flask, factories: Any, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smarttouch.platform.models import ClinicalNeed, NeedStatus
    from smarttouch.platform.services.needs import filing, needs_of, workflow
    from smarttouch.platform.web.need_mail import NeedMailer

    app.config["SMTP_URL"] = smtp_server.url
    boss, therapist = manager(factories), factories.user("therapist", email="anna@example.org")
    with Session(get_engine(app), expire_on_commit=False) as db:
        need = filing.propose(
            db,
            therapist=db.get(User, therapist.id),
            condition="parkinson",
            movement=None,
            problem="Patients stop after two minutes.",
            success="Ten minutes.",
        )
    with app.test_request_context():
        with Session(get_engine(app), expire_on_commit=False) as db:
            row, _ = authoring.create_challenge(
                db,
                data=data(need_id=need.id),
                actor=db.get(User, boss.id),
                blobs=get_blobstore(app),
                notify=NeedMailer(app.config),
            )
            linked = db.get(ClinicalNeed, need.id)
            assert (linked.status, linked.challenge_id) == (NeedStatus.challenge, row.id)
            assert [n.id for n in needs_of(db, row)] == [need.id]
    assert [m["To"] for m in smtp_server.messages if "became a challenge" in m["Subject"]] == [
        therapist.email
    ]
    with Session(get_engine(app), expire_on_commit=False) as db:
        second = filing.propose(
            db,
            therapist=db.get(User, therapist.id),
            condition="parkinson",
            movement=None,
            problem="Reaching games end too early.",
            success="Longer play.",
        )
    # another manager links the need between the form's check and the save: nothing is stored
    with Session(get_engine(app), expire_on_commit=False) as db:
        workflow.link_challenge(
            db, need=db.get(ClinicalNeed, second.id), challenge=row, actor=db.get(User, boss.id)
        )
    before = counts(app)
    monkeypatch.setattr(authoring, "check", lambda session, data, current=None: {})  # it passed
    with pytest.raises(authoring.FieldErrors) as caught:
        create(app, boss, data(slug="second-try", need_id=second.id))
    assert "need_id" in caught.value.errors and counts(app) == before
