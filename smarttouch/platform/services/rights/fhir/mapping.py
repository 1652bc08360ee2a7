"""Hub records -> HL7 FHIR R4 resources (validated with ``fhir.resources.R4B``).

Pure functions: :func:`build_bundle` takes an :class:`ExportData` (the rows the service
gathered) and returns a validated ``Bundle`` of type ``collection`` holding the Patient, its
CarePlan with one activity and one Goal per version of each assignment (the terms as they
were over the days each version was in force), one Observation per session metric and the
Devices (wearable sensors, else the home client) that produced them. A session's
Observations are outcomes of the version in force on the session's day.

Resource ids are UUIDs derived (uuid5) from the SmartTouch base and the hub row, so exporting
twice gives the same ids and a receiving system can update instead of duplicating. In the
pseudonymous mode (the default) no name, birth year, free-text note or device serial leaves
the hub and the bundle carries the ``PSEUDED`` security label.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from ....models import (
    AssignmentVersion,
    Device,
    ExerciseSession,
    Patient,
    SessionFeeling,
    SessionMetricsRecord,
    pk,
)
from ...clinic.plan_versions import Span, saved_id
from .codes import (
    ASKED_DECLINED,
    DEGREES,
    FEELINGS,
    METRICS,
    PSEUDONYMISED_LABEL,
    REPETITIONS,
    SCORE,
    SURVEY_CATEGORY,
    THERAPY_CATEGORY,
    MetricCode,
    Systems,
    body_site,
    quantity,
)

CONDITION_TEXT = {
    "post_stroke": "post-stroke hemiparesis",
    "parkinson": "Parkinson's disease",
    "copd": "COPD",
    "multiple_sclerosis": "multiple sclerosis",
    "knee_osteoarthritis": "knee osteoarthritis",
    "frailty": "frailty",
    "other": "other condition",
}


@dataclass(frozen=True)
class SensorInfo:
    """The wearable that recorded a session, read from the recording's metadata."""

    profile: str
    name: str = ""
    placement: str = ""


@dataclass
class ExportData:
    """Everything one patient's bundle is built from (gathered by the export service)."""

    patient: Patient
    plan: list[Span]  # every version in force during the period, with all its days
    sessions: list[tuple[ExerciseSession, SessionMetricsRecord | None]]
    today: date
    identified: bool = False
    sensors: dict[int, SensorInfo] = field(default_factory=dict)  # session id -> sensor
    home_devices: dict[int, Device] = field(default_factory=dict)  # device id -> row
    period: tuple[date | None, date | None] = (None, None)
    session_terms: dict[int, AssignmentVersion] = field(
        default_factory=dict
    )  # session id -> version that day
    feelings: dict[int, list[SessionFeeling]] = field(default_factory=dict)  # session id -> ratings


class _Ids:
    """Deterministic ``urn:uuid`` references for hub rows."""

    def __init__(self, systems: Systems) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, systems.base)
        self._cache: dict[str, str] = {}

    def id(self, kind: str, *key: object) -> str:
        name = ":".join([kind, *map(str, key)])
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = str(uuid.uuid5(self.namespace, name))
        return found

    def ref(self, kind: str, *key: object) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.id(kind, *key)}"}


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def span_state(span: Span, today: date) -> str:
    """``scheduled``, ``in-progress``, ``completed`` (its end date passed) or ``stopped``
    (replaced by a later version, or ended by the therapist)."""
    if span.last is not None and span.last < today:
        return "stopped" if span.replaced else "completed"
    if span.first > today:
        return "scheduled"
    return "in-progress"


def _goal_key(span: Span) -> tuple[object, ...]:
    """The Goal's id key after ``goal``: version 1 keeps the assignment's own Goal id, so
    unchanged plans export as before."""
    a, v = span.assignment, span.version
    return (a.id,) if v.version == 1 else (a.id, "version", v.version)


