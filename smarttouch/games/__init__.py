"""Persuasive motion mini-games and the framework that runs them.

Entry points: :func:`smarttouch.games.runner.run_session` (play one session of
:class:`smarttouch.games.targets.PlanTargets` with an input device and get a
:class:`smarttouch.games.session.SessionResult`), the registry in
:mod:`smarttouch.games.registry`, and the ``Game`` protocol in :mod:`smarttouch.games.protocol`
(see docs/game-protocol.md). pygame is imported only by the modules that draw.
"""

import os as _os

# pygame prints a greeting on import; patients and CI logs do not need it.
_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
