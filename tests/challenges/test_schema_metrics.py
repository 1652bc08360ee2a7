"""Output contracts and trusted metric functions."""

from __future__ import annotations

import pytest

from smarttouch.challenges.metrics import compute_metric
from smarttouch.challenges.schema import InvalidOutput, OutputField, validate_predictions

FIELDS = (OutputField("reps", "integer", 0, 100), OutputField("rom_deg", "number", 0, 180))


def test_valid_predictions_pass():
    preds = {"a": {"reps": 3, "rom_deg": 90.5}, "b": {"reps": 0, "rom_deg": 0}}
    assert validate_predictions(preds, ["a", "b"], FIELDS) == preds


@pytest.mark.parametrize(
    ("preds", "words"),
    [
        ({"a": {"reps": 3, "rom_deg": 1.0}}, "no prediction for 1 recording(s), e.g. b"),
        ({"a": {"reps": 3, "rom_deg": 1.0}, "b": {"reps": 1, "rom_deg": 1.0}, "c": {}}, "unknown recording"),
        (
            {"a": {"reps": True, "rom_deg": 1.0}, "b": {}},
            "recording a, field 'reps': must be an integer, got True",
        ),
        ({"a": {"reps": 3.0, "rom_deg": 1.0}, "b": {}}, "must be an integer, got 3.0"),
        ({"a": {"reps": -1, "rom_deg": 1.0}, "b": {}}, "must be >= 0"),
        ({"a": {"reps": 1, "rom_deg": 181}, "b": {}}, "must be <= 180"),
        ({"a": {"reps": 1}, "b": {}}, "missing key 'rom_deg'"),
        ({"a": "3", "b": {}}, "must return a dict"),
        ([1, 2], "must map recording ids"),
    ],
)
def test_invalid_predictions_are_named(preds, words):
    with pytest.raises(InvalidOutput) as info:
        validate_predictions(preds, ["a", "b"], FIELDS)
    assert words in str(info.value)


def test_metrics():
    pred, true = [3, 5, 10, 2], [3, 6, 7, 2]
    assert compute_metric("exact_rate", pred, true) == 0.5
    assert compute_metric("mae", pred, true) == 1.0
    assert compute_metric("rmse", pred, true) == pytest.approx((10 / 4) ** 0.5)
    assert compute_metric("within_rate", pred, true, tolerance=1) == 0.75
    assert compute_metric("bias", pred, true) == 0.5
    with pytest.raises(ValueError, match="equally long"):
        compute_metric("mae", [1], [1, 2])