def _period(span: Span) -> dict[str, str]:
    return {"start": span.first.isoformat(), **({"end": span.last.isoformat()} if span.last else {})}


_GOAL_STATUS = {
    "scheduled": "planned",
    "in-progress": "active",
    "completed": "completed",
    "stopped": "cancelled",
}


def _movement_text(movement: str | None) -> str:
    return (movement or "unspecified movement").replace("_", " ")


def _patient(data: ExportData, ids: _Ids, systems: Systems) -> dict[str, Any]:
    p = data.patient
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ids.id("patient", p.id),
        "identifier": [
            {
                "use": "secondary" if data.identified else "usual",
                "system": systems.patient_code,
                "value": p.code,
            }
        ],
        "active": True,
    }
    if data.identified:
        if p.display_name:
            resource["name"] = [{"use": "usual", "text": p.display_name}]
        if p.birth_year:
            resource["birthDate"] = f"{p.birth_year:04d}"
    return resource


def _goal(span: Span, data: ExportData, ids: _Ids, systems: Systems) -> dict[str, Any]:
    v = span.version
    movement = _movement_text(v.movement)
    rom = METRICS["rom-max"]
    reps = METRICS["reps"]
    rom_target: dict[str, Any] = {
        "measure": {"coding": rom.codings(systems), "text": f"Range of motion, {movement}"},
        "detailQuantity": quantity(float(v.target_rom_deg), DEGREES),
    }
    if span.last is not None:
        rom_target["dueDate"] = span.last.isoformat()
    reps_target = {
        "measure": {"coding": reps.codings(systems), "text": "Repetitions per set"},
        "detailQuantity": quantity(v.reps, REPETITIONS),
    }
    return {
        "resourceType": "Goal",
        "id": ids.id("goal", *_goal_key(span)),
        "lifecycleStatus": _GOAL_STATUS[span_state(span, data.today)],
        "description": {
            "text": f"{movement.capitalize()} to {v.target_rom_deg:g} deg, {v.sets} x {v.reps} repetitions"
        },
        "subject": ids.ref("patient", data.patient.id),
        "startDate": span.first.isoformat(),
        "target": [rom_target, reps_target],
    }


def _careplan(
    data: ExportData, ids: _Ids, systems: Systems, outcomes: dict[tuple[int, int], list[dict[str, str]]]
) -> dict[str, Any]:
    p = data.patient
    states = [span_state(span, data.today) for span in data.plan]
    active = any(s in ("in-progress", "scheduled") for s in states)
    ends = [span.last for span in data.plan]
    period: dict[str, str] = {"start": min(span.first for span in data.plan).isoformat()}
    if not active and all(e is not None for e in ends):
        period["end"] = max(e for e in ends if e is not None).isoformat()
    activities = []
    for span, state in zip(data.plan, states):
        v, activity = span.version, span.activity
        detail: dict[str, Any] = {
            "code": {
                "coding": [{"system": systems.activity, "code": activity.key, "display": activity.title}],
                "text": activity.title,
            },
            "goal": [ids.ref("goal", *_goal_key(span))],
            "status": state,
            "scheduledTiming": {
                "repeat": {
                    "boundsPeriod": _period(span),
                    "frequency": v.sessions_per_week,
                    "period": 1,
                    "periodUnit": "wk",
                }
            },
            "description": (
                f"{v.sets} x {v.reps} repetitions of {_movement_text(v.movement)} "
                f"to {v.target_rom_deg:g} deg"
                + (f" (never above {v.max_rom_deg:g} deg)" if v.max_rom_deg else "")
                + f", difficulty {v.difficulty}/5 (plan version {v.version})"
            ),
        }
        entry: dict[str, Any] = {"detail": detail}
        key = (saved_id(span.assignment), v.version)
        if outcomes.get(key):
            entry["outcomeReference"] = outcomes[key]
        activities.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": ids.id("careplan", p.id),
        "status": "active" if active else "completed",
        "intent": "plan",
        "title": "SmartTouch home rehabilitation plan",
        "description": (
            "Motion-game exercises at home with a wearable sensor for "
            f"{CONDITION_TEXT.get(p.condition, p.condition)}"
        ),
        "subject": ids.ref("patient", p.id),
        "period": period,
        "goal": [ids.ref("goal", *_goal_key(span)) for span in data.plan],
        "activity": activities,
    }
    notes = list(
        dict.fromkeys(
            f"{span.activity.title}: {span.version.therapist_note}"
            for span in data.plan
            if span.version.therapist_note.strip()
        )
    )
    if data.identified and notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def _outcome_key(session: ExerciseSession, data: ExportData) -> tuple[int, int] | None:
    """The exported version a session's Observations belong to: the one in force on the
    session's day, else the nearest exported version of the same assignment."""
    spans = [s for s in data.plan if s.assignment.id == session.assignment_id]
    if not spans or session.id is None:
        return None
    assignment_id = saved_id(spans[0].assignment)
    terms = data.session_terms.get(session.id)
    versions = [s.version.version for s in spans]
    if terms is not None and terms.version in versions:
        return (assignment_id, terms.version)
    before = [v for v in versions if terms is not None and v <= terms.version]
    return (assignment_id, before[-1] if before else versions[0])


