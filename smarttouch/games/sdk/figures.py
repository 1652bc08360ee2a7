"""Animated demonstrations of the movements: a simple figure that shows what to do.

The instructions scene draws the figure of the session's movement (``draw_demo``), so a new
game gets its demonstration from the movement it trains, with no drawing of its own. Each
movement has a pose function in :data:`FIGURES` (registered with :func:`register_figure`)
that turns the movement's progress ``f`` (0 = start position, 1 = the top of the movement)
into the segments of a stick figure; a movement without one gets a generic joint that bends.

Coordinates of a pose are in "figure units": a standing person is about 10 units tall, x to
the right, y up from the floor. ``draw_demo`` fits them into the rectangle it is given.

Every figure shows the RIGHT side training: seen from the side, the person faces right (their
right side towards the patient); seen from the front (abduction), the moving arm is on the
patient's right, as in a mirror. ``draw_demo(..., side="left")`` mirrors the figure left to
right, so a patient training the left side copies a figure moving that side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pygame

from smarttouch.games.sdk.palette import INK, ORANGE, PANEL_EDGE, SKY_BLUE, Color, darken, lighten

Point = tuple[float, float]

# body proportions, figure units (a person ~10 tall)
SHIN, THIGH, TRUNK, NECK, HEAD_R = 2.6, 2.4, 3.2, 0.45, 0.85
UPPER_ARM, FOREARM, HAND = 2.9, 2.5, 0.9
SHOULDER_DROP = 0.35  # the shoulder joint sits a little below the top of the trunk

CYCLE_S = 4.4  # one demonstrated repetition: rest, up, hold, down


@dataclass
class Pose:
    """A stick figure: body segments, the moving segments (highlighted), a head, props."""

    body: list[tuple[Point, Point]] = field(default_factory=list)
    trunk: list[tuple[Point, Point]] = field(default_factory=list)  # drawn wider than limbs
    moving: list[tuple[Point, Point]] = field(default_factory=list)
    head: Point | None = None
    props: list[tuple[Point, Point]] = field(default_factory=list)  # chair, table: thin lines
    tip: Point | None = None  # the moving end, whose path is drawn
    palm: tuple[Point, float, float] | None = None  # centre, width factor (-1..1), angle for pronation


FigureFn = Callable[[float], Pose]
FIGURES: dict[str, FigureFn] = {}


def register_figure(*movements: str) -> Callable[[FigureFn], FigureFn]:
    """Declare the pose function of one or more movements (decorator)."""

    def deco(fn: FigureFn) -> FigureFn:
        for m in movements:
            FIGURES[m] = fn
        return fn

    return deco


def along(p: Point, length: float, angle_deg: float) -> Point:
    """The point ``length`` away from ``p`` at ``angle_deg`` from straight down (90 = forward,
    180 = straight up; forward is +x)."""
    a = math.radians(angle_deg)
    return (p[0] + length * math.sin(a), p[1] - length * math.cos(a))


def demo_progress(t: float) -> float:
    """0..1..0 over one demonstrated repetition of ``CYCLE_S`` seconds (eased, with holds)."""
    c = (t % CYCLE_S) / CYCLE_S
    if c < 0.12:
        return 0.0
    if c < 0.45:
        x = (c - 0.12) / 0.33
    elif c < 0.6:
        return 1.0
    elif c < 0.93:
        x = 1.0 - (c - 0.6) / 0.33
    else:
        return 0.0
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _standing_side(lean_deg: float = 0.0) -> tuple[Pose, Point]:
    """A person standing, seen from the side, facing right; returns the pose and the shoulder."""
    ankle = (0.0, 0.3)
    knee = along(ankle, SHIN, 180)
    hip = along(knee, THIGH, 180)
    neck = along(hip, TRUNK, 180 - lean_deg)
    shoulder = along(neck, SHOULDER_DROP, -lean_deg)
    pose = Pose(
        body=[((0.6, 0.3), ankle), (ankle, knee), (knee, hip)],
        trunk=[(hip, neck)],
        head=along(neck, NECK + HEAD_R, 180 - lean_deg),
        props=[((-2.5, 0.0), (3.5, 0.0))],
    )
    return pose, shoulder


@register_figure("shoulder_flexion")
def shoulder_flexion(f: float) -> Pose:
    pose, shoulder = _standing_side()
    a = 165.0 * f
    elbow = along(shoulder, UPPER_ARM, a)
    wrist = along(elbow, FOREARM, a)
    hand = along(wrist, HAND, a)
    pose.moving = [(shoulder, elbow), (elbow, wrist), (wrist, hand)]
    pose.tip = hand
    return pose


@register_figure("reach_forward")
def reach_forward(f: float) -> Pose:
    pose, shoulder = _standing_side(lean_deg=12.0 * f)
    upper = 35.0 + 50.0 * f
    fore = upper + 75.0 * (1.0 - f)
    elbow = along(shoulder, UPPER_ARM, upper)
    wrist = along(elbow, FOREARM, fore)
    hand = along(wrist, HAND, fore)
    pose.moving = [(shoulder, elbow), (elbow, wrist), (wrist, hand)]
    pose.props.append(((6.2, 6.3), (6.2, 7.3)))  # something to reach for
    pose.tip = hand
    return pose


@register_figure("elbow_flexion")
def elbow_flexion(f: float) -> Pose:
    pose, shoulder = _standing_side()
    elbow = along(shoulder, UPPER_ARM, 0.0)
    a = 140.0 * f
    wrist = along(elbow, FOREARM, a)
    hand = along(wrist, HAND, a)
    pose.body.append((shoulder, elbow))
    pose.moving = [(elbow, wrist), (wrist, hand)]
    pose.tip = hand
    return pose


@register_figure("shoulder_abduction")
def shoulder_abduction(f: float) -> Pose:
    """Seen from the front: the arm rises sideways."""
    hip_l, hip_r = (-0.7, 5.0), (0.7, 5.0)
    sh_l, sh_r = (-1.2, 7.9), (1.2, 7.9)
    pose = Pose(
        body=[
            ((-1.1, 0.3), hip_l),
            ((1.1, 0.3), hip_r),
            (sh_l, sh_r),
            (sh_l, along(sh_l, UPPER_ARM + FOREARM, -8.0)),
        ],
        trunk=[((-0.35, 5.2), (-0.35, 7.9)), ((0.35, 5.2), (0.35, 7.9))],
        head=(0.0, 8.2 + NECK + HEAD_R),
        props=[((-3.5, 0.0), (4.5, 0.0))],
    )
    a = 8.0 + 150.0 * f
    hand = along(sh_r, UPPER_ARM + FOREARM + HAND, a)
    pose.moving = [(sh_r, hand)]
    pose.tip = hand
    return pose


def _seated_arm_on_table() -> tuple[Pose, Point]:
    """A forearm resting on a table, seen from the side, the wrist at the table's edge."""
    elbow, wrist = (-3.0, 4.0), (1.2, 4.0)
    pose = Pose(body=[(elbow, wrist), (along(elbow, 2.4, 200.0), elbow)], props=[((-4.5, 3.45), (1.3, 3.45))])
    return pose, wrist


