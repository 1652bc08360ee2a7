"""Persuasive motion mini-games and the framework that runs them.

* :mod:`smarttouch.games.sdk` - what a game imports (protocol, base class, events, registry,
  drawing helpers); see docs/game-protocol.md.
* :mod:`smarttouch.games.session` - the framework that runs one session of a game:
  :func:`smarttouch.games.session.runner.run_session` plays :class:`PlanTargets` with an input
  device and returns a :class:`smarttouch.games.session.result.SessionResult`.
* :mod:`smarttouch.games.builtin` - the built-in games (registered on first registry lookup).

The old module paths ``smarttouch.games.{protocol,basegame,events,palette,registry,targets}``
still import: games published from the starter kit before the SDK had its own folder use them.
pygame is imported only by the modules that draw.
"""

import os as _os

# pygame prints a greeting on import; patients and CI logs do not need it.
_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
