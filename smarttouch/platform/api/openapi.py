"""A small route registry that builds the hub API's ONE OpenAPI 3.1 document from pydantic models.

Every ``/api/v1`` blueprint (the device API, the challenge API) registers its handlers through
an :class:`ApiRegistry` bound to its own blueprint and to the shared :class:`ApiDocument`
(:data:`smarttouch.platform.api.document.API_DOCUMENT`), naming the request and response models
and the security scheme each operation needs. :meth:`ApiDocument.document` turns all of it into
one OpenAPI document whose schemas are the models' own ``model_json_schema()`` (JSON Schema
2020-12, which OpenAPI 3.1 uses natively).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from pydantic import BaseModel

REF = "#/components/schemas/{model}"
_RULE_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_CONVERTER_SCHEMAS: dict[str | None, dict[str, object]] = {
    None: {"type": "string"},
    "string": {"type": "string"},
    "int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "uuid": {"type": "string", "format": "uuid"},
}
#: Largest database id (PostgreSQL ``integer``): handlers answer 404 beyond it, never a 500.
MAX_DB_ID = 2**31 - 1
ERROR_TEXT = {
    400: "Invalid input; the message names the field at fault. Nothing was stored.",
    401: "Missing, unknown or revoked token.",
    403: "Not allowed (for example: the challenge is closed, or a patient's web login).",
    404: "Not found (or not yours).",
    409: "Clashes with data already stored.",
    413: "The body is larger than the documented limit.",
    415: "Wrong content type.",
    429: "Too many attempts; wait and retry.",
}


@dataclass(frozen=True)
class SecurityScheme:
    """A bearer-token scheme: ``name`` is its key in ``components.securitySchemes``."""

    name: str
    description: str

    def openapi(self) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "description": self.description}


@dataclass(frozen=True)
class RawContent:
    """A response (or body) that is not a JSON model: a media type with a JSON schema, and the
    response headers it carries."""

    media_type: str
    schema: dict[str, Any]
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Operation:
    """One documented endpoint."""

    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    responses: dict[int, tuple[str, type[BaseModel] | RawContent | None]]
    errors: tuple[int, ...]
    security: str | None  # a SecurityScheme name, or None for no authentication
    body: type[BaseModel] | None = None
    body_schema: dict[str, Any] | None = None  # a hand-written request body (multipart, zip)
    tags: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return _RULE_PARAM.sub(lambda m: "{" + m.group("name") + "}", self.rule)

    def path_parameters(self) -> list[dict[str, Any]]:
        return [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": dict(_CONVERTER_SCHEMAS.get(m.group("conv"), {"type": "string"})),
            }
            for m in _RULE_PARAM.finditer(self.rule)
        ]


@dataclass
class ApiDocument:
    """Every documented operation of ``/api/v1``, whichever blueprint serves it."""

    title: str
    version: str
    description: str = ""
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    extra_models: list[type[BaseModel]] = field(default_factory=list)

    def add(self, op: Operation) -> None:
        if op.security is not None and op.security not in self.security_schemes:
            raise ValueError(
                f"{op.endpoint}: unknown security scheme {op.security!r} "
                f"(known: {', '.join(self.security_schemes)})"
            )
        for other in self.operations:
            if other.endpoint == op.endpoint:
                raise ValueError(f"two API operations are named {op.endpoint!r} (operationId must be unique)")
            if (other.path, other.method) == (op.path, op.method):
                raise ValueError(f"{op.method.upper()} {op.path} is registered twice")
        self.operations.append(op)

    # ------------------------------------------------------------------ the document
    @staticmethod
    def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF)
        for name, sub in [*schema.pop("$defs", {}).items(), (model.__name__, schema)]:
            if components.setdefault(name, sub) != sub:
                raise ValueError(f"two different API models are named {name!r}: rename one")
        return {"$ref": REF.format(model=model.__name__)}

    def _response(
        self, text: str, content: type[BaseModel] | RawContent | None, components: dict[str, Any]
    ) -> dict[str, Any]:
        response: dict[str, Any] = {"description": text}
        if isinstance(content, RawContent):
            response["content"] = {content.media_type: {"schema": content.schema}}
            if content.headers:
                response["headers"] = content.headers
        elif content is not None:
            response["content"] = {"application/json": {"schema": self._schema_ref(content, components)}}
        return response

    def _operation(
        self, op: Operation, components: dict[str, Any], error_ref: dict[str, str]
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": list(op.tags),
            "responses": {},
        }
        if op.description:
            item["description"] = op.description
        params = op.path_parameters()
        if params:
            item["parameters"] = params
        item["security"] = [{op.security: []}] if op.security else []
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": self._schema_ref(op.body, components)}},
            }
        elif op.body_schema is not None:
            item["requestBody"] = op.body_schema
        for status, (text, content) in op.responses.items():
            item["responses"][str(status)] = self._response(text, content, components)
        for status in op.errors:
            text = ERROR_TEXT.get(status, "Error.")
            if status == 401 and op.security:
                text = (
                    f"Missing, unknown or revoked token ({self.security_schemes[op.security].description})."
                )
            item["responses"][str(status)] = {
                "description": text,
                "content": {"application/json": {"schema": error_ref}},
            }
        return item

    def document(self, *, server_url: str, error_model: type[BaseModel]) -> dict[str, Any]:
        components: dict[str, Any] = {}
        error_ref = self._schema_ref(error_model, components)
        for model in self.extra_models:
            self._schema_ref(model, components)
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method] = self._operation(op, components, error_ref)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": components,
                "securitySchemes": {name: scheme.openapi() for name, scheme in self.security_schemes.items()},
            },
        }


@dataclass
class ApiRegistry:
    """Registers one blueprint's handlers and documents them in the shared ``document``."""

    blueprint: Blueprint
    document: ApiDocument

    def route(
        self,
        rule: str,
        method: str,
        *,
        summary: str,
        responses: dict[int, Any],
        errors: tuple[int, ...] = (),
        security: str | None,
        body: type[BaseModel] | None = None,
        body_schema: dict[str, Any] | None = None,
        tags: tuple[str, ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: add the URL rule and document it.

        ``responses`` maps a status code to ``(description, model, RawContent or None)``;
        ``errors`` lists the error statuses (JSON ``{"error": {"code", "message"}}``) it may
        return; ``security`` names the document's security scheme (None: no authentication).
        """

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            self.document.add(
                Operation(
                    rule=rule,
                    method=method.lower(),
                    endpoint=view.__name__,
                    summary=summary,
                    description=(view.__doc__ or "").strip(),
                    responses=dict(responses),
                    errors=tuple(errors),
                    security=security,
                    body=body,
                    body_schema=body_schema,
                    tags=tags,
                )
            )
            self.blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
            return view

        return decorator
