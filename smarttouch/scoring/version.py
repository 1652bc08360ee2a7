"""The version of :func:`smarttouch.scoring.analyze`'s numbers, in a module of its own so that
what only needs the version (the hub's web processes) does not load the analysis."""

from __future__ import annotations

#: The version of :func:`analyze`'s numbers. Bump it whenever a change alters what ``analyze``
#: reports for the same recording; the hub keeps it with every stored result, and
#: ``smarttouch rescore --outdated`` re-scores the sessions scored by an older version.
ALGORITHM_VERSION = "2026.12.1"

__all__ = ["ALGORITHM_VERSION"]
