"""Central error handling: HTML pages for the web, ``{"error": {"code", "message"}}`` JSON
under ``/api/``. Service errors (:mod:`.services.errors`) map to their HTTP status."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ..services.errors import ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This clashes with existing data"),
    413: _l("The upload is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str):
    """The one place that shapes error responses."""
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _code_for(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(
            400,
            "csrf_failed",
            str(
                _l(
                    "The form expired or was not sent from this site. "
                    "Please go back, reload the page and try again."
                )
            ),
        )

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError):
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.exception("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return error_response(
            500, "internal_error", str(_l("The error has been logged. Please try again later."))
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code >= 500 and not isinstance(exc, InternalServerError):
            return error_response(exc.code, _code_for(exc), exc.description or "")
        message = exc.description or ""
        if not wants_json():
            message = ""  # the title says enough; werkzeug's English text is not translated
        response = app.make_response(error_response(exc.code, _code_for(exc), message))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
