"""The patient's home application: pairing with the hub, today's plan (cached), an
offline-first outbox, a background uploader, approved games fetched and verified by hash, and
``smarttouch play`` itself. Plain ``requests`` + SQLite: it never imports the hub's server side
(Flask, SQLModel); it builds on the games, sensors and scoring rooms, and nothing but the
command line (``smarttouch.cli``) imports it.

The hub link (library):

* :mod:`.store` - where the client keeps its files; the device token (mode 0600).
* :mod:`.http` - :class:`HubClient`, the HTTP calls and their error classes.
* :mod:`.outbox` - :class:`Outbox`, sessions written to SQLite before any upload.
* :mod:`.uploader` - :class:`Uploader` (retry with backoff) and :class:`BackgroundUploader`.
* :mod:`.plan_cache` - the last plan fetched, for playing offline.
* :mod:`.packages` - approved games downloaded by hash, verified and cached.
* :mod:`.approved_games` - running one only if it is exactly the approved code.

Playing (``smarttouch play``):

* :mod:`.plan` - today's plan's shape (TypedDicts) and choosing the exercise and its targets.
* :mod:`.sensor_choice` - ``--sensor``, the remembered sensor, or the "Choose your sensor" screen.
* :mod:`.upload` - the metadata and recording bytes uploaded for a session.
* :mod:`.progress` - the summary's progress from the hub.
* :mod:`.hub_play` - the link for one run: connect, fetch the plan, get the game, queue results.
* :mod:`.play_options`, :mod:`.play_cli`, :mod:`.hub_cli`, :mod:`.cli` - the commands
  (``play``, ``pair``, ``outbox``).
"""

from smarttouch.client.http import HubClient, HubError, HubRejected, HubUnreachable, TokenRejected
from smarttouch.client.outbox import Outbox, OutboxItem
from smarttouch.client.plan_cache import PlanCache
from smarttouch.client.store import ClientStore, HubLink, NotPaired
from smarttouch.client.uploader import BackgroundUploader, FlushReport, Uploader

__all__ = [
    "BackgroundUploader",
    "ClientStore",
    "FlushReport",
    "HubClient",
    "HubError",
    "HubLink",
    "HubRejected",
    "HubUnreachable",
    "NotPaired",
    "Outbox",
    "OutboxItem",
    "PlanCache",
    "TokenRejected",
    "Uploader",
]
