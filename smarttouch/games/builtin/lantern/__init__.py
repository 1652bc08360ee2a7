"""Lantern: lift the lantern above the line and hold it there, steady, to free a firefly.

The game's card: what the registry lists (and the hub's catalogue shows) without importing
the game itself, which draws with pygame (``game.py``).
"""

from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import declare

INFO = declare(
    GameInfo(
        key="lantern",
        title={"en": "Steady Lantern", "it": "La lanterna ferma"},
        movements=("shoulder_flexion", "reach_forward", "elbow_flexion"),
        how_to={
            "en": "Lift the lantern above the golden line and hold it there, as still as you can, "
            "until the circle is full. A firefly will fly into your jar.",
            "it": "Solleva la lanterna sopra la linea dorata e tienila lì, più ferma che puoi, "
            "finché il cerchio è pieno. Una lucciola volerà nel tuo barattolo.",
        },
        rom_deg=70.0,
        max_rom_deg=120.0,
        catalogue_titles={"en": "Steady hand", "it": "Mano ferma"},
        description="Hold a lantern steady along a path: trains steadiness and tremor control.",
    ),
    entrypoint=f"{__name__}.game:Lantern",
)
