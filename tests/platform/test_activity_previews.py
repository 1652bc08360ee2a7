"""Every built-in game draws its own preview picture (headless, never downloaded); the hub
caches it and shows it on the activity catalogue and the patient's plan."""

from __future__ import annotations

import io
import os

import pygame
import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.games.sdk.preview import PREVIEW_SIZE, preview_png
from smarttouch.games.sdk.registry import game_keys
from smarttouch.platform.services.clinic import catalogue, previews
from smarttouch.platform.storage.db import get_engine

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def _pixels(png: bytes) -> tuple[int, float]:
    """(distinct colours, standard deviation of the grey levels) of a PNG."""

    image = pygame.image.load(io.BytesIO(png), "preview.png")
    assert image.get_size() == PREVIEW_SIZE
    rgb = pygame.surfarray.array3d(image).reshape(-1, 3)
    colours = len({tuple(p) for p in rgb[:: max(1, len(rgb) // 20000)]})
    return colours, float(rgb.mean(axis=1).std())


@pytest.mark.parametrize("key", game_keys())
def test_every_builtin_game_draws_a_non_blank_preview(key: str) -> None:
    png = preview_png(key)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    colours, spread = _pixels(png)
    assert colours > 40, f"{key}: only {colours} colours"
    assert spread > 10.0, f"{key}: a flat picture (grey level sd {spread:.1f})"


def test_a_blank_surface_would_fail_the_check() -> None:
    blank = pygame.Surface(PREVIEW_SIZE)
    blank.fill((120, 160, 200))
    buf = io.BytesIO()
    pygame.image.save(blank, buf, "blank.png")
    colours, spread = _pixels(buf.getvalue())
    assert colours <= 40 and spread <= 10.0


def test_the_hub_renders_once_and_then_serves_the_cached_file(app: Flask, tmp_path) -> None:
    path = previews.preview_path(tmp_path, "tracking")
    assert path.is_file() and path.name.startswith("tracking-en-")
    italian = previews.preview_path(tmp_path, "tracking", "it")
    assert italian.name.startswith("tracking-it-") and italian.read_bytes() != path.read_bytes()
    assert previews.preview_path(tmp_path, "tracking", "xx") == path  # unknown language: English
    stamp = path.stat().st_mtime_ns
    again = previews.preview_path(tmp_path, "tracking")
    assert again == path and again.stat().st_mtime_ns == stamp
    with pytest.raises(previews.NotFound):
        previews.preview_path(tmp_path, "no-such-game")


def test_catalogue_page_shows_each_builtin_preview_and_serves_it(app: Flask, client, login_as) -> None:
    with app.test_request_context(), Session(get_engine(app)) as session:
        catalogue.ensure_builtin_activities(session)
    anonymous = client.get("/activities/tracking/preview.png")
    assert anonymous.status_code in (302, 401)
    login_as("therapist")
    page = client.get("/activities")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in game_keys():
        assert f'src="/activities/{key}/preview.png?lang=en"' in html
    image = client.get("/activities/balloons/preview.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/activities/not-a-game/preview.png").status_code == 404


def test_patients_may_see_previews_but_not_the_catalogue_page(client, login_as) -> None:
    login_as("patient")
    assert client.get("/activities").status_code == 403
    assert client.get("/activities/garden/preview.png").status_code == 200
