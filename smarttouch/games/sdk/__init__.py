"""The games SDK: what a game imports, built-in or written by an outside developer.

* :mod:`.protocol` - the ``Game`` protocol, :class:`GameInfo`, :class:`GameContext`,
  :class:`Difficulty` (docs/game-protocol.md);
* :mod:`.basegame` - :class:`RepGame`, a base class that does the rep/score bookkeeping;
* :mod:`.events` - :class:`GameEvent` and ``rep_event``;
* :mod:`.targets` - :class:`PlanTargets`, the session's goal;
* :mod:`.registry` - ``register`` (built-ins), ``load_entrypoint`` (outside games), lookups;
* :mod:`.messages` - the games' message catalogue (``ctx.tr``; ``ntr`` for counts);
* :mod:`.trophy` - :class:`Trophy`, the game's own count for the summary (optional hook);
* drawing helpers: :mod:`.palette` (Okabe-Ito colours), :mod:`.gfx` (text, panels, shapes),
  :mod:`.particles`, :mod:`.scenery` (landscapes, clouds).

Nothing here imports the session framework (``smarttouch.games.session``).
"""
