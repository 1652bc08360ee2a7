"""Clinical needs: therapists file them (:mod:`.filing`), support them and discuss them with
the challenge managers (:mod:`.thread`); managers accept, decline or turn them into a challenge
(:mod:`.workflow`); an approved solution of that challenge answers them (:mod:`.answers`).
Whoever is subscribed to a need hears of its news through :class:`.notices.NeedNotice`.

Developers and patients never read needs, and a need never holds a patient's identity
(:mod:`.privacy`)."""

from __future__ import annotations

from .filing import get_need
from .workflow import link_challenge, needs_of

__all__ = ["get_need", "link_challenge", "needs_of"]