def _device_key(session: ExerciseSession, data: ExportData) -> tuple[str, ...] | None:
    sensor = data.sensors.get(pk(session))
    if sensor is not None:
        # ids are text in the key, as in the uuid name _Ids derives from it
        return ("sensor", str(pk(data.patient)), sensor.profile, sensor.name if data.identified else "")
    if session.device_id is not None and session.device_id in data.home_devices:
        return ("home-device", str(session.device_id))
    return None


def _device(key: tuple[str, ...], data: ExportData, ids: _Ids, systems: Systems) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Device",
        "id": ids.id(*key),
        "patient": ids.ref("patient", data.patient.id),
    }
    if key[0] == "sensor":
        profile, name = str(key[2]), str(key[3])
        resource |= {
            "status": "active",
            "modelNumber": profile,
            "type": {
                "coding": [{"system": systems.sensor_profile, "code": profile}],
                "text": "Wearable inertial measurement unit",
            },
        }
        if name:
            resource["deviceName"] = [{"name": name, "type": "user-friendly-name"}]
        return resource
    row = data.home_devices[int(key[1])]
    resource |= {
        "status": "inactive" if row.revoked_at is not None else "active",
        "type": {
            "coding": [{"system": systems.device_kind, "code": "home-client"}],
            "text": "SmartTouch home client (runs the games, uploads recordings)",
        },
    }
    if data.identified and row.label:
        resource["deviceName"] = [{"name": row.label, "type": "user-friendly-name"}]
    return resource


def _observation(
    metric: MetricCode,
    value: Any,
    session: ExerciseSession,
    metrics: SessionMetricsRecord,
    movement: str | None,
    data: ExportData,
    ids: _Ids,
    systems: Systems,
    device_ref: dict[str, str] | None,
    careplan_ref: dict[str, str] | None,
) -> dict[str, Any]:
    text = metric.display
    if metric.per_movement:
        text = f"{metric.display} ({_movement_text(movement)})"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ids.id("observation", session.id, metric.key),
        "status": "final",
        "category": [THERAPY_CATEGORY],
        "code": {"coding": metric.codings(systems), "text": text},
        "subject": ids.ref("patient", data.patient.id),
        "issued": _instant(metrics.computed_at),
        "method": {
            "coding": [{"system": systems.analyzer, "code": metrics.analyzer}],
            "text": "Computed by the hub from the wearable's raw recording",
        },
    }
    if session.ended_at is not None and session.ended_at >= session.started_at:
        resource["effectivePeriod"] = {
            "start": _instant(session.started_at),
            "end": _instant(session.ended_at),
        }
    else:
        resource["effectiveDateTime"] = _instant(session.started_at)
    if metric.integer:
        resource["valueInteger"] = int(value)
    else:
        resource["valueQuantity"] = quantity(round(float(value), 6), metric.unit)
    site = body_site(session.placement, session.side)
    if site is not None:
        resource["bodySite"] = site
    if device_ref is not None:
        resource["device"] = device_ref
    if careplan_ref is not None and session.assignment_id is not None:
        resource["basedOn"] = [careplan_ref]
    return resource


