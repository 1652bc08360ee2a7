"""HL7 FHIR export: every resource parses with fhir.resources (R4B), codes and units are the
documented ones, the pseudonymous mode leaks nothing personal, periods filter."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Patient, User
from smarttouch.platform.services.errors import Forbidden, Invalid, NotFound
from smarttouch.platform.services.rights import fhir_export
from smarttouch.platform.services.rights.fhir.codes import DEFAULT_BASE, LOINC, METRICS, SNOMED, UCUM, Systems
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .test_data_rights_support import METRICS_A, METRICS_B, History, seed_history

SYSTEMS = Systems(DEFAULT_BASE)
# Required value sets of the elements we fill (FHIR R4/R4B)
VALUE_SETS = {
    ("Observation", "status"): {"registered", "preliminary", "final", "amended"},
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("Device", "status"): {"active", "inactive", "entered-in-error", "unknown"},
}
ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}


def _export(app: Flask, patient: Patient, actor: User | None, **kw: Any) -> dict[str, Any]:
    with app.app_context(), Session(get_engine(app)) as db:
        bundle = fhir_export.export_bundle(
            db,
            patient=db.get(Patient, patient.id),
            actor=db.get(User, actor.id) if actor else None,
            store=get_blobstore(app),
            today=date.today(),
            **kw,
        )
        return json.loads(fhir_export.bundle_json(bundle))


def _by_type(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _coding(resource: dict[str, Any], system: str) -> dict[str, Any] | None:
    return next((c for c in resource["code"]["coding"] if c["system"] == system), None)


def _metric_obs(bundle: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [o for o in _by_type(bundle, "Observation") if _coding(o, SYSTEMS.metric)["code"] == key]


@pytest.fixture
def history(app: Flask, factories) -> History:
    return seed_history(app, factories)


def test_round_trip_every_resource_parses(app: Flask, history: History) -> None:
    bundle = _export(app, history.patient, history.therapist)
    text = json.dumps(bundle)
    parsed = Bundle.model_validate_json(text)
    assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        again = json.loads(model.model_dump_json(exclude_none=True))
        assert again == resource, f"{resource['resourceType']} did not round-trip"
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        for (rtype, element), allowed in VALUE_SETS.items():
            if resource["resourceType"] == rtype:
                assert resource[element] in allowed, (rtype, element, resource[element])
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        counts[entry["resource"]["resourceType"]] = counts.get(entry["resource"]["resourceType"], 0) + 1
    expected_obs = sum(
        1
        for m in (METRICS_A, METRICS_B)
        for metric in METRICS.values()
        if m.get(metric.attribute) is not None
    )
    assert counts == {"Patient": 1, "CarePlan": 1, "Goal": 2, "Device": 1, "Observation": expected_obs}


def test_every_reference_resolves_inside_the_bundle(app: Flask, history: History) -> None:
    bundle = _export(app, history.patient, history.therapist)
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "reference" in node:
                refs.append(node["reference"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(bundle["entry"])
    assert refs and set(refs) <= full_urls
    careplan = _by_type(bundle, "CarePlan")[0]
    for activity in careplan["activity"]:
        assert activity["detail"]["status"] in ACTIVITY_STATUS
    obs_ids = {f"urn:uuid:{o['id']}" for o in _by_type(bundle, "Observation")}
    outcome_refs = {r["reference"] for a in careplan["activity"] for r in a.get("outcomeReference", [])}
    assert outcome_refs == obs_ids  # every scored session belongs to an assignment


def test_codes_units_and_values(app: Flask, history: History) -> None:
    bundle = _export(app, history.patient, history.therapist)
    rom = sorted(_metric_obs(bundle, "rom-max"), key=lambda o: o["valueQuantity"]["value"])
    assert [o["valueQuantity"]["value"] for o in rom] == [METRICS_A["rom_deg"], METRICS_B["rom_deg"]]
    assert [o["code"]["text"].split("(")[1] for o in rom] == ["shoulder flexion)", "elbow flexion)"]
    for o in rom:
        assert o["valueQuantity"]["system"] == UCUM and o["valueQuantity"]["code"] == "deg"
        assert _coding(o, SNOMED)["code"] == "364564000"
        assert o["category"][0]["coding"][0]["code"] == "therapy"
        assert "start" in o["effectivePeriod"] and "end" in o["effectivePeriod"]
    duration = _metric_obs(bundle, "duration")
    assert {_coding(o, LOINC)["code"] for o in duration} == {"55411-3"}
    assert {o["valueQuantity"]["code"] for o in duration} == {"s"}
    reps = sorted(o["valueInteger"] for o in _metric_obs(bundle, "reps"))
    assert reps == sorted([METRICS_A["reps"], METRICS_B["reps"]])
    sparc = _metric_obs(bundle, "sparc")
    assert [o["valueQuantity"]["value"] for o in sparc] == [METRICS_A["sparc"]]
    assert sparc[0]["valueQuantity"]["code"] == "1"
    assert [o["valueQuantity"]["code"] for o in _metric_obs(bundle, "tremor-frequency")] == ["Hz"]
    assert [o["valueQuantity"]["code"] for o in _metric_obs(bundle, "peak-angular-speed")] == ["deg/s"] * 2
    goals = _by_type(bundle, "Goal")
    rom_targets = sorted(
        t["detailQuantity"]["value"]
        for g in goals
        for t in g["target"]
        if t["detailQuantity"]["code"] == "deg"
    )
    assert rom_targets == [90.0, 110.0]
    assert sorted(g["lifecycleStatus"] for g in goals) == ["active", "completed"]
    device = _by_type(bundle, "Device")[0]
    assert device["type"]["coding"][0]["code"] == "thingy52-raw"


def test_pseudonymous_export_leaks_nothing_personal(app: Flask, history: History) -> None:
    text = json.dumps(_export(app, history.patient, history.therapist))
    bundle = json.loads(text)
    for secret in (
        "Maria",
        "Rossi",
        "1951",
        "laptop",
        "C3:21:AA",
        "Fridays",
        "lives alone",
        history.user.email,
    ):
        assert secret not in text
    assert bundle["meta"]["security"][0]["code"] == "PSEUDED"
    patient = _by_type(bundle, "Patient")[0]
    assert patient["identifier"][0] == {
        "use": "usual",
        "system": SYSTEMS.patient_code,
        "value": history.patient.code,
    }
    assert "name" not in patient and "birthDate" not in patient


def test_identified_export_for_the_own_therapist(app: Flask, history: History) -> None:
    bundle = _export(app, history.patient, history.therapist, identified=True)
    patient = _by_type(bundle, "Patient")[0]
    assert patient["name"] == [{"use": "usual", "text": "Maria Rossi"}]
    assert patient["birthDate"] == "1951"
    assert "meta" not in bundle
    notes = _by_type(bundle, "CarePlan")[0]["note"]
    assert any("Call Maria Rossi on Fridays" in n["text"] for n in notes)
    assert _by_type(bundle, "Device")[0]["deviceName"][0]["name"].startswith("Thingy:52")


def test_who_may_export(app: Flask, history: History, factories) -> None:
    admin = factories.user("admin")
    other = factories.user("therapist")
    assert _by_type(_export(app, history.patient, admin), "Patient")
    with pytest.raises(Forbidden):
        _export(app, history.patient, admin, identified=True)
    with pytest.raises(NotFound):
        _export(app, history.patient, other)
    with pytest.raises(NotFound):
        _export(app, history.patient, factories.user("developer"))
    mine = _export(app, history.patient, history.user, identified=True)  # the patient
    assert _by_type(mine, "Patient")[0]["name"][0]["text"] == "Maria Rossi"


def test_period_filters_sessions_and_assignments(app: Flask, history: History) -> None:
    today = date.today()
    recent = _export(app, history.patient, history.therapist, start=today - timedelta(days=10), end=today)
    assert len(_by_type(recent, "Goal")) == 1  # the elbow plan ended 25 days ago
    assert [o["valueInteger"] for o in _metric_obs(recent, "reps")] == [METRICS_A["reps"]]
    old = _export(
        app,
        history.patient,
        history.therapist,
        start=today - timedelta(days=35),
        end=today - timedelta(days=26),
    )
    assert [o["valueInteger"] for o in _metric_obs(old, "reps")] == [METRICS_B["reps"]]
    with pytest.raises(Invalid):
        _export(app, history.patient, history.therapist, start=today, end=today - timedelta(days=1))


def test_ids_are_stable_between_exports(app: Flask, history: History) -> None:
    first = _export(app, history.patient, history.therapist)
    second = _export(app, history.patient, history.therapist)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert first["identifier"]["value"] != second["identifier"]["value"]


def test_patient_without_plan_or_sessions(app: Flask, factories) -> None:
    bundle = _export(app, factories.patient(), None)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
    Bundle.model_validate(bundle)


def test_export_is_audited(app: Flask, history: History) -> None:
    _export(app, history.patient, history.therapist, identified=True)
    with Session(get_engine(app)) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "fhir.exported")).all()
    assert len(events) == 1
    assert events[0].patient_id == history.patient.id and events[0].actor_id == history.therapist.id
    assert events[0].details["identified"] is True and events[0].details["via"] == "api"


def test_cli_writes_a_valid_bundle(runner, app: Flask, history: History, tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    result = runner.invoke("export", "fhir", "--patient", history.patient.code.lower(), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "pseudonymous" in result.output
    bundle = Bundle.model_validate_json(out.read_text())
    assert bundle.type == "collection" and "Maria" not in out.read_text()
    result = runner.invoke(
        "export",
        "fhir",
        "--patient",
        history.patient.code,
        "--identified",
        "--from",
        "2000-01-01",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "Maria Rossi" in out.read_text()
    result = runner.invoke("export", "fhir", "--patient", "PT-NONE", "--out", str(out))
    assert result.exit_code == 1 and "no patient with code PT-NONE" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        "export", "fhir", "--patient", history.patient.code, "--out", str(tmp_path / "missing" / "x.json")
    )
    assert result.exit_code == 1 and "does not exist" in result.output
