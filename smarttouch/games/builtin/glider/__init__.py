"""Glider: bend your wrist to fly a paper glider up through the rings.

The game's card: what the registry lists (and the hub's catalogue shows) without importing
the game itself, which draws with pygame (``game.py``).
"""

from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import declare

INFO = declare(
    GameInfo(
        key="glider",
        title={"en": "Glider", "it": "L'aliante"},
        movements=("wrist_flexion", "forearm_pronation"),
        how_to={
            "en": "Bend your wrist slowly to lift the glider and fly it through the ring. "
            "Then bring your wrist back: the next ring is coming.",
            "it": "Piega lentamente il polso per far salire l'aliante e passare nell'anello. "
            "Poi riporta il polso indietro: sta arrivando il prossimo anello.",
        },
        rom_deg=60.0,
        max_rom_deg=80.0,
        catalogue_titles={"en": "Glider", "it": "Aliante"},
        description="Steer a glider through rings by moving the wrist or turning the forearm.",
    ),
    entrypoint=f"{__name__}.game:Glider",
)
