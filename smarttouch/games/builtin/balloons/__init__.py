"""Balloon Pop: raise your arm to lift a magic star up to the balloon and pop it.

The game's card: what the registry lists (and the hub's catalogue shows) without importing
the game itself, which draws with pygame (``game.py``).
"""

from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import declare

INFO = declare(
    GameInfo(
        key="balloons",
        title={"en": "Balloon Pop", "it": "Scoppia i palloncini"},
        movements=("shoulder_flexion", "shoulder_abduction", "reach_forward"),
        how_to={
            "en": "Raise your arm slowly to lift the star up to the balloon and pop it. "
            "Then lower your arm: a new balloon will come.",
            "it": "Alza lentamente il braccio per portare la stella fino al palloncino e farlo scoppiare. "
            "Poi abbassa il braccio: arriverà un nuovo palloncino.",
        },
        rom_deg=90.0,
        max_rom_deg=150.0,
        catalogue_titles={"en": "Balloon reach", "it": "Palloncini in alto"},
        description="Pop balloons placed at heights inside the calibrated range of motion.",
    ),
    entrypoint=f"{__name__}.game:BalloonPop",
)
