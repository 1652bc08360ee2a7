"""A pilot as FHIR R4B: one ``ResearchStudy`` and a ``ResearchSubject`` per invited patient,
in a validated collection ``Bundle`` (fhir.resources), beside the per-patient bundle of
:mod:`..rights.fhir_export`.

Pseudonymised throughout: a subject's ``individual`` is a logical reference by the pilot's
pseudonym (``S01``...) in the hub's ``pilot-subject`` naming system, never the patient's code
or name; the bundle carries the ``PSEUDED`` security label. The study's arms are the solution
and the comparator; each subject's ``assignedArm`` is the arm allocated at consent, and its
status says where they are (invited: ``candidate``; consented: ``on-study``; withdrawn:
``withdrawn``; consented and the pilot closed: ``off-study``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session

from ...models import Activity, Pilot, PilotArm, PilotComparator, PilotStatus, User, pk, utcnow
from .. import audit
from ..errors import NotFound
from ..rights.fhir.codes import DEFAULT_BASE, PSEUDONYMISED_LABEL
from ..rights.fhir.mapping import CONDITION_TEXT
from . import pilots

STUDY_STATUS = {
    PilotStatus.recruiting: "active",
    PilotStatus.running: "active",
    PilotStatus.closed: "completed",
}
ARM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-arm-type"


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _ref_id(base: str, *key: object) -> str:
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, base), ":".join(map(str, key))))


def _subject_status(pilot: Pilot, consented: bool, withdrawn: bool) -> str:
    if withdrawn:
        return "withdrawn"
    if not consented:
        return "candidate"
    return "off-study" if pilot.status == PilotStatus.closed else "on-study"


def study_resource(session: Session, pilot: Pilot, *, base: str = DEFAULT_BASE) -> dict[str, Any]:
    """The ``ResearchStudy`` of a pilot (as a dict ready for validation)."""
    solution = session.get(Activity, pilot.activity_id)
    comparator = session.get(Activity, pilot.comparator_activity_id) if pilot.comparator_activity_id else None
    arms = [
        {
            "name": PilotArm.pilot.value,
            "type": {
                "coding": [{"system": ARM_TYPE_SYSTEM, "code": "experimental", "display": "Experimental"}]
            },
            "description": f"plays the approved solution {solution.title if solution else pilot.activity_id}",
        }
    ]
    if pilot.comparator == PilotComparator.builtin_game:
        arms.append(
            {
                "name": PilotArm.comparator.value,
                "type": {
                    "coding": [
                        {
                            "system": ARM_TYPE_SYSTEM,
                            "code": "active-comparator",
                            "display": "Active Comparator",
                        }
                    ]
                },
                "description": f"plays the built-in game {comparator.title if comparator else ''}".strip(),
            }
        )
    design = (
        "Patients randomised 1:1 (permuted blocks of two) to the solution or the built-in game."
        if pilot.comparator == PilotComparator.builtin_game
        else f"Every patient plays the solution, compared with their own {pilots.BASELINE_WEEKS} weeks before."
    )
    study: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": _ref_id(base, "pilot", pk(pilot)),
        "identifier": [{"system": f"{base}/NamingSystem/pilot", "value": str(pk(pilot))}],
        "title": pilot.title,
        "status": STUDY_STATUS.get(PilotStatus(pilot.status), "active"),
        "primaryPurposeType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type",
                    "code": "treatment",
                }
            ]
        },
        "condition": [{"text": CONDITION_TEXT.get(pilot.condition, pilot.condition)}],
        "keyword": [{"text": pilot.movement}],
        "description": f"{pilot.question}\n\n{design} Target: {pilot.target_patients} patients.",
        "period": {"start": pilot.starts_on.isoformat(), "end": pilot.ends_on.isoformat()},
        "arm": arms,
        "objective": [{"name": pilot.question[:200]}],
    }
    return study


def export_pilot_bundle(
    session: Session,
    pilot: Pilot,
    *,
    actor: User | None,
    base: str = DEFAULT_BASE,
    ip: str | None = None,
) -> Bundle:
    """The pilot's validated, pseudonymised collection bundle; audited as ``pilot.exported``.
    ``actor`` must be allowed to see the pilot (:func:`.pilots.can_view`); None is the CLI."""
    if actor is not None and not pilots.can_view(actor, pilot):
        raise NotFound(f"pilot {pilot.id} not found")
    base = base.rstrip("/")
    study = study_resource(session, pilot, base=base)
    entries: list[dict[str, Any]] = [study]
    subject_system = f"{base}/NamingSystem/pilot-{pk(pilot)}-subject"
    for i, (e, _patient) in enumerate(pilots.enrolments(session, pilot=pilot)):
        pseudonym = f"S{i + 1:02d}"
        consented = e.consented_at is not None
        end = e.withdrawn_at or (pilot.closed_at if consented else None)
        subject: dict[str, Any] = {
            "resourceType": "ResearchSubject",
            "id": _ref_id(base, "pilot-subject", pk(pilot), pk(e)),
            "identifier": [{"system": subject_system, "value": pseudonym}],
            "status": _subject_status(pilot, consented, e.withdrawn_at is not None),
            "study": {"reference": f"urn:uuid:{study['id']}"},
            "individual": {
                "identifier": {"system": subject_system, "value": pseudonym},
                "display": pseudonym,
            },
        }
        if consented and e.consented_at is not None:
            subject["period"] = {"start": _instant(e.consented_at)}
            if end is not None:
                subject["period"]["end"] = _instant(end)
        if e.arm:
            subject["assignedArm"] = e.arm
            subject["actualArm"] = e.arm
        entries.append(subject)
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": _instant(utcnow()),
            "identifier": {"system": f"{base}/NamingSystem/export", "value": str(uuid.uuid4())},
            "meta": {"security": [PSEUDONYMISED_LABEL]},
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
        }
    )
    audit.record(
        session,
        action="pilot.exported",
        actor=actor,
        target_type="pilot",
        target_id=pilot.id,
        details={"format": "fhir", "subjects": len(entries) - 1},
        ip=ip,
    )
    session.commit()
    return bundle
