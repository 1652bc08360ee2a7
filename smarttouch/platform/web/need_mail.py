"""The e-mails that tell a need's subscribers its news: one message per recipient, in their
language, with a link to the need (and to the catalogue entry that answered it)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..services.mail import MailError, send_mail
from ..services.needs.notices import NeedNotice, Recipient
from .urls import external_url

log = logging.getLogger(__name__)


def _compose(notice: NeedNotice, to: Recipient) -> tuple[str, str]:
    """(subject, text) in the current locale."""
    number = notice.need_id
    why = _("You receive this e-mail because you filed, support or discussed this need.")
    if notice.kind == "proposed":
        subject = _("New clinical need #%(n)d", n=number)
        body = _("%(who)s filed the clinical need #%(n)d:", who=notice.actor_name, n=number)
        body += f"\n\n{notice.detail}"
        why = _("You receive this e-mail because you manage the hub's challenges.")
    elif notice.kind == "accepted":
        subject = _("Clinical need #%(n)d was accepted", n=number)
        body = _("%(who)s accepted the clinical need #%(n)d.", who=notice.actor_name, n=number)
    elif notice.kind == "declined":
        subject = _("Clinical need #%(n)d was declined", n=number)
        body = _(
            "%(who)s declined the clinical need #%(n)d, for this reason:", who=notice.actor_name, n=number
        )
        body += f"\n\n{notice.detail}"
    elif notice.kind == "challenge":
        subject = _("Clinical need #%(n)d became a challenge", n=number)
        body = _(
            "%(who)s turned the clinical need #%(n)d into the challenge “%(title)s”.",
            who=notice.actor_name,
            n=number,
            title=notice.challenge_title or "",
        )
    elif notice.kind == "answered":
        subject = _("Clinical need #%(n)d is answered", n=number)
        body = _(
            "A solution of the challenge “%(title)s” entered the catalogue: it answers the clinical need #%(n)d.",
            title=notice.challenge_title or "",
            n=number,
        )
        if notice.solution_id is not None:
            body += "\n\n" + external_url("public.solution", solution_id=notice.solution_id)
    else:  # message
        subject = _("New message on clinical need #%(n)d", n=number)
        body = _("%(who)s wrote on the clinical need #%(n)d:", who=notice.actor_name, n=number)
        body += f"\n\n{notice.detail}"
    hello = _("Hello %(name)s,", name=to.name)
    link = _("Open the need: %(url)s", url=external_url("needs.detail", need_id=number))
    return subject, f"{hello}\n\n{body}\n\n{link}\n\n{why}\n"


class NeedMailer:
    """A ``notify`` callable for the needs services: sends each recipient their e-mail and
    counts the ones the mail server refused (``failed``), which the page reports."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings
        self.failed = 0

    def __call__(self, notice: NeedNotice) -> None:
        default = str(self.settings.get("DEFAULT_LOCALE") or "en")
        for to in notice.recipients:
            with force_locale(to.locale or default):
                subject, text = _compose(notice, to)
            try:
                send_mail(self.settings, to=to.email, subject=subject, text=text)
            except MailError as exc:
                self.failed += 1
                log.warning("need %s: the e-mail to %s failed: %s", notice.need_id, to.email, exc)
