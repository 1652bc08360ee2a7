"""Importing challenge bundles into the hub: rows, bundle blobs, errors, the CLI, the demo seed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, select

from smarttouch.platform.jobs import bundles
from smarttouch.platform.models import Challenge, Solution, Submission
from smarttouch.platform.services.challenges import importer
from smarttouch.platform.services.errors import Invalid
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.challenges.helpers import make_bundle
from tests.platform.challenge_support import bundle_dir, import_bundle, sandbox_ok, small_rep_counting  # noqa: F401


def test_import_stores_the_row_and_the_bundle_blob(app, bundle_dir):
    row = import_bundle(app, bundle_dir)
    assert (row.slug, row.kind, row.movement, row.primary_metric) == (
        "test-reps",
        "analyzer",
        "shoulder_flexion",
        "exact_rate",
    )
    assert row.max_daily_submissions == 3 and row.time_limit_s == 20
    assert row.io_contract["outputs"][0]["name"] == "reps"
    assert row.io_contract["hidden_recordings"] == 3
    assert [m["name"] for m in row.metrics] == ["exact_rate", "mae"]
    data = get_blobstore(app).get(row.bundle_sha256)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "hidden/labels.json" in names and "challenge.toml" in names
    hidden = json.loads((bundle_dir / "hidden" / "labels.json").read_text())
    assert json.dumps(hidden) not in json.dumps(row.io_contract)
    # the same bundle again: same blob, row updated in place
    again = import_bundle(app, bundle_dir)
    assert (again.id, again.bundle_sha256) == (row.id, row.bundle_sha256)


def test_unpacked_bundle_is_private_to_the_hub(app, bundle_dir):
    row = import_bundle(app, bundle_dir)
    cache = bundles.bundle_cache_root(app.instance_path)
    folder = bundles.materialize_bundle(get_blobstore(app), row.bundle_sha256, cache)
    assert (folder / "hidden" / "labels.json").is_file()
    assert cache.stat().st_mode & 0o077 == 0


def test_a_bad_bundle_is_refused_with_the_file_and_key(app, tmp_path):
    root = make_bundle(tmp_path / "bad", slug="bad-bundle")
    text = (root / "challenge.toml").read_text().replace('better = "lower"', 'better = "smaller"')
    (root / "challenge.toml").write_text(text)
    with Session(get_engine(app)) as session, pytest.raises(Invalid, match=r"better"):
        importer.import_bundle(session, path=root, blobs=get_blobstore(app))
    with Session(get_engine(app)) as session:
        assert session.exec(select(Challenge).where(Challenge.slug == "bad-bundle")).first() is None


def test_symlinks_in_a_bundle_are_refused(app, tmp_path):
    root = make_bundle(tmp_path / "linked", slug="linked-bundle")
    (root / "public" / "notes.txt").symlink_to("/etc/passwd")
    with Session(get_engine(app)) as session, pytest.raises(Invalid, match="symlinks"):
        importer.import_bundle(session, path=root, blobs=get_blobstore(app))


def test_cli_import_and_import_builtin(app, runner, tmp_path, sandbox_ok):
    root = make_bundle(tmp_path / "cli-bundle", slug="cli-reps", n_public=1, n_hidden=1)
    result = runner.invoke("challenge", "import", str(root), "--no-references")
    assert result.exit_code == 0, result.output
    assert "cli-reps: created" in result.output
    result = runner.invoke("challenge", "import", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(
        "challenge",
        "import-builtin",
        "--slug",
        "shoulder-reach-game",
        "--no-references",
        "--hidden-seed",
        "5",
    )
    assert result.exit_code == 0, result.output
    with Session(get_engine(app)) as session:
        game = session.exec(select(Challenge).where(Challenge.slug == "shoulder-reach-game")).one()
        assert game.kind == "game" and game.movement == "shoulder_flexion"
    broken = make_bundle(tmp_path / "broken", slug="broken-reps")
    (broken / "hidden" / "labels.json").write_text("{}")
    result = runner.invoke("challenge", "import", str(broken))
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert "labels and recordings differ" in result.output and "Traceback" not in result.output


def test_seed_adds_the_builtins_with_reference_rows_once(app, small_rep_counting, sandbox_ok):
    with Session(get_engine(app), expire_on_commit=False) as session:
        reports = importer.seed_builtin_challenges(
            session, blobs=get_blobstore(app), instance_path=app.instance_path, references="now"
        )
        assert [r.challenge.slug for r in reports] == ["rep-counting"]
        assert (
            importer.seed_builtin_challenges(
                session, blobs=get_blobstore(app), instance_path=app.instance_path, references="now"
            )
            == []
        )
        refs = session.exec(select(Solution).where(Solution.is_reference)).all()
        assert {r.name for r in refs} == {"baseline: SmartTouch scorer", "baseline: naive peak counter"}
        assert all(r.developer_id is None for r in refs)
        statuses = {s.status for s in session.exec(select(Submission))}
        assert statuses == {"scored"}


def test_starter_kit_is_cached_per_bundle_version(app, bundle_dir):
    row = import_bundle(app, bundle_dir)
    path = importer.starter_kit(row, blobs=get_blobstore(app), instance_path=app.instance_path)
    assert path.is_file() and row.bundle_sha256[:16] in path.name
    assert importer.starter_kit(row, blobs=get_blobstore(app), instance_path=app.instance_path) == path
    assert Path(app.instance_path) in path.parents


def test_seeded_references_wait_for_the_worker(app, small_rep_counting, sandbox_ok):
    """The default demo seed queues the reference rows; a worker evaluates them."""
    from tests.platform.challenge_support import run_queued

    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        [report] = importer.seed_builtin_challenges(session, blobs=get_blobstore(app))
        assert [s.status for s in report.references] == ["queued", "queued"]
    from smarttouch.platform.jobs.queue import get_queue

    assert get_queue(app).requeue_waiting() == {
        "evaluation": 2,
        "analysis": 0,
        "scoring": 0,
        "challenge_data": 0,
    }
    assert [r["status"] for r in run_queued(app)] == ["scored", "scored"]
