"""Words for a pilot's stored codes (comparator, status, arm), in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..i18n.vocab import label

COMPARATORS = {
    "builtin_game": _l("The built-in game for the same movement (patients randomised 1:1)"),
    "own_baseline": _l("The patient's own weeks before the pilot"),
}
STATUSES = {
    "recruiting": _l("Recruiting"),
    "running": _l("Running"),
    "closed": _l("Closed"),
}
ARMS = {
    "pilot": _l("Solution"),
    "comparator": _l("Comparator"),
}

GAME_METRICS = {
    "score": _l("Score"),
    "success_rate": _l("Success rate"),
    "sets_completed": _l("Sets completed"),
}


def comparator_label(key: str | None) -> str:
    return label(COMPARATORS, key)


def status_label(key: str | None) -> str:
    return label(STATUSES, key)


def arm_label(key: str | None) -> str:
    return label(ARMS, key)


TEMPLATE_GLOBALS = {
    "comparator_label": comparator_label,
    "pilot_status_label": status_label,
    "arm_label": arm_label,
    "game_metric_label": lambda k: label(GAME_METRICS, k),
}
