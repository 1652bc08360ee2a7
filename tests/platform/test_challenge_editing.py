"""Editing a challenge with the creation form (services): every field of a draft, checked as at
creation with nothing stored on error; the simulated data built again only when what it is built
from changed; an uploaded bundle kept; once published, the description only; audited."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.jobs.queue import HubQueue
from smarttouch.platform.models import AuditEvent, Challenge, ChallengeDataJob, User
from smarttouch.platform.services.challenges import authoring, editing, lifecycle
from smarttouch.platform.services.errors import Forbidden
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .challenge_support import bundle_dir  # noqa: F401 - fixture
from .test_challenge_authoring import counts, create, data, day, get, manager, starter_target, zipped


def edit(app: Flask, actor: User, slug: str, payload: authoring.ChallengeInput) -> editing.Edit:
    with Session(get_engine(app), expire_on_commit=False) as db:
        return editing.edit_challenge(
            db,
            challenge=lifecycle.get_challenge(db, slug=slug),
            data=payload,
            actor=db.get(User, actor.id),
            blobs=get_blobstore(app),
        )


def built(app: Flask, boss: User, **kw: Any) -> Challenge:
    """A simulated draft whose data the worker has built."""
    row, job = create(app, boss, data(**kw))
    assert job is not None
    HubQueue(app).run("challenge_data", str(job.id))
    return get(app, row.slug)


def edits(app: Flask, challenge_id: int) -> list[dict[str, Any]]:
    with Session(get_engine(app)) as db:
        return [
            e.details
            for e in db.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "challenge.edited", AuditEvent.target_id == challenge_id
                )
            )
        ]


def test_every_field_of_a_draft_changes_and_the_data_follows(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    before = built(app, boss)
    changed = data(
        title="Steadier hands",
        slug="steadier-hands",
        summary="Calmer.",
        population="Adults after a stroke",
        description_md="# New need",
        primary_metric="rep_exact_rate",
        opens_at=day(1),
        final_opens_at=day(12),
        closes_at=day(40),
        daily_cap=7,
        final_daily_cap=3,
        max_team_size=4,
        licence="Apache-2.0",
    )
    done = edit(app, boss, "steady-hands", changed)
    assert done.job is not None and set(done.changed) == {
        "title",
        "slug",
        "summary",
        "population",
        "description_md",
        "primary_metric",
        "opens_at",
        "final_opens_at",
        "closes_at",
        "daily_cap",
        "final_daily_cap",
        "max_team_size",
        "licence",
    }
    row = get(app, "steadier-hands")
    assert row.id == before.id and row.bundle_sha256 is None  # publishing waits for the new data
    assert (row.title, row.max_daily_submissions, row.final_daily_submissions, row.max_team_size) == (
        "Steadier hands",
        7,
        3,
        4,
    )
    assert (row.closes_at, row.licence, row.population) == (day(40), "Apache-2.0", "Adults after a stroke")
    HubQueue(app).run("challenge_data", str(done.job.id))
    row = get(app, "steadier-hands")
    assert row.bundle_sha256 and row.primary_metric == "rep_exact_rate"
    assert starter_target(app, row) == "steadier-hands"  # the kit names the new address
    (details,) = edits(app, before.id)
    assert details["data_rebuilt"] is True and details["published"] is False


def test_a_change_the_data_does_not_hold_keeps_the_data(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    before = built(app, boss)
    done = edit(app, boss, "steady-hands", data(max_team_size=5, licence="EUPL-1.2"))
    assert done.job is None and set(done.changed) == {"max_team_size", "licence"}
    row = get(app, "steady-hands")
    assert row.bundle_sha256 == before.bundle_sha256 and row.max_team_size == 5
    assert edit(app, boss, "steady-hands", data(max_team_size=5, licence="EUPL-1.2")) == editing.Edit(())
    assert len(edits(app, before.id)) == 1  # an empty edit is not audited


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opens_at": day(5), "closes_at": day(2)}, "closes_at"),
        ({"final_opens_at": day(30)}, "final_opens_at"),
        ({"description_md": "Hi <script>alert(1)</script>"}, "description_md"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "taken-address"}, "slug"),
        ({"kind": "nonsense"}, "kind"),
        ({"primary_metric": "exact_rate"}, "primary_metric"),
        ({"licence": "WTFPL"}, "licence"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"max_team_size": 99}, "max_team_size"),
        ({"title": "  "}, "title"),
        ({"source": "upload", "upload": None}, "bundle"),
    ],
)
def test_a_bad_edit_is_refused_at_its_field_and_nothing_is_stored(
    app: Flask, factories: Any, change: dict[str, Any], field: str
) -> None:
    boss = manager(factories)
    before = built(app, boss)
    create(app, boss, data(slug="taken-address"))
    stored = counts(app)
    with pytest.raises(authoring.FieldErrors) as caught:
        edit(app, boss, "steady-hands", data(**{"title": "Changed", **change}))
    assert field in caught.value.errors, caught.value.errors
    assert counts(app) == stored
    after = get(app, "steady-hands")
    assert (after.title, after.bundle_sha256) == ("Steady hands", before.bundle_sha256)


def test_an_uploaded_bundle_is_kept_or_replaced(app: Flask, factories: Any, bundle_dir: Path) -> None:
    boss = manager(factories)
    upload = data(
        kind="analyzer", source="upload", primary_metric="", slug="uploaded", upload=zipped(bundle_dir)
    )
    row, _ = create(app, boss, upload)
    kept = dataclasses.replace(upload, upload=None, title="Uploaded, renamed")
    assert edit(app, boss, "uploaded", kept).changed == ("title",)
    assert get(app, "uploaded").bundle_sha256 == row.bundle_sha256
    with pytest.raises(authoring.FieldErrors) as caught:  # a metric the kept bundle lacks
        edit(app, boss, "uploaded", dataclasses.replace(kept, primary_metric="rmse"))
    assert "primary_metric" in caught.value.errors
    with pytest.raises(authoring.FieldErrors) as caught:  # another kind needs another bundle
        edit(app, boss, "uploaded", dataclasses.replace(kept, kind="game"))
    assert "bundle" in caught.value.errors
    broken = zipped(bundle_dir, drop="hidden/labels.json")
    with pytest.raises(authoring.FieldErrors) as caught:
        edit(app, boss, "uploaded", dataclasses.replace(kept, upload=broken))
    assert "hidden/labels.json" in str(caught.value.errors["bundle"])
    assert get(app, "uploaded").bundle_sha256 == row.bundle_sha256


def test_a_published_challenge_changes_its_description_only(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    row = built(app, boss)
    with Session(get_engine(app)) as db:
        lifecycle.publish(db, challenge=db.get(Challenge, row.id), actor=db.get(User, boss.id))
    for change, field in (
        ({"title": "Renamed"}, "title"),
        ({"max_team_size": 1}, "max_team_size"),
        ({"primary_metric": "rep_exact_rate"}, "primary_metric"),
        ({"closes_at": day(60)}, "closes_at"),
    ):
        with pytest.raises(authoring.FieldErrors) as caught:
            edit(app, boss, "steady-hands", data(description_md="# Clearer", **change))
        assert set(caught.value.errors) == {field}, caught.value.errors
    with pytest.raises(authoring.FieldErrors) as caught:
        edit(app, boss, "steady-hands", data(closes_at=day(60)))
    assert "Extend" in str(caught.value.errors["closes_at"])
    with pytest.raises(authoring.FieldErrors) as caught:
        edit(app, boss, "steady-hands", data(description_md="[x](javascript:alert(1))"))
    assert set(caught.value.errors) == {"description_md"}
    assert get(app, "steady-hands").description_md == row.description_md
    done = edit(app, boss, "steady-hands", data(description_md="# Clearer\n\nNow with an example."))
    assert done == editing.Edit(("description_md",))
    after = get(app, "steady-hands")
    assert after.description_md.startswith("# Clearer") and after.bundle_sha256 == row.bundle_sha256
    assert edits(app, row.id)[-1]["published"] is True


def test_only_managers_edit(app: Flask, factories: Any) -> None:
    row = built(app, manager(factories))
    with pytest.raises(Forbidden):
        edit(app, factories.user("developer"), "steady-hands", data(title="Mine"))
    assert get(app, "steady-hands").title == row.title


def test_a_superseded_build_does_not_overwrite_the_new_one(app: Flask, factories: Any) -> None:
    boss = manager(factories)
    row, first = create(app, boss, data())
    second = edit(app, boss, "steady-hands", data(title="Renamed")).job
    assert first is not None and second is not None
    HubQueue(app).run("challenge_data", str(second.id))
    fresh = get(app, "steady-hands").bundle_sha256
    HubQueue(app).run("challenge_data", str(first.id))  # the older job finishes last
    assert get(app, "steady-hands").bundle_sha256 == fresh
    with Session(get_engine(app)) as db:
        assert db.get(ChallengeDataJob, first.id).status == "scored"
