"""Registers the pilots' after-scoring hook (:mod:`..services.clinic.scoring_hooks`): a scored
session of a patient in a running pilot runs that pilot's interim safety check
(:mod:`..services.pilots.safety_trigger`), mailing a new flag with :class:`.safety_mail.SafetyMailer`. Scoring
runs in an application context (a request, the CLI, or a worker's job:
:meth:`..jobs.queue.HubQueue.run`)."""

from __future__ import annotations

import logging
from datetime import tzinfo

from flask import current_app, has_app_context
from sqlmodel import Session

from ..models import ExerciseSession
from ..services.clinic import scoring_hooks
from ..services.pilots import safety_trigger
from ..web.urls import hub_url
from .safety_mail import SafetyMailer

log = logging.getLogger(__name__)


@scoring_hooks.register
def pilot_safety_after_scoring(session: Session, row: ExerciseSession, tz: tzinfo | str) -> None:
    if not has_app_context():  # no hub settings to mail with: the pilot page runs the check
        log.info("session %s scored outside the hub: pilot safety check left to the pilot page", row.id)
        return
    notify = SafetyMailer(current_app.config, hub_url())
    shared = scoring_hooks.shared_reads(session)  # the enrolments the pilot alert sources read
    safety_trigger.check_after_scoring(session, row, tz, notify=notify, shared=shared)
