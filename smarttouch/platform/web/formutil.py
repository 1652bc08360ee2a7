"""Small helpers shared by the hub's WTForms forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
    """Select choices from ``(value, label)`` pairs in the form the installed WTForms wants."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]
