"""A game's own trophy for the summary screen: what the patient made happen today, in the
game's words ("12 balloons popped", "5 flowers", "8 fireflies").

A game may define ``trophy(self) -> Trophy | None`` (optional, see docs/game-protocol.md); the
framework calls it once the session has ended and shows the count with the game's own noun,
in the patient's language and with the right plural. Games without the method, or with
nothing to show (count 0), show no trophy. An outside game supplies one the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from smarttouch.games.sdk.messages import plural_of
from smarttouch.games.sdk.palette import ORANGE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trophy:
    """What the game counts as today's catch.

    Attributes:
        count: how many (0 or more).
        forms: per language, one text per plural category with ``{n}`` for the count, e.g.
            ``{"en": ("{n} balloon popped", "{n} balloons popped"), "it": (...)}``; English and
            Italian have two categories (singular, plural), as gettext's ``ngettext``.
        color: an RGB colour for the trophy's medal.
    """

    count: int
    forms: dict[str, tuple[str, ...]]
    color: tuple[int, int, int] = ORANGE

    def __post_init__(self) -> None:
        if int(self.count) < 0:
            raise ValueError(f"a trophy's count cannot be negative, got {self.count}")
        if not self.forms or any(not forms for forms in self.forms.values()):
            raise ValueError("a trophy needs at least one language with its plural forms")

    def text(self, lang: str) -> str:
        """E.g. "1 balloon popped" / "3 palloncini scoppiati"."""
        return plural_of(self.forms, int(self.count), lang)


def trophy_of(game: Any) -> Trophy | None:
    """The game's trophy, or None (no ``trophy`` method, nothing to show, or it failed: a
    broken trophy never breaks the summary)."""
    hook = getattr(game, "trophy", None)
    if not callable(hook):
        return None
    try:
        found = hook()
    except Exception:  # an outside game's bug must not cost the patient the summary
        log.exception("the game's trophy() failed")
        return None
    if not isinstance(found, Trophy) or found.count <= 0:
        return None
    return found
