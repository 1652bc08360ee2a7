"""Domain errors raised by services and mapped centrally to HTTP status codes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; ``status`` and ``code`` drive the HTTP error response."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError, LookupError):
    """The record does not exist or the caller may not know it exists."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError, PermissionError):
    status = 403
    code = "forbidden"


class Invalid(ServiceError, ValueError):
    """Input failed validation; the message names the field."""

    status = 400
    code = "invalid"


class Conflict(ServiceError):
    """The change clashes with existing data (duplicate e-mail, code...)."""

    status = 409
    code = "conflict"


def describe_validation_error(exc: Exception) -> str:
    """One readable line from a pydantic ValidationError (field: message; ...)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for err in errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
