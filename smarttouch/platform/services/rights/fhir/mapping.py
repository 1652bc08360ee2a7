"""Hub records -> HL7 FHIR R4 resources (validated with ``fhir.resources.R4B``).

Pure functions: :func:`build_bundle` takes an :class:`ExportData` (the rows the service
gathered) and returns a validated ``Bundle`` of type ``collection`` holding the Patient, its
CarePlan with one activity and one Goal per assignment, one Observation per session metric
and the Devices (wearable sensors, else the home client) that produced them.

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

from ....models import Activity, Assignment, Device, ExerciseSession, Patient, SessionMetricsRecord
from .codes import (
    DEGREES,
    METRICS,
    PSEUDONYMISED_LABEL,
    REPETITIONS,
    THERAPY_CATEGORY,
    MetricCode,
    Systems,
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
    assignments: list[tuple[Assignment, Activity]]
    sessions: list[tuple[ExerciseSession, SessionMetricsRecord | None]]
    today: date
    identified: bool = False
    sensors: dict[int, SensorInfo] = field(default_factory=dict)  # session id -> sensor
    home_devices: dict[int, Device] = field(default_factory=dict)  # device id -> row
    period: tuple[date | None, date | None] = (None, None)


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


def assignment_state(a: Assignment, today: date) -> str:
    """``scheduled``, ``in-progress``, ``completed`` or ``stopped`` (ended by the therapist)."""
    if not a.active:
        return "stopped"
    if a.end_date is not None and a.end_date < today:
        return "completed"
    if a.start_date > today:
        return "scheduled"
    return "in-progress"


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


def _goal(a: Assignment, data: ExportData, ids: _Ids, systems: Systems) -> dict[str, Any]:
    movement = _movement_text(a.movement)
    rom = METRICS["rom-max"]
    reps = METRICS["reps"]
    rom_target: dict[str, Any] = {
        "measure": {"coding": rom.codings(systems), "text": f"Range of motion, {movement}"},
        "detailQuantity": quantity(float(a.target_rom_deg), DEGREES),
    }
    if a.end_date is not None:
        rom_target["dueDate"] = a.end_date.isoformat()
    reps_target = {
        "measure": {"coding": reps.codings(systems), "text": "Repetitions per set"},
        "detailQuantity": quantity(a.reps, REPETITIONS),
    }
    return {
        "resourceType": "Goal",
        "id": ids.id("goal", a.id),
        "lifecycleStatus": _GOAL_STATUS[assignment_state(a, data.today)],
        "description": {
            "text": f"{movement.capitalize()} to {a.target_rom_deg:g} deg, {a.sets} x {a.reps} repetitions"
        },
        "subject": ids.ref("patient", data.patient.id),
        "startDate": a.start_date.isoformat(),
        "target": [rom_target, reps_target],
    }


def _careplan(
    data: ExportData, ids: _Ids, systems: Systems, outcomes: dict[int, list[dict[str, str]]]
) -> dict[str, Any]:
    p = data.patient
    states = [assignment_state(a, data.today) for a, _ in data.assignments]
    active = any(s in ("in-progress", "scheduled") for s in states)
    starts = [a.start_date for a, _ in data.assignments]
    ends = [a.end_date for a, _ in data.assignments]
    period: dict[str, str] = {"start": min(starts).isoformat()}
    if not active and all(e is not None for e in ends):
        period["end"] = max(e for e in ends if e is not None).isoformat()
    activities = []
    for (a, activity), state in zip(data.assignments, states):
        detail: dict[str, Any] = {
            "code": {
                "coding": [{"system": systems.activity, "code": activity.key, "display": activity.title}],
                "text": activity.title,
            },
            "goal": [ids.ref("goal", a.id)],
            "status": state,
            "scheduledTiming": {
                "repeat": {
                    "boundsPeriod": {
                        "start": a.start_date.isoformat(),
                        **({"end": a.end_date.isoformat()} if a.end_date else {}),
                    },
                    "frequency": a.sessions_per_week,
                    "period": 1,
                    "periodUnit": "wk",
                }
            },
            "description": (
                f"{a.sets} x {a.reps} repetitions of {_movement_text(a.movement)} "
                f"to {a.target_rom_deg:g} deg"
                + (f" (never above {a.max_rom_deg:g} deg)" if a.max_rom_deg else "")
                + f", difficulty {a.difficulty}/5"
            ),
        }
        entry: dict[str, Any] = {"detail": detail}
        if outcomes.get(a.id):
            entry["outcomeReference"] = outcomes[a.id]
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
        "goal": [ids.ref("goal", a.id) for a, _ in data.assignments],
        "activity": activities,
    }
    notes = [
        {"text": f"{activity.title}: {a.therapist_note}"}
        for a, activity in data.assignments
        if a.therapist_note.strip()
    ]
    if data.identified and notes:
        resource["note"] = notes
    return resource


def _device_key(session: ExerciseSession, data: ExportData) -> tuple[str, ...] | None:
    sensor = data.sensors.get(session.id)
    if sensor is not None:
        return ("sensor", data.patient.id, sensor.profile, sensor.name if data.identified else "")
    if session.device_id is not None and session.device_id in data.home_devices:
        return ("home-device", session.device_id)
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
    if device_ref is not None:
        resource["device"] = device_ref
    if careplan_ref is not None and session.assignment_id is not None:
        resource["basedOn"] = [careplan_ref]
    return resource


def build_bundle(data: ExportData, systems: Systems, *, now: datetime, export_id: str) -> Bundle:
    """The validated collection Bundle for ``data`` (see the module docstring)."""
    ids = _Ids(systems)
    p = data.patient
    movements = {a.id: a.movement for a, _ in data.assignments}
    assignment_ids = set(movements)
    careplan_ref = ids.ref("careplan", p.id) if data.assignments else None
    entries: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    outcomes: dict[int, list[dict[str, str]]] = {}
    device_keys: list[tuple[str, ...]] = []
    for session, metrics in data.sessions:
        if metrics is None:
            continue
        key = _device_key(session, data)
        if key is not None and key not in device_keys:
            device_keys.append(key)
        device_ref = ids.ref(*key) if key is not None else None
        movement = session.movement or movements.get(session.assignment_id or -1)
        for metric in METRICS.values():
            value = getattr(metrics, metric.attribute, None)
            if value is None:
                continue
            obs = _observation(
                metric, value, session, metrics, movement, data, ids, systems, device_ref, careplan_ref
            )
            observations.append(obs)
            if session.assignment_id in assignment_ids:
                outcomes.setdefault(session.assignment_id, []).append({"reference": f"urn:uuid:{obs['id']}"})
    entries.append(_patient(data, ids, systems))
    if data.assignments:
        entries.append(_careplan(data, ids, systems, outcomes))
        entries.extend(_goal(a, data, ids, systems) for a, _ in data.assignments)
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
