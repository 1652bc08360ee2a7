"""The e-mail of a new pilot safety flag (:func:`..services.pilots.safety.check_safety`): one
message per recipient, in their language (their account's, else the hub's default), with the
numbers behind the flag said as the pilot page says them (:mod:`.fmt`), a link to the pilot
and no patient identity."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..models import Pilot, User
from ..services.mail import MailError, send_mail
from ..services.pilots.safety import SafetyCheck
from . import fmt

log = logging.getLogger(__name__)


def compose(pilot: Pilot, check: SafetyCheck, *, name: str, link: str) -> tuple[str, str]:
    """(subject, text) in the current locale."""
    subject = _("[SmartTouch] Pilot safety check: %(title)s", title=pilot.title)
    found = []
    if check.pain_stops_worse:
        found.append(
            _(
                "Sessions stopped for pain: solution %(a)s; comparison %(b)s; difference %(d)s.",
                a=fmt.share(check.pain_stops_pilot),
                b=fmt.share(check.pain_stops_comparison),
                d=fmt.est(check.pain_stop_difference, "pct"),
            )
        )
    if check.pain_after_worse:
        found.append(
            _(
                "Pain after sessions (0-10), solution minus comparison: %(d)s.",
                d=fmt.est(check.pain_after_difference, "num"),
            )
        )
    lines = [
        _("Hello %(name)s,", name=name),
        "",
        _(
            "The interim safety check of the pilot “%(title)s” found the solution's arm clearly "
            "worse for pain than the comparison:",
            title=pilot.title,
        ),
        "",
        *(f"- {line}" for line in found),
        "",
        _(
            "The rule: the 95%% confidence interval of the difference (pain stops, or pain rated "
            "after the session) lies entirely above zero. Review the pilot and its patients: %(url)s",
            url=link,
        ),
        "",
        _("No patient identities are included in this message."),
    ]
    return subject, "\n".join(lines) + "\n"


class SafetyMailer:
    """The ``notify`` of the safety check: sends each recipient their e-mail and returns how
    many were sent (a refused one is logged: the flag stands on the page and in the audit)."""

    def __init__(self, settings: Mapping[str, Any], base_url: str) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")

    def __call__(self, pilot: Pilot, check: SafetyCheck, recipients: Sequence[User]) -> int:
        default = str(self.settings.get("DEFAULT_LOCALE") or "en")
        link = f"{self.base_url}/pilots/{pilot.id}"
        sent = 0
        for user in sorted(recipients, key=lambda u: u.email):
            with force_locale(user.locale or default):
                subject, text = compose(pilot, check, name=user.full_name, link=link)
            try:
                send_mail(self.settings, to=user.email, subject=subject, text=text)
            except MailError as exc:
                log.warning("pilot %s: the safety e-mail to %s failed: %s", pilot.id, user.email, exc)
                continue
            sent += 1
        return sent
