"""The patient's client of the hub: pairing, today's plan (cached), an offline-first outbox
and a background uploader. Plain ``requests`` + SQLite: it never imports the hub's server
side (Flask, SQLModel), so the games can use it on a home PC.

* :mod:`.store` - where the client keeps its files; the device token (mode 0600).
* :mod:`.http` - :class:`HubClient`, the HTTP calls and their error classes.
* :mod:`.outbox` - :class:`Outbox`, sessions written to SQLite before any upload.
* :mod:`.uploader` - :class:`Uploader` (retry with backoff) and :class:`BackgroundUploader`.
* :mod:`.plan_cache` - the last plan fetched, for playing offline.
* :mod:`.packages` - approved games downloaded by hash, verified and cached.
* :mod:`.approved_games` - running one only if it is exactly the approved code.
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
