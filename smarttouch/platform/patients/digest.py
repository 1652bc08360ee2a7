"""The daily alert digest: one plain-text e-mail per therapist whose caseload needs attention.

It is the caseload's "needs attention" group in words (the same reasons as the page, after
bringing the time-driven alerts up to date) with each open alert described, in the
therapist's language, and a link to the hub. Sent with :func:`services.mail.send_mail` by
``smarttouch alerts digest`` (run it once a day, e.g. from cron or a systemd timer); without
``SMARTTOUCH_SMTP_URL`` the messages are printed, as every e-mail of the hub is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..i18n import units
from ..models import Role, User, pk
from ..services import audit
from ..services.clinic import alerts, caseload
from ..services.mail import Delivery, MailError, send_mail
from .alert_text import alert_title, describe_alert, reason_text


@dataclass(frozen=True)
class DigestResult:
    email: str
    patients: int
    alerts: int
    delivery: str  # "sent", "logged" or "failed: <reason>"


def compose(
    session: Session, *, therapist: User, today: date, tz: ZoneInfo, base_url: str
) -> tuple[str, str, int, int] | None:
    """(subject, text, patients, open alerts) of one therapist's digest; None when nobody
    needs attention. Call inside an application context with the therapist's locale."""
    caseload.refresh_alerts(session, therapist=therapist, today=today, tz=tz)
    rows = [
        r for r in caseload.caseload(session, therapist=therapist, today=today, tz=tz) if r.needs_attention
    ]
    if not rows:
        return None
    open_by_patient = alerts.open_alerts_of(session, patient_ids=[pk(r.patient) for r in rows])
    n_alerts = sum(len(v) for v in open_by_patient.values())
    subject = ngettext(
        "SmartTouch: %(num)d patient needs attention (%(date)s)",
        "SmartTouch: %(num)d patients need attention (%(date)s)",
        len(rows),
        date=units.day(today),
    )
    lines = [_("Good morning %(name)s,", name=therapist.full_name), "", subject.split(": ", 1)[1], ""]
    for r in rows:
        p = r.patient
        lines.append(f"{p.code}{' · ' + p.display_name if p.display_name else ''}")
        lines.extend(f"  - {reason_text(x)}" for x in r.reasons)
        for a in open_by_patient.get(pk(p), []):
            lines.append(f"  * {alert_title(a)}: {describe_alert(a, today)}")
        lines.append(f"  {base_url.rstrip('/')}/patients/{p.id}")
        lines.append("")
    lines.append(_("Open the hub to acknowledge the alerts: %(url)s", url=base_url.rstrip("/") + "/patients"))
    return subject, "\n".join(lines), len(rows), n_alerts


def send_digests(
    session: Session,
    *,
    today: date,
    tz: ZoneInfo,
    base_url: str,
    settings: Mapping[str, Any] | None = None,
    send: Callable[..., Delivery] = send_mail,
) -> list[DigestResult]:
    """Send each active therapist's digest (in their language); audited as
    ``alert.digest_sent`` per therapist. A refused message is reported, not raised."""
    settings = settings if settings is not None else current_app.config
    therapists = session.exec(
        select(User).where(User.role == Role.therapist, col(User.is_active).is_(True)).order_by(col(User.id))
    ).all()
    out = []
    for t in therapists:
        with force_locale(t.locale or str(settings.get("DEFAULT_LOCALE") or "en")):
            composed = compose(session, therapist=t, today=today, tz=tz, base_url=base_url)
        if composed is None:
            continue
        subject, text, n_patients, n_alerts = composed
        try:
            delivery = send(settings, to=t.email, subject=subject, text=text).how
        except MailError as exc:
            delivery = f"failed: {exc}"
        audit.record(
            session,
            action="alert.digest_sent",
            actor=None,
            target_type="user",
            target_id=t.id,
            details={
                "patients": n_patients,
                "alerts": n_alerts,
                "delivery": delivery,
                "day": today.isoformat(),
            },
        )
        session.commit()
        out.append(DigestResult(t.email, n_patients, n_alerts, delivery))
    return out
