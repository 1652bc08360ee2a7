"""Italian addresses the patient without assuming gender: the patient-facing text (the portal,
the invitation landing, the games' catalogue) carries none of a small list of forms that agree
with the reader ("benvenuto/a", "sei stato", "stanco", "resta fermo"...), and the therapist's
pages do not say "tu" where the rest of the hub is impersonal."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from smarttouch.games.sdk.messages import CATALOGUE, ENCOURAGE, PLURALS, PRAISE
from smarttouch.platform.i18n.catalogues import TRANSLATIONS_DIR

PLATFORM = Path(__file__).resolve().parents[2] / "smarttouch" / "platform"

#: forms that agree in gender with the person addressed (each verified to have no neutral use
#: in the catalogues: "ferma" alone is a lantern, "ti è comodo" is impersonal, so neither is here)
GENDERED = re.compile(
    r"(?<!il )\bbenvenut[oaie]\b|\w+[oi]/[ae]\b|\bsei stat[oa]\b|\bti sei \w+t[oa]\b|\bstanc[oa]\b"
    r"|\b(resta|rimani|stai|siediti|sta'?) (ferm|sedut|comod|tranquill|attent)[oa]\b"
    r"|\bsei (pront|sicur|brav|content)[oa]\b|\b(pronto|pronta)\?",
    re.IGNORECASE,
)
#: "tu" in a sentence (2nd person verbs and possessives) for the therapist's pages
SECOND_PERSON = re.compile(
    r"\b(hai|sei|puoi|vuoi|devi|tuo|tua|tuoi|tue|lascia|attendi|riprova|controlla|inserisci|scrivi)\b",
    re.IGNORECASE,
)

#: the patient's pages and the texts only patients read
PATIENT_SOURCES = ("templates/portal", "templates/onboarding/accept.html", "portal", "onboarding/routes.py")
#: what a shared page shows only to a signed-in patient
PATIENT_LINKS_ON_STAFF_PAGES = {"Messages with your therapist"}
#: the therapist's pages
THERAPIST_SOURCES = (
    "templates/patients",
    "templates/library",
    "templates/reports",
    "templates/sessions",
    "templates/catalogue",
    "patients",
    "library",
    "reports",
    "sessions",
    "staff",
)


def _italian() -> Catalog:
    with open(Path(TRANSLATIONS_DIR) / "it" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def _hub_strings(prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(source, Italian text) of every message extracted from files under ``prefixes``."""
    it = _italian()
    out = []
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PLATFORM), method_map, keywords=keywords
    ):
        if not filename.startswith(prefixes):
            continue
        entry = it.get(message[0] if isinstance(message, tuple) else message)
        if entry is None or not entry.string:
            continue  # untranslated: shown in English (another test's business)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.id in PATIENT_LINKS_ON_STAFF_PAGES and not filename.startswith(PATIENT_SOURCES):
            continue
        out += [(filename, form) for form in forms]
    return out


def _game_strings() -> list[tuple[str, str]]:
    out = [(key, text) for key, text in CATALOGUE["it"].items()]
    out += [(key, form) for key, langs in PLURALS.items() for form in langs.get("it", ())]
    out += [("praise", t) for t in PRAISE["it"] + ENCOURAGE["it"]]
    return out


def test_the_patterns_catch_what_they_are_for() -> None:
    for bad in (
        "Benvenuto/a!",
        "Sei stato bravo",
        "Ti sei fermato?",
        "Resta fermo",
        "Sei stanca?",
        "Siediti comodo",
    ):
        assert GENDERED.search(bad), bad
    for fine in (
        "Ti diamo il benvenuto",
        "Resta immobile",
        "fin dove ti è comodo",
        "La lanterna ferma",
        "stanchezza",
    ):
        assert not GENDERED.search(fine), fine


def test_patient_facing_italian_assumes_no_gender() -> None:
    strings = _hub_strings(PATIENT_SOURCES) + _game_strings()
    assert len(strings) > 150  # the extraction found the portal's and the games' text
    found = [f"{where}: {text}" for where, text in strings if GENDERED.search(text)]
    assert found == []


def test_therapist_pages_are_impersonal() -> None:
    strings = _hub_strings(THERAPIST_SOURCES)
    assert len(strings) > 200
    found = [f"{where}: {text}" for where, text in strings if SECOND_PERSON.search(text)]
    assert found == []
