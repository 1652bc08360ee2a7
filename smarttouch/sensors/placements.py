"""Where the one sensor is worn and which side trains: the vocabulary shared by the hub (the
therapist's choice per assignment), the patient's client (the plan it plays) and the games
(the side the figure shows), keyed by movement.

A placement is a body site (``upper-arm``, ``forearm``, ``wrist``, ``hand``, ``thigh``) and a
side (``left``, ``right``, or ``both`` for a bilateral exercise: both limbs move together and
the sensor rides on one of them). The sites a movement allows are the ones the simulator
models (:data:`smarttouch.sensors.simulator.PLACEMENTS`); a movement allows ``both`` only when
the two limbs can do it at once. A recording's placement text is ``SITE-SIDE``
(``hand-left``, ``thigh-both``), the form the sensors room already writes.
"""

from __future__ import annotations

from dataclasses import dataclass

SITES = ("upper-arm", "forearm", "wrist", "hand", "thigh")
SIDES = ("left", "right", "both")
DEFAULT_SIDE = "right"


@dataclass(frozen=True)
class PlacementRule:
    """The sites a movement allows (the first is its default) and whether it can be bilateral."""

    sites: tuple[str, ...]
    bilateral: bool


RULES: dict[str, PlacementRule] = {
    "shoulder_flexion": PlacementRule(("upper-arm", "wrist"), bilateral=True),
    "shoulder_abduction": PlacementRule(("upper-arm", "wrist"), bilateral=True),
    "elbow_flexion": PlacementRule(("wrist", "forearm"), bilateral=True),
    "wrist_flexion": PlacementRule(("hand",), bilateral=False),
    "forearm_pronation": PlacementRule(("wrist",), bilateral=False),
    "sit_to_stand": PlacementRule(("thigh",), bilateral=True),
    "reach_forward": PlacementRule(("wrist",), bilateral=False),
}
#: a movement the registry does not name (an unnamed periodic exercise): any site, any side
ANY = PlacementRule(SITES, bilateral=True)


def rule_for(movement: str | None) -> PlacementRule:
    """The placement rule of ``movement`` (any site and side when it has none)."""
    return RULES.get(movement or "", ANY)


def default_site(movement: str | None) -> str:
    """The site a movement's sensor goes on unless the therapist says otherwise."""
    return rule_for(movement).sites[0]


def sides_for(movement: str | None) -> tuple[str, ...]:
    """The sides a movement can be prescribed for (``both`` only when it can be bilateral)."""
    return SIDES if rule_for(movement).bilateral else ("left", "right")


def default_side(movement: str | None, affected_side: str | None) -> str:
    """The side to prescribe for a patient whose affected side is ``affected_side``
    (left/right/both/none): that side when the movement allows it, else the right."""
    side = affected_side if affected_side in sides_for(movement) else None
    return side or DEFAULT_SIDE


def placement_problem(movement: str | None, site: str, side: str) -> str | None:
    """Why ``site`` and ``side`` cannot be prescribed for ``movement`` (English), or None.

    The message names the allowed choices; the hub's form shows its own translated message."""
    rule = rule_for(movement)
    if site not in rule.sites:
        return f"placement {site!r} is not used for {movement}; choose {', '.join(rule.sites)}"
    if side not in sides_for(movement):
        return f"side {side!r} is not possible for {movement}; choose {', '.join(sides_for(movement))}"
    return None


def placement_text(site: str, side: str) -> str:
    """The recording's placement text, ``SITE-SIDE``."""
    return f"{site}-{side}"


def simulated_placement(movement: str, site: str, side: str, simulated: tuple[str, ...]) -> str | None:
    """The simulator's placement closest to the prescribed one: the same site and side, the
    same site on the right for a bilateral exercise (the sensor rides on one limb), else None
    (the simulator's default). ``simulated`` lists the simulator's placements of the movement."""
    for candidate in (placement_text(site, side), placement_text(site, DEFAULT_SIDE)):
        if candidate in simulated:
            return candidate
    return None
