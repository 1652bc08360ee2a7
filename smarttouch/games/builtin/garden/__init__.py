"""Garden: every sit-to-stand makes your garden grow, and the garden is still there next time.

The game's card: what the registry lists (and the hub's catalogue shows) without importing
the game itself, which draws with pygame (``game.py``).
"""

from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import declare

INFO = declare(
    GameInfo(
        key="garden",
        title={"en": "My Garden", "it": "Il mio giardino"},
        movements=("sit_to_stand",),
        how_to={
            "en": "Stand up slowly from the chair to raise the sun, then sit down again. "
            "Every time you stand, your garden grows!",
            "it": "Alzati lentamente dalla sedia per far salire il sole, poi siediti di nuovo. "
            "Ogni volta che ti alzi, il tuo giardino cresce!",
        },
        rom_deg=80.0,
        max_rom_deg=100.0,
        catalogue_titles={"en": "Garden", "it": "Giardino"},
        description="Each sit-to-stand grows the garden, which keeps growing across sessions.",
    ),
    entrypoint=f"{__name__}.game:Garden",
)
