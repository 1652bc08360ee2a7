"""Reference solutions evaluated like any submission and shown as reference leaderboard rows.

Each folder is a complete solution (``solution.toml`` + code); :data:`BASELINES` maps a
challenge slug to the folders that apply to it.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent

BASELINES: dict[str, tuple[str, ...]] = {
    "rep-counting": ("our_scorer", "peak_counter"),
    "shoulder-reach-game": ("balloons",),
}


def baseline_dirs(slug: str) -> list[Path]:
    """Solution folders of the reference rows of challenge ``slug`` (may be empty)."""
    return [ROOT / name for name in BASELINES.get(slug, ())]
