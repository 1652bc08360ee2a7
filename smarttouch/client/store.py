"""Where the client keeps its files, and the device token.

* the link to the hub (hub URL, device token, patient code) in ``<config>/hub.json``, written
  with mode 0600 in a 0700 folder: the token is a credential;
* the outbox (``outbox.sqlite``), the cached plan (``plan.json``), preferences such as the
  remembered sensor (``prefs.json``) and the verified approved games (``games/<sha256>/``) in
  ``<data>``.

``<config>`` and ``<data>`` are the user's platform folders (``platformdirs``); the
environment variable ``SMARTTOUCH_CLIENT_HOME`` puts both in one folder (tests, portable
installs).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from smarttouch.files import atomic_write_json, atomic_write_text
from smarttouch.paths import user_config_path, user_data_path

HOME_ENV = "SMARTTOUCH_CLIENT_HOME"


class NotPaired(RuntimeError):
    """This computer has no (valid) link to a hub yet."""


@dataclass(frozen=True)
class HubLink:
    """The pairing: which hub, which token, for which patient."""

    hub_url: str
    token: str
    device_id: int
    patient_code: str
    paired_at: str


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path`` readable by the owner only (0600, folder 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    atomic_write_text(path, text, mode=0o600, fsync=True)


class ClientStore:
    """The client's folders and small files (see module docstring)."""

    def __init__(self, config_dir: Path | None = None, data_dir: Path | None = None) -> None:
        home = os.environ.get(HOME_ENV)
        if config_dir is None or data_dir is None:
            if home:
                config_dir = config_dir or Path(home)
                data_dir = data_dir or Path(home)
            else:
                config_dir = config_dir or user_config_path()
                data_dir = data_dir or user_data_path("client")
        self.config_dir = Path(config_dir)
        self.data_dir = Path(data_dir)

    @property
    def link_path(self) -> Path:
        return self.config_dir / "hub.json"

    @property
    def outbox_path(self) -> Path:
        return self.data_dir / "outbox.sqlite"

    @property
    def plan_path(self) -> Path:
        return self.data_dir / "plan.json"

    @property
    def prefs_path(self) -> Path:
        return self.data_dir / "prefs.json"

    @property
    def game_cache_path(self) -> Path:
        """Approved games downloaded from the hub, one folder per code sha256
        (``$SMARTTOUCH_GAME_CACHE`` overrides it)."""
        env = os.environ.get("SMARTTOUCH_GAME_CACHE")
        return Path(env) if env else self.data_dir / "games"

    # ------------------------------------------------------------------ the hub link
    def save_link(self, link: HubLink) -> Path:
        _write_private(self.link_path, json.dumps(asdict(link), indent=1))
        return self.link_path

    def load_link(self) -> HubLink:
        """The saved pairing; raises :class:`NotPaired` when there is none or it is broken.

        A token file readable by others is tightened to 0600 on the way.
        """
        path = self.link_path
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                os.chmod(path, 0o600)
            data = json.loads(path.read_text(encoding="utf-8"))
            return HubLink(
                hub_url=str(data["hub_url"]),
                token=str(data["token"]),
                device_id=int(data["device_id"]),
                patient_code=str(data.get("patient_code", "")),
                paired_at=str(data.get("paired_at", "")),
            )
        except FileNotFoundError:
            raise NotPaired(
                "this computer is not paired with a hub yet: run "
                "smarttouch pair --hub URL CODE with the code from your "
                "therapist"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise NotPaired(f"{path} is damaged ({exc}): pair again with smarttouch pair") from None

    # ------------------------------------------------------------------ preferences
    def prefs(self) -> dict[str, Any]:
        try:
            data = json.loads(self.prefs_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def set_pref(self, key: str, value: Any) -> None:
        data = self.prefs()
        data[key] = value
        atomic_write_json(self.prefs_path, data)
