"""Loading and validating challenge bundles."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from smarttouch.challenges.bundle import BundleError, load_bundle
from tests.challenges.helpers import make_bundle


def test_valid_bundle_loads(challenge):
    assert challenge.slug == "test-reps"
    assert challenge.kind == "analyzer"
    assert challenge.primary_metric.name == "exact_rate"
    assert [m.higher_is_better for m in challenge.metrics] == [True, False]
    assert challenge.limits.wall_s == 20.0 and challenge.limits.max_procs == 16
    assert challenge.split("public").ids == ["public-0", "public-1"]
    assert len(challenge.split("hidden").ids) == 3
    assert challenge.split("hidden").labels()["hidden-0"]["reps"] >= 2
    assert challenge.need_md.startswith("Count")


def test_open_dates_and_leaderboard_split(challenge):
    utc = dt.UTC
    assert not challenge.is_open(dt.datetime(2025, 12, 31, tzinfo=utc))
    assert challenge.is_open(dt.datetime(2026, 6, 1, tzinfo=utc))
    assert challenge.leaderboard_split(dt.datetime(2026, 6, 1, tzinfo=utc)) == "public"
    assert challenge.leaderboard_split(dt.datetime(2030, 1, 1, tzinfo=utc)) == "hidden"


@pytest.fixture()
def copy(bundle_dir, tmp_path):
    target = tmp_path / "b"
    shutil.copytree(bundle_dir, target)
    return target


def edit_toml(path, old, new):
    toml = path / "challenge.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('slug = "test-reps"', 'slug = "Test Reps!"', "challenge.slug"),
        ('kind = "analyzer"', 'kind = "quiz"', "challenge.kind"),
        ("population", "populaton", "unknown key(s) in [challenge]: populaton"),
        ('type = "integer"', 'type = "int"', "output.reps.type"),
        ('field = "reps"\nbetter = "lower"', 'field = "rom"\nbetter = "lower"', "not a numeric output field"),
        ('better = "lower"', 'better = "smaller"', "better must be"),
        ("primary = true", "primary = false", "exactly one metric"),
        ("closes = 2030-01-01", "closes = 2025-01-01", "must be after"),
        ("wall_s = 20", "wall_s = -1", "limits.wall_s"),
        ("wall_s = 20", "wall_clock = 20", "unknown key(s) in [limits]"),
        ('name = "mae"', 'name = "mae"\nfunction = "median_error"', "function 'median_error'"),
        ("[input]", "[inputs]", "unknown key(s) in top level"),
    ],
)
def test_bad_toml_is_named(copy, old, new, words):
    edit_toml(copy, old, new)
    with pytest.raises(BundleError, match="challenge.toml") as info:
        load_bundle(copy)
    assert words in str(info.value)


def test_not_toml(copy):
    (copy / "challenge.toml").write_text("[challenge\nslug=")
    with pytest.raises(BundleError, match="not valid TOML"):
        load_bundle(copy)


def test_missing_toml(tmp_path):
    with pytest.raises(BundleError, match="no challenge.toml"):
        load_bundle(tmp_path)


def test_labels_must_match_recordings(copy):
    labels = json.loads((copy / "hidden" / "labels.json").read_text())
    labels["ghost"] = {"reps": 2}
    (copy / "hidden" / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(BundleError, match="no recording: \\['ghost'\\]"):
        load_bundle(copy)


def test_label_values_follow_the_contract(copy):
    labels = json.loads((copy / "public" / "labels.json").read_text())
    labels["public-0"]["reps"] = "two"
    (copy / "public" / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(BundleError, match="public-0, 'reps' must be an integer"):
        load_bundle(copy)


def test_stray_file_in_recordings(copy):
    (copy / "public" / "recordings" / "notes.txt").write_text("hi")
    with pytest.raises(BundleError, match="notes.txt: only regular .npz or .csv"):
        load_bundle(copy)


def test_hidden_split_optional_only_when_asked(copy):
    shutil.rmtree(copy / "hidden")
    with pytest.raises(BundleError, match="hidden/recordings"):
        load_bundle(copy)
    kit = load_bundle(copy, require_hidden=False)
    assert list(kit.splits) == ["public"]
    with pytest.raises(BundleError, match="no split 'hidden'"):
        kit.split("hidden")


def test_need_file_must_stay_inside_bundle(tmp_path):
    root = make_bundle(tmp_path / "n", n_public=1, n_hidden=1)
    edit_toml(root, 'need = "Count the repetitions in a wrist recording."', 'need_file = "../../etc/passwd"')
    with pytest.raises(BundleError, match="need_file"):
        load_bundle(root)
    edit_toml(root, 'need_file = "../../etc/passwd"', 'need_file = "need.md"')
    (root / "need.md").write_text("# The need\n")
    assert load_bundle(root).need_md == "# The need\n"
