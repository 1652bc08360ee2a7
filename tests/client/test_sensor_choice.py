"""The client's sensor choice: ``--sensor``, the remembered sensor, or the "Choose your sensor"
screen (headless, SDL dummy driver), and how the screen's answer becomes a ``--sensor`` spec."""

from __future__ import annotations

import pygame
import pytest

from smarttouch.client import ClientStore
from smarttouch.client.errors import PlayError
from smarttouch.client.sensor_choice import pick_sensor
from tests.games.conftest import ROWS, key, no_adapter


def test_pick_sensor_uses_the_picker_and_choose_forces_it(tmp_path):
    store = ClientStore(tmp_path, tmp_path)
    seen = []

    def picker(scan, to_spec):
        rows = scan()
        seen.append(rows)
        return to_spec(rows[0])

    assert pick_sensor(None, store, scan=lambda: ROWS, picker=picker) == "ble:AA:BB:CC:DD:EE:01:thingy52-raw"
    store.set_pref("sensor", "ble:EE:FF")
    assert pick_sensor(None, store, picker=picker) == "ble:EE:FF"  # remembered: no screen
    assert (
        pick_sensor("choose", store, scan=lambda: ROWS[1:], picker=picker)
        == "ble:AA:BB:CC:DD:EE:02:smarttouch-imu"
    )
    assert (
        pick_sensor("choose:virtual:thingy52-raw", store, scan=lambda: ROWS, picker=picker)
        == "virtual:thingy52-raw"
    )
    assert pick_sensor(None, store, picker=lambda s, t: "keyboard", scan=no_adapter) == "ble:EE:FF"
    with pytest.raises(PlayError, match="choose:virtual"):
        pick_sensor("choose:bogus", store, picker=picker)
    assert len(seen) == 3


def test_hub_cli_picker_maps_choices_to_specs(monkeypatch):
    """The window's answer becomes a --sensor spec; closing it is a clear PlayError."""
    import smarttouch.games.session.scenes.sensor_picker as sp
    from smarttouch.client.hub_cli import _picker_screen

    real = sp.run_picker
    presses: list[int] = []

    def scripted(scan, is_no_adapter, **kw):
        def events(picker, frame):
            return [] if picker.status == "scanning" else [key(presses[0])]

        return real(scan, is_no_adapter, headless=True, events=events, max_frames=2000)

    monkeypatch.setattr(sp, "run_picker", scripted)
    picker = _picker_screen("en", False)
    presses[:] = [pygame.K_1]
    assert picker(lambda: ROWS, lambda row: f"ble:{row[0]}") == "ble:AA:BB:CC:DD:EE:01"
    presses[:] = [pygame.K_4]
    assert picker(lambda: ROWS, lambda row: "unused") == "keyboard"
    presses[:] = [pygame.K_ESCAPE]
    with pytest.raises(PlayError, match="no sensor chosen"):
        picker(no_adapter, lambda row: "unused")