_MOMENT_TEXT = {"before": "before the session", "after": "after the session"}


def _feeling_observation(
    feeling: SessionFeeling,
    session: ExerciseSession,
    data: ExportData,
    ids: _Ids,
    systems: Systems,
    careplan_ref: dict[str, str] | None,
) -> dict[str, Any] | None:
    """A patient-reported rating (pain 0-10 NRS, effort Borg CR10) as an Observation; a
    skipped question carries ``dataAbsentReason`` asked-declined instead of a value."""
    code = FEELINGS.get(feeling.scale)
    if code is None:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ids.id("observation", session.id, "feeling", feeling.moment, feeling.scale),
        "status": "final",
        "category": [SURVEY_CATEGORY],
        "code": {
            "coding": code.codings(systems),
            "text": f"{code.display}, {_MOMENT_TEXT.get(feeling.moment, feeling.moment)}",
        },
        "subject": ids.ref("patient", data.patient.id),
        "effectiveDateTime": _instant(feeling.rated_at or session.started_at),
        "performer": [ids.ref("patient", data.patient.id)],
    }
    if code.method is not None:
        system, value, display = code.method
        resource["method"] = {"coding": [{"system": system, "code": value, "display": display}]}
    if feeling.skipped or feeling.value is None:
        resource["dataAbsentReason"] = ASKED_DECLINED
    else:
        resource["valueQuantity"] = quantity(int(feeling.value), SCORE)
    if careplan_ref is not None and session.assignment_id is not None:
        resource["basedOn"] = [careplan_ref]
    return resource


def build_bundle(data: ExportData, systems: Systems, *, now: datetime, export_id: str) -> Bundle:
    """The validated collection Bundle for ``data`` (see the module docstring)."""
    ids = _Ids(systems)
    p = data.patient
    careplan_ref = ids.ref("careplan", p.id) if data.plan else None
    entries: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    outcomes: dict[tuple[int, int], list[dict[str, str]]] = {}
    device_keys: list[tuple[str, ...]] = []
    for session, metrics in data.sessions:
        for feeling in data.feelings.get(pk(session), []):
            rated = _feeling_observation(feeling, session, data, ids, systems, careplan_ref)
            if rated is not None:
                observations.append(rated)
        if metrics is None:
            continue
        key = _device_key(session, data)
        if key is not None and key not in device_keys:
            device_keys.append(key)
        device_ref = ids.ref(*key) if key is not None else None
        terms = data.session_terms.get(pk(session))
        movement = session.movement or (terms.movement if terms is not None else None)
        outcome = _outcome_key(session, data)
        for metric in METRICS.values():
            value = getattr(metrics, metric.attribute, None)
            if value is None:
                continue
            obs = _observation(
                metric, value, session, metrics, movement, data, ids, systems, device_ref, careplan_ref
            )
            observations.append(obs)
            if outcome is not None:
                outcomes.setdefault(outcome, []).append({"reference": f"urn:uuid:{obs['id']}"})
    entries.append(_patient(data, ids, systems))
    if data.plan:
        entries.append(_careplan(data, ids, systems, outcomes))
        entries.extend(_goal(span, data, ids, systems) for span in data.plan)
    entries.extend(_device(k, data, ids, systems) for k in device_keys)
    entries.extend(observations)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(now),
        "identifier": {"system": systems.export_id, "value": export_id},
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }
    if not data.identified:
        bundle["meta"] = {"security": [PSEUDONYMISED_LABEL]}
    return Bundle.model_validate(bundle)
