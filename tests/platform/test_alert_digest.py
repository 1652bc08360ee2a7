"""The daily alert digest: `smarttouch alerts digest` e-mails each therapist the patients
who need attention (in the therapist's language) through a real SMTP server."""

from __future__ import annotations

from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session, days_ago


def test_digest_reaches_each_therapist_in_their_language(
    runner, smtp_server, make_user, make_patient, make_assignment, app
) -> None:
    english = make_user("therapist", email="ann@example.org", full_name="Ann Lee")
    italian = make_user("therapist", email="bea@example.org", full_name="Bea Neri", locale="it")
    quiet = make_user("therapist", email="cal@example.org")
    pained = make_patient(english, code="PT-PAIN")
    make_assignment(pained, start_date=days_ago(30))
    add_session(app, pained, days_ago(1), quit_reason="pain")
    silent = make_patient(italian, code="PT-SILENT")
    make_assignment(silent, start_date=days_ago(30))
    add_session(app, silent, days_ago(8))
    fine = make_patient(quiet, code="PT-FINE")
    add_session(app, fine, days_ago(0))
    runner.env["SMARTTOUCH_SMTP_URL"] = smtp_server.url
    result = runner.invoke("alerts", "digest")
    assert result.exit_code == 0, result.output
    assert "ann@example.org: 1 patient(s)" in result.output and "cal@example.org" not in result.output
    messages = {m["To"]: m for m in smtp_server.wait_for(2)}
    assert set(messages) == {"ann@example.org", "bea@example.org"}
    ann = messages["ann@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert messages["ann@example.org"]["Subject"].startswith("SmartTouch: 1 patient needs attention")
    assert "PT-PAIN" in ann and "Stopped a session for pain on" in ann
    assert "The session of" in ann and "was stopped for pain" in ann  # the open alert, described
    assert "PT-SILENT" not in ann
    bea = messages["bea@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "PT-SILENT" in bea and "Nessuna sessione da 8 giorni." in bea
    assert messages["bea@example.org"]["Subject"].startswith("SmartTouch: 1 paziente")
    with Session(get_engine(app)) as db:
        sent = db.exec(select(AuditEvent).where(AuditEvent.action == "alert.digest_sent")).all()
        assert sorted(e.details["delivery"] for e in sent) == ["sent", "sent"]


def test_digest_with_nobody_to_report(runner, smtp_server, make_user) -> None:
    make_user("therapist")
    runner.env["SMARTTOUCH_SMTP_URL"] = smtp_server.url
    result = runner.invoke("alerts", "digest")
    assert result.exit_code == 0 and "no digest sent" in result.output
    assert smtp_server.messages == []
