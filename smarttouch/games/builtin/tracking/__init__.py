"""Follow the butterfly: keep your flower ring under a butterfly that glides smoothly up and
down; trains control and speed of movement rather than reach.

The game's card: what the registry lists (and the hub's catalogue shows) without importing
the game itself, which draws with pygame (``game.py``). The tracking logic without pygame is
in ``path.py``.
"""

from smarttouch.games.sdk.protocol import GameInfo
from smarttouch.games.sdk.registry import declare
from smarttouch.games.sdk.world import WorldGrowth

INFO = declare(
    GameInfo(
        key="tracking",
        title={"en": "Follow the Butterfly", "it": "Segui la farfalla"},
        movements=("elbow_flexion", "wrist_flexion", "shoulder_flexion", "shoulder_abduction"),
        how_to={
            "en": "A butterfly glides slowly up and down. Move your arm to keep the flower ring "
            "right under it, as smoothly as you can. The closer you follow, the more it shines!",
            "it": "Una farfalla vola lentamente su e giù. Muovi il braccio per tenere l'anello di "
            "fiori proprio sotto di lei, nel modo più fluido possibile. Più la segui da vicino, "
            "più brilla!",
        },
        rom_deg=90.0,
        max_rom_deg=130.0,
        catalogue_titles={"en": "Follow the butterfly", "it": "Segui la farfalla"},
        description="Follow a target that moves smoothly up and down: trains movement control "
        "and speed; its speed and height adapt to how closely the patient follows.",
        world=WorldGrowth(item={"en": "butterfly", "it": "farfalla"}),
    ),
    entrypoint=f"{__name__}.game:Tracking",
)
