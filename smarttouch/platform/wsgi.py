"""The hub as a WSGI application, for gunicorn: ``gunicorn 'smarttouch.platform.wsgi:app'``
(the Procfile, the systemd unit and the local test cluster).

Each gunicorn worker process imports this module once: it keeps freed memory for the next
upload (:func:`~smarttouch.platform.memory.keep_freed_memory`), then builds the hub from the
``SMARTTOUCH_*`` environment.
"""

from __future__ import annotations

from .core.app import create_app
from .memory import keep_freed_memory

keep_freed_memory()
app = create_app()

__all__ = ["app"]
