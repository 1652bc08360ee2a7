"""Clinical needs, the services: filing with field-level validation (bad input stores nothing),
who may read and change them, the status workflow, support, the thread, the e-mails to the
subscribers (a real SMTP server) and the loop closing when a solution of the need's challenge
is approved into the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, func, select

from smarttouch.platform.models import (
    AuditEvent,
    Challenge,
    ClinicalNeed,
    NeedMessage,
    NeedStatus,
    NeedSupport,
    User,
)
from smarttouch.platform.services.challenges import review
from smarttouch.platform.services.errors import Forbidden, Invalid, NotFound
from smarttouch.platform.services.needs import (
    answers,
    filing,
    get_need,
    link_challenge,
    listing,
    thread,
    workflow,
)
from smarttouch.platform.services.needs.filing import NeedInvalid
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories
from smarttouch.platform.web.need_mail import NeedMailer
from tests.platform.test_public_pages import scored

PROBLEM = "Patients with Parkinson's stop the lantern game after 2 minutes."
SUCCESS = "They play for 10 minutes and the tremor does not end the game."


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


def _user(db: Session, user: User) -> User:
    return db.get(User, user.id)


def _file(db: Session, therapist: User, **kw: Any) -> ClinicalNeed:
    fields = {"condition": "parkinson", "movement": "wrist_flexion", "problem": PROBLEM, "success": SUCCESS}
    return filing.propose(db, therapist=_user(db, therapist), **{**fields, **kw})


def _count(db: Session, model: Any) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())


def _actions(db: Session) -> list[str]:
    return list(
        db.exec(
            select(AuditEvent.action)
            .where(col(AuditEvent.action).startswith("need."))
            .order_by(col(AuditEvent.id))
        )
    )


def test_filing_checks_every_field_at_once_and_stores_nothing_on_bad_input(
    db, make_user, make_patient
) -> None:
    therapist = make_user("therapist")
    make_patient(therapist, code="PT-7Q2X", display_name="Mario Rossi")
    with pytest.raises(NeedInvalid) as bad:
        _file(db, therapist, condition="gout", movement="juggling", problem="  ", success="x" * 2001)
    assert bad.value.errors == {
        "condition": "unknown",
        "movement": "unknown",
        "problem": "required",
        "success": "too_long",
    }
    with pytest.raises(NeedInvalid) as named:
        _file(db, therapist, problem="pt-7q2x stops after 2 minutes", data_help="sessions of mario rossi")
    assert named.value.errors == {"problem": "names_patient", "data_help": "names_patient"}
    with pytest.raises(NeedInvalid) as empty:
        _file(db, therapist, condition="")
    assert empty.value.errors == {"condition": "required"}
    assert _count(db, ClinicalNeed) == 0 and _actions(db) == []
    # another therapist's patient is not this therapist's to name; words inside words are not names
    need = _file(db, make_user("therapist"), problem="PT-7Q2X-like codes; Mariolino plays")
    assert need.status == NeedStatus.proposed and need.movement == "wrist_flexion"
    assert _count(db, ClinicalNeed) == 1 and _actions(db) == ["need.proposed"]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "need.proposed")).one()
    assert PROBLEM not in str(event.details) and event.target_id == need.id  # lengths, not words


def test_only_therapists_file_and_only_therapists_and_managers_read(db, make_user) -> None:
    need = _file(db, make_user("therapist"))
    for role, extra in (
        ("developer", {}),
        ("patient", {}),
        ("admin", {}),
        ("developer", {"is_challenge_manager": True}),
    ):
        with pytest.raises(Forbidden):  # managers who are not therapists read needs but file none
            _file(db, make_user(role, **extra))
    for role in ("developer", "patient"):
        someone = _user(db, make_user(role))
        with pytest.raises(Forbidden):
            listing.list_needs(db, user=someone)
        with pytest.raises(Forbidden):
            filing.need_for(db, user=someone, need_id=need.id)
        with pytest.raises(Forbidden):
            thread.post(db, author=someone, need=need, body="hello")
    for reader in (
        make_user("therapist"),
        make_user("admin"),
        make_user("developer", is_challenge_manager=True),
    ):
        assert [r.need.id for r in listing.list_needs(db, user=_user(db, reader)).rows] == [need.id]
    with pytest.raises(NotFound):
        get_need(db, 999_999)
    with pytest.raises(Forbidden):  # a therapist who is not a manager changes no status
        workflow.accept(db, need=need, actor=_user(db, make_user("therapist")))
    assert get_need(db, need.id).status == NeedStatus.proposed


def test_the_status_workflow(db, make_user, make_challenge) -> None:
    manager = _user(db, make_user("therapist", is_challenge_manager=True))
    need = _file(db, make_user("therapist"))
    draft = make_challenge(title="Steady lantern", is_published=False)
    with pytest.raises(Invalid, match="^reason: required"):
        workflow.decline(db, need=need, actor=manager, reason="   ")
    assert get_need(db, need.id).status == NeedStatus.proposed
    workflow.accept(db, need=need, actor=manager)
    with pytest.raises(Invalid, match="^status:"):
        workflow.accept(db, need=need, actor=manager)
    assert draft in workflow.linkable_challenges(db)  # drafts included
    link_challenge(db, need=need, challenge=draft, actor=manager)
    assert (need.status, need.challenge_id) == (NeedStatus.challenge, draft.id)
    with pytest.raises(Invalid, match="^status:"):
        workflow.decline(db, need=need, actor=manager, reason="too late")
    other = _file(db, make_user("therapist"))
    workflow.decline(db, need=other, actor=manager, reason="The lantern game already has an easy mode.")
    assert other.status == NeedStatus.declined and other.decline_reason.startswith("The lantern")
    with pytest.raises(Invalid, match="^status:"):
        link_challenge(db, need=other, challenge=draft, actor=manager)
    # a challenge created from a proposed need accepts it on the way
    third = _file(db, make_user("therapist"))
    link_challenge(db, need=third, challenge=draft, actor=manager)
    assert third.status == NeedStatus.challenge
    assert listing.status_counts(db, user=manager) == {
        "proposed": 0,
        "accepted": 0,
        "challenge": 2,
        "declined": 1,
        "answered": 0,
    }
    assert _actions(db).count("need.linked") == 2 and "need.declined" in _actions(db)


def test_support_is_a_plus_one_for_other_therapists(db, make_user, make_challenge) -> None:
    proposer = make_user("therapist")
    need = _file(db, proposer)
    colleague = _user(db, make_user("therapist"))
    with pytest.raises(Invalid):
        filing.support(db, user=_user(db, proposer), need=need)
    with pytest.raises(Forbidden):
        filing.support(db, user=_user(db, make_user("admin")), need=need)
    assert filing.support(db, user=colleague, need=need) is True
    assert filing.support(db, user=colleague, need=need) is False
    assert [u.id for u in filing.supporters(db, need)] == [colleague.id]
    [row] = listing.list_needs(db, user=colleague).rows
    assert (row.supporters, row.supported) == (1, True)
    assert filing.withdraw_support(db, user=colleague, need=need) is True
    assert filing.withdraw_support(db, user=colleague, need=need) is False
    assert _count(db, NeedSupport) == 0
    assert _actions(db) == ["need.proposed", "need.supported", "need.support_withdrawn"]


def test_a_thread_message_is_audited_and_checked(db, make_user, make_patient) -> None:
    proposer = make_user("therapist")
    make_patient(proposer, code="PT-SECRET")
    need = _file(db, proposer)
    with pytest.raises(Invalid, match="^body: names_patient"):
        thread.post(db, author=_user(db, proposer), need=need, body="PT-SECRET quits early")
    with pytest.raises(Invalid, match="^body: required"):
        thread.post(db, author=_user(db, proposer), need=need, body=" ")
    assert _count(db, NeedMessage) == 0
    manager = _user(db, make_user("developer", is_challenge_manager=True))
    thread.post(db, author=manager, need=need, body="How long are the sessions?")
    [m] = thread.thread(db, reader=_user(db, proposer), need=need)
    assert (m.body, m.author) == ("How long are the sessions?", manager.full_name)
    assert _actions(db)[-1] == "need.message"


def test_subscribers_get_an_email_in_their_language_not_the_author(
    app, db, make_user, make_challenge, smtp_server
) -> None:
    app.config["SMTP_URL"] = smtp_server.url
    proposer = make_user("therapist", email="proposer@example.org", full_name="Anna Proposer")
    supporter = make_user("therapist", email="supporter@example.org", locale="it")
    manager = _user(db, make_user("therapist", is_challenge_manager=True, email="manager@example.org"))
    need = _file(db, proposer)
    filing.support(db, user=_user(db, supporter), need=need)
    with app.test_request_context():
        mailer = NeedMailer(app.config)
        workflow.accept(db, need=need, actor=manager, notify=mailer)
        by_to = {m["To"]: m for m in smtp_server.messages}
        assert set(by_to) == {"proposer@example.org", "supporter@example.org"}
        assert by_to["proposer@example.org"]["Subject"] == f"Clinical need #{need.id} was accepted"
        assert (
            by_to["supporter@example.org"]["Subject"] == f"Il bisogno clinico n. {need.id} è stato accettato"
        )
        text = by_to["proposer@example.org"].get_body(preferencelist=("plain",)).get_content()
        assert "Hello Anna Proposer" in text and f"/needs/{need.id}" in text
        smtp_server.messages.clear()
        thread.post(db, author=_user(db, proposer), need=need, body="Ten minutes a day.", notify=mailer)
        assert [m["To"] for m in smtp_server.messages] == ["supporter@example.org"]  # not the author
        smtp_server.messages.clear()
        thread.post(db, author=manager, need=need, body="Noted.", notify=mailer)
        assert sorted(m["To"] for m in smtp_server.messages) == [
            "proposer@example.org",
            "supporter@example.org",
        ]
        smtp_server.messages.clear()
        link_challenge(
            db, need=need, challenge=make_challenge(title="Steady lantern"), actor=manager, notify=mailer
        )
        assert "Steady lantern" in smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
        assert mailer.failed == 0


def test_a_refused_email_is_counted_not_raised(app, db, make_user) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nobody listens there
    manager = _user(db, make_user("admin"))
    need = _file(db, make_user("therapist"))
    with app.test_request_context():
        mailer = NeedMailer(app.config)
        workflow.accept(db, need=need, actor=manager, notify=mailer)
    assert mailer.failed == 1 and get_need(db, need.id).status == NeedStatus.accepted


def test_approving_a_solution_answers_the_linked_needs(
    app, db, make_user, make_challenge, smtp_server
) -> None:
    app.config["SMTP_URL"] = smtp_server.url
    manager = _user(db, make_user("admin"))
    reviewer = _user(db, make_user("therapist", is_reviewer=True))
    challenge = make_challenge(title="Steady lantern")
    linked = _file(db, make_user("therapist", email="p1@example.org"))
    filing.support(db, user=_user(db, make_user("therapist", email="s1@example.org")), need=linked)
    link_challenge(db, need=linked, challenge=challenge, actor=manager)
    unlinked = _file(db, make_user("therapist"))
    developer = make_user("developer")
    _rejected_sol, rejected_sub = scored(app, challenge, developer, "shaky", 0.5, 0.5)
    solution_id, submission_id = scored(app, challenge, developer, "steady", 0.1, 0.2)
    with app.test_request_context():
        mailer = NeedMailer(app.config)
        review.decide(
            db, reviewer=reviewer, submission_id=rejected_sub, decision="rejected", note="no", notify=mailer
        )
        assert get_need(db, linked.id).status == NeedStatus.challenge and smtp_server.messages == []
        review.decide(
            db, reviewer=reviewer, submission_id=submission_id, decision="approved", note="", notify=mailer
        )
    db.expire_all()
    answered = get_need(db, linked.id)
    assert (answered.status, answered.solution_id) == (NeedStatus.answered, solution_id)
    assert answered.answered_at is not None and get_need(db, unlinked.id).status == NeedStatus.proposed
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "need.answered")).one()
    assert (event.actor_id, event.target_id, event.details["solution_id"]) == (
        reviewer.id,
        linked.id,
        solution_id,
    )
    assert sorted(m["To"] for m in smtp_server.messages) == ["p1@example.org", "s1@example.org"]
    text = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert f"/catalogue/{solution_id}" in text and "Steady lantern" in text
    # the catalogue entry knows where it came from
    origin = answers.origins(db, solution_ids=[solution_id])[solution_id]
    assert origin.challenge_title == "Steady lantern" and [n.id for n in origin.needs] == [linked.id]
    # a second approval leaves the answer as it was
    second_sol, second_sub = scored(app, challenge, developer, "steadier", 0.05, 0.1)
    review.decide(db, reviewer=reviewer, submission_id=second_sub, decision="approved", note="")
    db.expire_all()
    assert get_need(db, linked.id).solution_id == solution_id and second_sol != solution_id
    assert _actions(db).count("need.answered") == 1


def test_an_approval_overturned_reopens_the_need(app, db, make_user, make_challenge) -> None:
    reviewer = _user(db, make_user("therapist", is_reviewer=True))
    challenge = make_challenge(title="Steady lantern")
    need = _file(db, make_user("therapist"))
    link_challenge(db, need=need, challenge=challenge, actor=_user(db, make_user("admin")))
    solution_id, submission_id = scored(app, challenge, make_user("developer"), "steady", 0.1, 0.2)
    review.decide(db, reviewer=reviewer, submission_id=submission_id, decision="approved", note="")
    db.expire_all()
    assert get_need(db, need.id).status == NeedStatus.answered
    review.decide(db, reviewer=reviewer, submission_id=submission_id, decision="rejected", note="unsafe")
    db.expire_all()
    reopened = get_need(db, need.id)
    assert (reopened.status, reopened.solution_id, reopened.answered_at) == (NeedStatus.challenge, None, None)
    assert _actions(db)[-1] == "need.reopened"
    review.decide(db, reviewer=reviewer, submission_id=submission_id, decision="approved", note="")
    db.expire_all()
    assert (get_need(db, need.id).status, get_need(db, need.id).solution_id) == (
        NeedStatus.answered,
        solution_id,
    )


def test_the_whole_loop_on_each_database(db_app: Flask) -> None:
    """File, support, accept, link, approve: the same answers on SQLite and PostgreSQL."""
    make = Factories(db_app)
    proposer, colleague = make.user("therapist"), make.user("therapist")
    manager, reviewer = make.user("admin"), make.user("therapist", is_reviewer=True)
    challenge = make.challenge(title="Steady lantern", kind="game")
    solution_id, submission_id = scored(db_app, challenge, make.user("developer"), "steady", 0.1, 0.2)
    with Session(get_engine(db_app), expire_on_commit=False) as db:
        need = _file(db, proposer)
        filing.support(db, user=_user(db, colleague), need=need)
        thread.post(db, author=_user(db, manager), need=need, body="Which hand?")
        workflow.accept(db, need=need, actor=_user(db, manager))
        link_challenge(db, need=need, challenge=db.get(Challenge, challenge.id), actor=_user(db, manager))
        review.decide(
            db, reviewer=_user(db, reviewer), submission_id=submission_id, decision="approved", note=""
        )
        db.expire_all()
        [row] = listing.list_needs(
            db, user=_user(db, colleague), filt=listing.NeedFilter(status="answered")
        ).rows
        assert (row.need.solution_id, row.supporters, row.messages, row.supported) == (
            solution_id,
            1,
            1,
            True,
        )
        assert listing.status_counts(db, user=_user(db, manager))["answered"] == 1
        origin = answers.origins(db, solution_ids=[solution_id])[solution_id]
        assert [n.id for n in origin.needs] == [need.id]
        assert _actions(db) == [
            "need.proposed",
            "need.supported",
            "need.message",
            "need.accepted",
            "need.linked",
            "need.answered",
        ]


def test_a_concurrent_second_support_is_not_an_error(db, make_user, monkeypatch) -> None:
    need = _file(db, make_user("therapist"))
    colleague = _user(db, make_user("therapist"))
    assert filing.support(db, user=colleague, need=need) is True
    # the other tab checked before this one's row was committed
    monkeypatch.setattr(filing, "_support_row", lambda *_a: None)
    assert filing.support(db, user=colleague, need=need) is False
    assert _count(db, NeedSupport) == 1 and _actions(db).count("need.supported") == 1


def test_the_list_is_filtered_and_paged_newest_first(db, make_user) -> None:
    therapist, manager = make_user("therapist"), _user(db, make_user("admin"))
    stroke = [_file(db, therapist, condition="post_stroke", movement="shoulder_flexion") for _ in range(3)]
    parkinson = [_file(db, therapist) for _ in range(2)]
    workflow.accept(db, need=stroke[0], actor=manager)
    everything = listing.list_needs(db, user=manager, per_page=2)
    assert (everything.total, everything.page, everything.pages) == (5, 1, 3)
    assert [r.need.id for r in everything.rows] == [parkinson[1].id, parkinson[0].id]
    last = listing.list_needs(db, user=manager, page=99, per_page=2)  # brought back within the pages
    assert (last.page, [r.need.id for r in last.rows]) == (3, [stroke[0].id])
    by_condition = listing.NeedFilter(condition="post_stroke")
    assert [r.need.id for r in listing.list_needs(db, user=manager, filt=by_condition).rows] == [
        n.id for n in reversed(stroke)
    ]
    accepted = listing.NeedFilter(status="accepted", movement="shoulder_flexion")
    assert [r.need.id for r in listing.list_needs(db, user=manager, filt=accepted).rows] == [stroke[0].id]
    assert listing.list_needs(db, user=manager, filt=listing.NeedFilter(movement="sit_to_stand")).total == 0
    counts = listing.status_counts(
        db, user=manager, filt=listing.NeedFilter(status="declined", condition="post_stroke")
    )
    assert (counts["proposed"], counts["accepted"]) == (2, 1)  # the status tabs keep the other filters


def test_the_filter_comes_from_the_query_string() -> None:
    filt, errors = listing.parse_filter(
        {"status": "accepted", "condition": "bogus", "movement": " sit_to_stand "}
    )
    assert filt == listing.NeedFilter(status="accepted", movement="sit_to_stand")
    assert errors == {"condition": "unknown"}
    assert filt.as_query() == {"status": "accepted", "movement": "sit_to_stand"}
    assert filt.as_query(status="") == {"movement": "sit_to_stand"}
    assert listing.parse_filter({}) == (listing.NeedFilter(), {})
