"""The hub's outgoing mail against a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import pytest

from smarttouch.platform.services.mail import MailError, parse_smtp_url, send_mail


def test_send_mail_reaches_a_real_smtp_server(smtp_server) -> None:
    settings = {"SMTP_URL": smtp_server.url, "MAIL_FROM": "Hub <hub@example.org>"}
    delivery = send_mail(
        settings, to="ada@example.org", subject="Benvenuta", text="Ciao àè", html="<p>Ciao</p>"
    )
    assert delivery.how == "sent"
    (msg,) = smtp_server.wait_for(1)
    assert msg["To"] == "ada@example.org"
    assert msg["Subject"] == "Benvenuta"
    assert msg["Message-ID"] == delivery.message_id
    assert "Ciao àè" in msg.get_body(preferencelist=("plain",)).get_content()
    assert "<p>Ciao</p>" in msg.get_body(preferencelist=("html",)).get_content()


def test_without_smtp_url_the_mail_is_printed_not_sent(capsys) -> None:
    delivery = send_mail({"SMTP_URL": ""}, to="bob@example.org", subject="Link", text="open http://x/1")
    assert delivery.how == "logged"
    assert "open http://x/1" in capsys.readouterr().err


def test_unreachable_server_is_a_clear_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(MailError, match="did not take the message"):
        send_mail({"SMTP_URL": f"smtp://127.0.0.1:{port}"}, to="a@example.org", subject="s", text="t")


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://host:port", "smtp://h?starttls=maybe"]
)
def test_bad_smtp_urls_are_rejected(url: str) -> None:
    with pytest.raises(MailError):
        parse_smtp_url(url)


def test_smtp_url_parts() -> None:
    server = parse_smtp_url("smtps://user%40x:p%3Ass@mail.example.org")
    assert (server.host, server.port, server.tls, server.user, server.password) == (
        "mail.example.org",
        465,
        True,
        "user@x",
        "p:ss",
    )


@pytest.mark.parametrize("bad", ["a@example.org\nBcc: x@example.org", "not-an-address"])
def test_header_injection_and_bad_addresses_are_refused(bad: str) -> None:
    with pytest.raises(MailError):
        send_mail({"SMTP_URL": ""}, to=bad, subject="s", text="t")
