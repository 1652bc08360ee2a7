"""Recording who read a patient's record, without slowing the page down.

Views call :func:`note_read` (or :func:`note_reads` for a list of patients) once they have
the data to show; the reads wait in the request's memory (``flask.g``). When the request
ends, :func:`init_app`'s teardown writes them all with one INSERT, after the view's
transaction is over, committed without waiting for the disk
(:func:`~smarttouch.platform.services.rights.access_log.store`), and only when the response
was a success (a 4xx/5xx showed nothing). Reads by the patient themselves are not kept (see
:mod:`smarttouch.platform.services.rights.access_log`).

A failed write is logged and does not turn the page into an error: the page has already
been rendered and the read happened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, Response, g, request
from flask_login import current_user

from ..auth.access import signed_in_user
from ..models import utcnow
from ..services.rights import access_log
from ..services.rights.access_log import Read
from ..storage.db import get_engine, get_session

log = logging.getLogger(__name__)
_PENDING = "record_reads"
_OK = "record_reads_ok"


def _recording() -> bool:
    return bool(current_user and current_user.is_authenticated and access_log.is_recorded(current_user))


def note_read(patient_id: int, what: str, *, target_id: int | None = None, detail: str = "") -> None:
    """Note that the signed-in user is being shown ``what`` of patient ``patient_id``."""
    if _recording():
        g.setdefault(_PENDING, []).append(Read(patient_id, what, target_id, detail))


def note_reads(patient_ids: Iterable[int], what: str) -> None:
    """The same read of several patients (e.g. the rows of the caseload)."""
    if _recording():
        g.setdefault(_PENDING, []).extend(Read(pid, what) for pid in patient_ids)


def pending() -> list[Read]:
    """The reads noted so far in this request (for tests and the flush)."""
    return list(g.get(_PENDING, []))


def _flush(exc: BaseException | None) -> None:
    reads = g.pop(_PENDING, None)
    if not reads or exc is not None or not g.pop(_OK, False):
        return
    via = "api" if request.path.startswith("/api/") else "web"
    rows = access_log.row_values(reads, actor=signed_in_user(), via=via, ip=request.remote_addr, at=utcnow())
    get_session().rollback()  # the view is over: anything it left uncommitted is dropped at teardown anyway
    try:
        with get_engine().connect() as connection:
            access_log.store(connection, rows)
    except Exception:  # the page is rendered: report the lost reads, do not fail the request
        log.exception("could not record %d read(s) of patient records on %s", len(rows), request.path)


def init_app(app: Flask) -> None:
    @app.after_request
    def _mark_success(response: Response) -> Response:
        setattr(g, _OK, response.status_code < 400)
        return response

    app.teardown_request(_flush)
