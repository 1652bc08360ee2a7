"""The built-in games, one folder each: ``<key>/__init__.py`` declares the game's
:class:`GameInfo` and where its class lives; ``<key>/game.py`` is the game (pygame).

Importing this package declares every folder found here, so adding a built-in game is adding
its folder; the registry imports a game's ``game.py`` only when the game is played.
"""

import importlib
import pkgutil

for _found in pkgutil.iter_modules(__path__):
    if _found.ispkg:
        importlib.import_module(f"{__name__}.{_found.name}")
