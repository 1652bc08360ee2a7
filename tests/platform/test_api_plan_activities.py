"""Today's plan says where each game comes from: a built-in, or an approved developer's game
with the sha256 of the exact code reviewers approved (the client's independent hash to check);
a game whose approval was withdrawn leaves the plan."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from smarttouch.platform.models import Activity
from smarttouch.platform.storage.db import get_engine

from .apihelp import pair_patient


def test_plan_activity_carries_source_and_approved_hash(client, app, factories):
    paired = pair_patient(app, factories)  # balloons, a built-in
    sha = hashlib.sha256(b"approved archive").hexdigest()
    game = factories.activity("solution-7", source="solution", code_sha256=sha, title="Kite reach")
    factories.assignment(paired.patient, activity=game)

    plan = client.get("/api/v1/plan/today", headers=paired.auth).get_json()
    by_key = {e["activity"]["key"]: e["activity"] for e in plan["exercises"]}
    assert by_key["balloons"] == {
        "key": "balloons",
        "title": "Balloon reach",
        "kind": "game",
        "source": "builtin",
        "code_sha256": None,
    }
    assert by_key["solution-7"] == {
        "key": "solution-7",
        "title": "Kite reach",
        "kind": "game",
        "source": "solution",
        "code_sha256": sha,
    }

    with Session(get_engine(app)) as session:  # a reviewer took the approval back
        row = session.get(Activity, game.id)
        row.is_active = False
        session.add(row)
        session.commit()
    plan = client.get("/api/v1/plan/today", headers=paired.auth).get_json()
    assert [e["activity"]["key"] for e in plan["exercises"]] == ["balloons"]
