"""Italian and English: choice order, the switcher, complete catalogues, compiling."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.platform.i18n.catalogues import TRANSLATIONS_DIR, compile_catalogues
from smarttouch.platform.models import User
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token

PLATFORM = Path(__file__).resolve().parents[2] / "smarttouch" / "platform"
#: the challenge kinds declare their display names (marked ``N_``) for the hub to translate
KINDS = Path(__file__).resolve().parents[2] / "smarttouch" / "challenges" / "kinds"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}


def test_accept_language_picks_italian(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"}).get_data(as_text=True)
    assert '<html lang="it">' in html and "Accedi a SmartTouch" in html
    html = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in to SmartTouch" in html
    html = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in html  # the configured default


def test_switcher_works_before_login(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/language",
        data={"language": "it", "next": "/login", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302 and response.location == "/login"
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Accedi a SmartTouch" in html


def test_user_preference_beats_browser(client: FlaskClient, login_as, app: Flask) -> None:
    user = login_as("therapist")
    token = csrf_token(client, "/")
    client.post("/language", data={"language": "it", "csrf_token": token, "next": "/"})
    with Session(get_engine(app)) as session:
        assert session.get(User, user.id).locale == "it"
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "I miei pazienti" in html and "Vai al contenuto principale" in html


def test_every_hub_string_has_an_italian_translation() -> None:
    with (TRANSLATIONS_DIR / "it" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="it")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    missing = []
    extracted = [
        item
        for folder in (PLATFORM, KINDS)
        for item in extract_from_dir(str(folder), method_map=method_map, keywords=KEYWORDS)
    ]
    assert any(message == "Motion analysis" for _f, _l, message, _c, _x in extracted)  # kinds are read
    for filename, _lineno, message, _comments, _ctx in extracted:
        msgid = message if isinstance(message, str) else message[0]
        string = translated.get(msgid)
        if not string or (isinstance(string, tuple) and not all(string)):
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "untranslated (update the .po, see README):\n" + "\n".join(missing)


def test_catalogues_compile(tmp_path: Path) -> None:
    written = compile_catalogues(target=tmp_path)
    assert (tmp_path / "it" / "LC_MESSAGES" / "messages.mo") in written
    assert compile_catalogues(target=tmp_path) == []  # up to date: nothing rewritten


def test_app_compiles_into_instance_when_package_is_read_only(tmp_path: Path, monkeypatch) -> None:
    from smarttouch.platform.i18n import catalogues

    real = catalogues.compile_catalogues

    def read_only(
        source: Path = TRANSLATIONS_DIR, target: Path | None = None, force: bool = False
    ) -> list[Path]:
        if target is None:
            raise PermissionError("read-only package folder")
        return real(source, target, force)

    monkeypatch.setattr(catalogues, "compile_catalogues", read_only)
    folder = catalogues.ensure_compiled(tmp_path / "translations")
    assert folder == tmp_path / "translations"
    assert (folder / "it" / "LC_MESSAGES" / "messages.mo").is_file()
