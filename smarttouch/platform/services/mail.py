"""Outgoing e-mail: one function, :func:`send_mail`, for every message the hub sends.

The server comes from the ``SMTP_URL`` setting:

* ``smtp://[user:password@]host[:port]``: plain SMTP (port 25 by default), upgraded with
  STARTTLS when the server offers it; ``?starttls=require`` refuses a server that does not.
* ``smtps://[user:password@]host[:port]``: TLS from the first byte (port 465 by default).

When ``SMTP_URL`` is empty (``make demo``, a laptop) nothing is sent: the message is written
to the hub's log and printed on the console, so a verification or invitation link can still
be followed. Callers never see the difference except through the returned
:class:`Delivery`.

Services receive the settings as a plain mapping (``current_app.config`` in a view), so this
module imports nothing from Flask.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import ServiceError

log = logging.getLogger(__name__)

#: Seconds to wait for the mail server before giving up on one message.
SMTP_TIMEOUT_S = 10.0


class MailError(ServiceError):
    """The message could not be handed to the mail server; the text says why."""

    status = 502
    code = "mail_failed"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, parsed from ``SMTP_URL``."""

    host: str
    port: int
    tls: bool  # TLS from the start (smtps)
    starttls: str  # "auto" (when offered), "require" or "never"
    user: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: ``sent`` through SMTP or ``logged`` (no server set)."""

    how: str
    message_id: str


def parse_smtp_url(url: str) -> SmtpServer:
    """Parse ``smtp://`` / ``smtps://`` URLs; raises :class:`MailError` naming the problem."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise MailError(
            f"SMARTTOUCH_SMTP_URL={url!r}: expected smtp://[user:password@]host[:port] or smtps://..."
        )
    try:
        port = parts.port
    except ValueError:
        raise MailError(f"SMARTTOUCH_SMTP_URL={url!r}: the port is not a number") from None
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["auto"])[0].lower()
    if starttls not in {"auto", "require", "never"}:
        raise MailError(f"SMARTTOUCH_SMTP_URL: starttls={starttls!r}, expected auto, require or never")
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        tls=tls,
        starttls="never" if tls else starttls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(
    *, sender: str, to: Sequence[str], subject: str, text: str, html: str | None = None
) -> EmailMessage:
    """A MIME message with a plain-text body and, when given, an HTML alternative.

    Header injection is impossible by construction: a subject or address holding a line break
    raises :class:`MailError` instead of being sent.
    """
    for value in (sender, subject, *to):
        if "\n" in value or "\r" in value:
            raise MailError("an e-mail header may not contain a line break")
    if not to or any("@" not in parseaddr(addr)[1] for addr in to):
        raise MailError(f"not an e-mail address: {', '.join(to) or '(none)'}")
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=addr.rpartition("@")[2] or "smarttouch.invalid")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def _deliver(server: SmtpServer, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.tls:
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_S)
    with smtp:
        smtp.ehlo()
        if server.starttls != "never" and not server.tls:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif server.starttls == "require":
                raise MailError(f"{server.host}:{server.port} does not offer STARTTLS")
        if server.user:
            smtp.login(server.user, server.password or "")
        smtp.send_message(msg)


def send_mail(
    settings: Mapping[str, Any],
    *,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
) -> Delivery:
    """Send one message with the hub's ``SMTP_URL`` and ``MAIL_FROM`` settings.

    Without ``SMTP_URL`` the message is logged and printed to stderr (the demo's console) and
    ``Delivery.how == "logged"``. Raises :class:`MailError` when the server refuses or cannot
    be reached, so the caller can tell the user instead of pretending it was sent.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    sender = str(settings.get("MAIL_FROM") or "SmartTouch <no-reply@smarttouch.invalid>")
    msg = build_message(sender=sender, to=recipients, subject=subject, text=text, html=html)
    message_id = str(msg["Message-ID"])
    url = str(settings.get("SMTP_URL") or "")
    if not url:
        log.info("mail not sent (SMARTTOUCH_SMTP_URL unset) to %s: %s", msg["To"], subject)
        print(
            f"\n--- e-mail to {msg['To']} (not sent: SMARTTOUCH_SMTP_URL is unset) ---\n"
            f"Subject: {subject}\n\n{text}\n--- end of e-mail ---\n",
            file=sys.stderr,
            flush=True,
        )
        return Delivery("logged", message_id)
    server = parse_smtp_url(url)
    try:
        _deliver(server, msg)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s failed: %s", msg["To"], exc)
        raise MailError(
            f"the mail server {server.host}:{server.port} did not take the message: {exc}"
        ) from exc
    log.info("mail sent to %s: %s", msg["To"], subject)
    return Delivery("sent", message_id)
