"""Output contracts: what one prediction of a solution must look like.

A challenge declares its output fields in ``[output.<name>]`` tables of ``challenge.toml``
(type, optional bounds). Everything a solution returns is checked against them by trusted code
before any scoring: a wrong type, a missing or an unknown key, a value out of bounds or a
missing recording makes the whole run ``invalid_output`` with a message naming the recording
and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

FIELD_TYPES = ("integer", "number", "boolean", "string")


class InvalidOutput(ValueError):
    """A solution's output breaks the challenge's contract (message names recording and field)."""


@dataclass(frozen=True)
class OutputField:
    """One key of a prediction.

    Attributes:
        name: the key, e.g. ``reps``.
        type: one of :data:`FIELD_TYPES`.
        minimum / maximum: inclusive bounds for integer/number fields (None = unbounded).
        unit: unit of the value for people (e.g. ``repetitions``, ``deg``); informative only.
        description: what the value means.
    """

    name: str
    type: str
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    description: str = ""

    def check(self, value: Any) -> str | None:
        """Return None when ``value`` fits, else a short reason."""
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"must be an integer, got {_show(value)}"
        elif self.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"must be a number, got {_show(value)}"
            if not math.isfinite(value):
                return f"must be a finite number, got {value!r}"
        elif self.type == "boolean":
            if not isinstance(value, bool):
                return f"must be true or false, got {_show(value)}"
        elif self.type == "string":
            if not isinstance(value, str):
                return f"must be a string, got {_show(value)}"
            if len(value) > 1000:
                return f"must be at most 1000 characters, got {len(value)}"
        if self.type in ("integer", "number"):
            if self.minimum is not None and value < self.minimum:
                return f"must be >= {self.minimum:g}, got {value!r}"
            if self.maximum is not None and value > self.maximum:
                return f"must be <= {self.maximum:g}, got {value!r}"
        return None


def _show(value: Any) -> str:
    text = repr(value)
    return (text[:40] + "...") if len(text) > 40 else text


def validate_prediction(recording_id: str, prediction: Any, fields: tuple[OutputField, ...]) -> dict:
    """Check one prediction against the declared fields; return it or raise InvalidOutput."""
    if not isinstance(prediction, dict):
        raise InvalidOutput(
            f"recording {recording_id}: analyze() must return a dict, got {type(prediction).__name__}"
        )
    names = {f.name for f in fields}
    unknown = sorted(set(prediction) - names)
    if unknown:
        raise InvalidOutput(
            f"recording {recording_id}: unknown key(s) {', '.join(map(repr, unknown[:5]))}; "
            f"the contract allows {', '.join(sorted(names))}"
        )
    for field in fields:
        if field.name not in prediction:
            raise InvalidOutput(f"recording {recording_id}: missing key {field.name!r}")
        problem = field.check(prediction[field.name])
        if problem:
            raise InvalidOutput(f"recording {recording_id}, field {field.name!r}: {problem}")
    return prediction


def validate_predictions(
    predictions: Any, recording_ids: list[str], fields: tuple[OutputField, ...]
) -> dict[str, dict]:
    """Check a whole run's predictions: one valid prediction per expected recording, no extras."""
    if not isinstance(predictions, dict):
        raise InvalidOutput(f"predictions must map recording ids to dicts, got {type(predictions).__name__}")
    missing = [r for r in recording_ids if r not in predictions]
    if missing:
        raise InvalidOutput(f"no prediction for {len(missing)} recording(s), e.g. {missing[0]}")
    extra = sorted(set(predictions) - set(recording_ids))
    if extra:
        raise InvalidOutput(f"predictions for unknown recording(s), e.g. {_show(extra[0])}")
    return {r: validate_prediction(r, predictions[r], fields) for r in recording_ids}
