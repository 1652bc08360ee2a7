"""One page of a long list, newest first: which page a request may see and which rows it holds.
Shared by every paginated list of the hub (the audit trail, the reads of records, the clinical
needs); the templates draw the links with the ``pager`` macro of ``macros.html``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Page ``page`` of ``pages`` (at least one) over ``total`` rows: skip ``offset``, take
    ``limit``."""

    page: int
    pages: int
    total: int
    offset: int
    limit: int


def window(total: int, page: int, per_page: int) -> Window:
    """The window for the requested ``page``, brought within 1..pages."""
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    return Window(page=page, pages=pages, total=total, offset=(page - 1) * per_page, limit=per_page)


__all__ = ["Window", "window"]
