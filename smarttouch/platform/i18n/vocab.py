"""Translatable labels for the codes stored in the database (roles, conditions, sides,
movements, challenge kinds), in words a therapist uses. The built-in games name themselves:
their catalogue titles, in each language, come from their ``GameInfo``."""

from __future__ import annotations

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from smarttouch.challenges.kinds.registry import UnknownKind, kind_spec
from smarttouch.games.sdk.registry import GameLoadError, game_info

ROLES = {
    "therapist": _l("Therapist"),
    "patient": _l("Patient"),
    "developer": _l("Developer"),
    "admin": _l("Administrator"),
}

CONDITIONS = {
    "post_stroke": _l("Post-stroke hemiparesis"),
    "parkinson": _l("Parkinson's disease"),
    "copd": _l("COPD"),
    "multiple_sclerosis": _l("Multiple sclerosis"),
    "knee_osteoarthritis": _l("Knee osteoarthritis"),
    "frailty": _l("Frailty"),
    "other": _l("Other"),
}

SIDES = {
    "left": _l("Left"),
    "right": _l("Right"),
    "both": _l("Both sides"),
    "none": _l("Not applicable"),
}

#: the side an exercise trains (the patient's affected side may also be "none")
EXERCISE_SIDES = {
    "left": _l("Left"),
    "right": _l("Right"),
    "both": _l("Both (bilateral)"),
}

#: the side in a phrase ("Wrist, left side")
SIDE_PHRASES = {
    "left": _l("left side"),
    "right": _l("right side"),
    "both": _l("both sides (bilateral)"),
}

#: where the sensor is worn (``smarttouch.sensors.placements.SITES``)
SENSOR_SITES = {
    "upper-arm": _l("Upper arm"),
    "forearm": _l("Forearm"),
    "wrist": _l("Wrist"),
    "hand": _l("Back of the hand"),
    "thigh": _l("Thigh"),
}

MOVEMENTS = {
    "shoulder_flexion": _l("Shoulder flexion"),
    "shoulder_abduction": _l("Shoulder abduction"),
    "elbow_flexion": _l("Elbow flexion"),
    "wrist_flexion": _l("Wrist flexion/extension"),
    "forearm_pronation": _l("Forearm pronation/supination"),
    "sit_to_stand": _l("Sit-to-stand"),
    "reach_forward": _l("Reaching"),
}

#: kinds of read of a patient's record (``services.rights.access_log.KINDS``), as the
#: patient and the administrator read them
READS = {
    "caseload": _l("Patient list (summary row)"),
    "patient_page": _l("Patient page"),
    "session_page": _l("Details of a session"),
    "plan_editor": _l("Exercise plan editor"),
    "devices_page": _l("Paired computers"),
    "data_rights_page": _l("Data rights page"),
    "erase_page": _l("Erasure page"),
    "report_page": _l("Progress report (on screen)"),
    "report_pdf": _l("Progress report (PDF download)"),
    "report_csv": _l("Table of sessions (CSV download)"),
    "fhir_export": _l("Export for another health system (FHIR)"),
    "data_archive": _l("Archive of all the data"),
    "messages": _l("Messages with the patient"),
    "invite_page": _l("Invitation to the patient portal"),
    "pilot_page": _l("Pilot page (named among the pilot's patients)"),
}


def label(table: dict[str, object], key: str | None) -> str:
    """The translated label for ``key``, or the key itself when unknown."""
    if key is None:
        return "—"
    return str(table.get(key, key))


def placement_label(site: str | None, side: str | None) -> str:
    """Where the sensor was and which side trained, in words ("Wrist, left"); "—" when
    neither is known."""
    if not site and not side:
        return "—"
    if not side:
        return label(SENSOR_SITES, site)
    if not site:
        return label(EXERCISE_SIDES, side)
    return gettext("%(site)s, %(side)s", site=label(SENSOR_SITES, site), side=label(SIDE_PHRASES, side))


def _page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _declared_game_title(key: str) -> str | None:
    try:
        info = game_info(key)
    except GameLoadError:
        return None
    return info.catalogue_title_in(_page_language())


def game_title(key: str | None) -> str:
    """A game's catalogue title in the page's language, read from its ``GameInfo``
    (:meth:`~smarttouch.games.sdk.protocol.GameInfo.catalogue_title_in`); the key itself when
    no game has it."""
    if key is None:
        return "—"
    return _declared_game_title(key) or key


def activity_title(activity: object) -> str:
    """A catalogue activity's title in the page's language: a built-in game's from its
    ``GameInfo`` (:func:`game_title`), anything else (an approved solution, a game no longer
    shipped) as the catalogue stored it."""
    key = getattr(activity, "key", None)
    if getattr(activity, "source", None) == "builtin" and isinstance(key, str):
        title = _declared_game_title(key)
        if title is not None:
            return title
    return str(getattr(activity, "title", ""))


def challenge_kind_label(kind: str | None) -> str:
    """A challenge kind's display name in the current language (each kind declares it in
    English in its folder; the translations are in the hub's catalogue)."""
    if kind is None:
        return "—"
    try:
        return gettext(kind_spec(kind).display_name)
    except UnknownKind:
        return kind


JINJA_GLOBALS = {
    "role_label": lambda k: label(ROLES, k),
    "condition_label": lambda k: label(CONDITIONS, k),
    "side_label": lambda k: label(SIDES, k),
    "movement_label": lambda k: label(MOVEMENTS, k),
    "exercise_side_label": lambda k: label(EXERCISE_SIDES, k),
    "sensor_site_label": lambda k: label(SENSOR_SITES, k),
    "placement_label": lambda site, side: placement_label(site, side),
    "activity_label": activity_title,
    "challenge_kind_label": challenge_kind_label,
    "read_label": lambda k: label(READS, k),
}