@register_figure("wrist_flexion")
def wrist_flexion(f: float) -> Pose:
    pose, wrist = _seated_arm_on_table()
    a = 90.0 + 70.0 * f  # the hand tilts up from level
    knuckles = along(wrist, 1.8, a)
    fingers = along(knuckles, 1.1, a + 10.0 * f)
    pose.moving = [(wrist, knuckles), (knuckles, fingers)]
    pose.tip = fingers
    return pose


@register_figure("forearm_pronation")
def forearm_pronation(f: float) -> Pose:
    pose, wrist = _seated_arm_on_table()
    hand = along(wrist, 1.6, 90.0)
    pose.moving = [(wrist, hand)]
    pose.palm = ((wrist[0] + 1.3, wrist[1] + 0.1), math.cos(math.pi * f), 0.0)
    return pose


@register_figure("sit_to_stand")
def sit_to_stand(f: float) -> Pose:
    ankle = (1.0, 0.3)
    knee = along(ankle, SHIN, 180.0 - 8.0 * math.sin(math.pi * f))
    thigh_a = 270.0 - 90.0 * f  # 270: pointing back (seated), 180: straight up (standing)
    hip = along(knee, THIGH, thigh_a)
    lean = 38.0 * math.sin(math.pi * min(1.0, f * 1.15)) + 8.0 * (1.0 - f)
    neck = along(hip, TRUNK, 180.0 - lean)
    shoulder = along(neck, SHOULDER_DROP, -lean)
    elbow = along(shoulder, UPPER_ARM * 0.9, 90.0 - 0.5 * lean)  # arms out in front, for balance
    wrist = along(elbow, FOREARM * 0.9, 90.0 - 0.5 * lean)
    seat_y = 0.3 + SHIN - 0.15
    pose = Pose(
        body=[((1.6, 0.3), ankle), (ankle, knee)],
        trunk=[(hip, neck)],
        moving=[(knee, hip)],
        head=along(neck, NECK + HEAD_R, 180.0 - lean),
        props=[
            ((-2.7, seat_y), (-0.2, seat_y)),
            ((-2.6, seat_y), (-2.6, 0.0)),
            ((-0.4, seat_y), (-0.4, 0.0)),
            ((-2.7, seat_y), (-2.9, seat_y + 3.0)),
            ((-3.5, 0.0), (4.0, 0.0)),
        ],
    )
    pose.body += [(shoulder, elbow), (elbow, wrist)]
    pose.tip = hip
    return pose


def generic(f: float) -> Pose:
    """A joint that bends: for a movement without a figure of its own."""
    pivot = (0.0, 4.0)
    fixed = along(pivot, 3.5, 270.0)
    a = 90.0 + 80.0 * f
    end = along(pivot, 3.5, a)
    return Pose(body=[(fixed, pivot)], moving=[(pivot, end)], tip=end)


def figure_for(movement: str) -> FigureFn:
    """The pose function of ``movement`` (the generic joint when it has none)."""
    return FIGURES.get(movement, generic)


