"""The side of the plan in the game: the figure moves the patient's side (mirrored for the
left), the instructions say where the sensor goes, in each language, and bad values are
refused by the targets."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from smarttouch.games.sdk.figures import draw_demo
from smarttouch.games.sdk.messages import CATALOGUE, tr
from smarttouch.games.sdk.palette import ORANGE
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.sensors.placements import SIDES, SITES


def _moving_x(side: str) -> float:
    """Mean x of the moving arm's pixels (orange) in the abduction figure, 0..1 of the width."""
    surface = pygame.Surface((300, 300))
    surface.fill((255, 255, 255))
    draw_demo(surface, surface.get_rect(), "shoulder_abduction", 2.0, side=side)
    rgb = pygame.surfarray.array3d(surface).astype(int)  # (x, y, 3)
    mask = np.abs(rgb - np.array(ORANGE[:3])).sum(axis=2) < 30
    xs = np.nonzero(mask)[0]
    return float(xs.mean()) / surface.get_width()


def test_the_figure_moves_the_left_arm_for_a_left_side_plan() -> None:
    assert _moving_x("right") > 0.5 > _moving_x("left")
    assert _moving_x("both") == _moving_x("right")  # a bilateral exercise: the figure as drawn


def test_every_site_and_side_has_its_sentence_in_both_languages() -> None:
    for lang in CATALOGUE:
        for site in SITES:
            for side in SIDES:
                assert tr(f"place.{site}.{side}", lang)
    assert (
        tr("instr.sensor", "it", place=tr("place.hand.left", "it")) == "Sensore sul dorso della mano sinistra"
    )


def test_targets_carry_the_side_and_refuse_unknown_values() -> None:
    t = PlanTargets(side="left", placement="wrist")
    assert t.sensor_placement == "wrist-left"
    assert PlanTargets.from_dict(t.to_dict()) == t
    assert PlanTargets().sensor_placement == ""  # a game run without a plan says nothing
    with pytest.raises(ValueError, match="side must be one of"):
        PlanTargets(side="middle")
    with pytest.raises(ValueError, match="placement must be one of"):
        PlanTargets(placement="ankle")