def mirrored(side: str) -> bool:
    """Whether a figure is drawn mirrored for ``side`` (figures show the right side)."""
    return side == "left"


def _bounds(fn: FigureFn) -> tuple[float, float, float, float]:
    """min x, min y, max x, max y over a sampled cycle, figure units."""
    xs: list[float] = []
    ys: list[float] = []
    for i in range(13):
        p = fn(i / 12)
        pts = [q for seg in p.body + p.trunk + p.moving + p.props for q in seg]
        if p.head is not None:
            pts += [(p.head[0] - HEAD_R, p.head[1] - HEAD_R), (p.head[0] + HEAD_R, p.head[1] + HEAD_R)]
        if p.palm is not None:
            c = p.palm[0]
            pts += [(c[0] - 0.8, c[1] - 0.8), (c[0] + 0.8, c[1] + 0.8)]
        xs += [q[0] for q in pts]
        ys += [q[1] for q in pts]
    return min(xs), min(ys), max(xs), max(ys)


def draw_demo(
    surface: pygame.Surface,
    rect: pygame.Rect,
    movement: str,
    t: float,
    body: Color = darken(SKY_BLUE, 0.45),
    moving: Color = ORANGE,
    side: str = "right",
) -> pygame.Rect:
    """Draw the movement's figure, animated at time ``t`` (s), fitted inside ``rect``; returns
    the rectangle drawn into. ``side`` "left" mirrors it (the left side trains)."""
    fn = figure_for(movement)
    x0, y0, x1, y1 = _bounds(fn)
    scale = min(rect.width / max(x1 - x0, 1e-6), rect.height / max(y1 - y0, 1e-6)) * 0.9
    ox = rect.centerx - (x0 + x1) / 2 * scale
    oy = rect.centery + (y0 + y1) / 2 * scale

    flip = -1.0 if mirrored(side) else 1.0

    def px(p: Point) -> tuple[int, int]:
        return int(rect.centerx + flip * (ox + p[0] * scale - rect.centerx)), int(oy - p[1] * scale)

    width = max(4, int(scale * 0.42))
    f = demo_progress(t)
    end = fn(1.0)
    start = fn(0.0)
    for ghost in (start, end):  # where the movement starts and ends, faintly
        for a, b in ghost.moving:
            _limb(surface, lighten(moving, 0.72), px(a), px(b), width)
    path = [px(p) for p in (fn(i / 16).tip for i in range(17)) if p is not None]
    if len(path) > 2:
        for i in range(0, len(path) - 1, 2):
            pygame.draw.line(surface, lighten(moving, 0.35), path[i], path[i + 1], 3)
        _arrow(surface, path[-2], path[-1], lighten(moving, 0.1))
    pose = fn(f)
    for a, b in pose.props:
        pygame.draw.line(surface, PANEL_EDGE, px(a), px(b), max(3, width // 2))
    for a, b in pose.body:
        _limb(surface, body, px(a), px(b), width)
    for a, b in pose.trunk:
        _limb(surface, body, px(a), px(b), int(width * 2.2))
    if pose.head is not None:
        hc = px(pose.head)
        pygame.draw.circle(surface, body, hc, int(HEAD_R * scale))
        pygame.draw.circle(surface, darken(body, 0.3), hc, int(HEAD_R * scale), 2)
    for a, b in pose.moving:
        _limb(surface, moving, px(a), px(b), width + 2)
    if pose.palm is not None:
        c, wf, _ = pose.palm
        pw = max(4, int(abs(wf) * 0.9 * scale))
        palm = pygame.Rect(0, 0, pw, int(1.6 * scale))
        palm.center = px(c)
        pygame.draw.ellipse(surface, lighten(moving, 0.45) if wf >= 0 else darken(moving, 0.25), palm)
        pygame.draw.ellipse(surface, darken(moving, 0.4), palm, 2)
        _turn_arrow(surface, px((c[0], c[1] + 1.2)), int(0.9 * scale), INK)
    return rect


def _limb(surface: pygame.Surface, color: Color, a: tuple[int, int], b: tuple[int, int], width: int) -> None:
    pygame.draw.line(surface, color, a, b, width)
    pygame.draw.circle(surface, color, a, width // 2)
    pygame.draw.circle(surface, color, b, width // 2)


def _arrow(surface: pygame.Surface, a: tuple[int, int], b: tuple[int, int], color: Color) -> None:
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    size = 16
    pts = [
        b,
        (b[0] - size * math.cos(ang - 0.45), b[1] - size * math.sin(ang - 0.45)),
        (b[0] - size * math.cos(ang + 0.45), b[1] - size * math.sin(ang + 0.45)),
    ]
    pygame.draw.polygon(surface, color, pts)


def _turn_arrow(surface: pygame.Surface, centre: tuple[int, int], r: int, color: Color) -> None:
    """A half-turn arrow above the hand (forearm rotation)."""
    box = pygame.Rect(0, 0, 2 * r, r)
    box.center = centre
    pygame.draw.arc(surface, color, box, 0.2, math.pi - 0.2, 3)
    _arrow(surface, (box.left + 4, box.centery - 6), (box.left + 2, box.centery + 4), color)
