"""A small route registry that builds the API's OpenAPI 3.1 document from pydantic models.

Each handler is registered with :meth:`ApiRegistry.route`, naming its request and response
models; the registry adds the Flask URL rule and remembers the operation, and
:meth:`ApiRegistry.document` turns everything into one OpenAPI document whose schemas are the
models' own ``model_json_schema()`` (JSON Schema 2020-12, which OpenAPI 3.1 uses natively).
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
_CONVERTER_SCHEMAS = {
    None: {"type": "string"}, "string": {"type": "string"},
    "int": {"type": "integer", "minimum": 0}, "uuid": {"type": "string", "format": "uuid"},
}
ERROR_TEXT = {
    400: "Invalid input; the message names the field at fault. Nothing was stored.",
    401: "Missing, unknown or revoked device token.",
    404: "Not found (or not yours).",
    409: "Clashes with data already stored.",
    413: "The body is larger than the documented limit.",
    415: "Wrong content type.",
    429: "Too many attempts; wait and retry.",
}


@dataclass
class Operation:
    """One documented endpoint."""

    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    errors: tuple[int, ...]
    auth: bool
    body: type[BaseModel] | None = None
    body_schema: dict[str, Any] | None = None  # a hand-written request body (multipart)
    tags: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return _RULE_PARAM.sub(lambda m: "{" + m.group("name") + "}", self.rule)

    def path_parameters(self) -> list[dict[str, Any]]:
        return [{"name": m.group("name"), "in": "path", "required": True,
                 "schema": dict(_CONVERTER_SCHEMAS.get(m.group("conv"), {"type": "string"}))}
                for m in _RULE_PARAM.finditer(self.rule)]


@dataclass
class ApiRegistry:
    """Registers handlers on ``blueprint`` and documents them."""

    blueprint: Blueprint
    title: str
    version: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)
    extra_models: list[type[BaseModel]] = field(default_factory=list)

    def route(self, rule: str, method: str, *, summary: str, responses: dict[int, Any],
              errors: tuple[int, ...] = (), auth: bool = True, body: type[BaseModel] | None = None,
              body_schema: dict[str, Any] | None = None, tags: tuple[str, ...] = (),
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: add the URL rule and document it.

        ``responses`` maps a status code to ``(description, model or None)``; ``errors``
        lists the error statuses (JSON ``{"error": {"code", "message"}}``) it may return.
        """
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            self.blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=view,
                                        methods=[method])
            self.operations.append(Operation(
                rule=rule, method=method.lower(), endpoint=view.__name__, summary=summary,
                description=(view.__doc__ or "").strip(), responses=dict(responses),
                errors=tuple(errors), auth=auth, body=body, body_schema=body_schema,
                tags=tags))
            return view

        return decorator

    # ------------------------------------------------------------------ the document
    def _schema_ref(self, model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF)
        for name, sub in schema.pop("$defs", {}).items():
            components[name] = sub
        components[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    def document(self, *, server_url: str, error_model: type[BaseModel]) -> dict[str, Any]:
        components: dict[str, Any] = {}
        error_ref = self._schema_ref(error_model, components)
        for model in self.extra_models:
            self._schema_ref(model, components)
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            item: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary,
                                    "tags": list(op.tags), "responses": {}}
            if op.description:
                item["description"] = op.description
            params = op.path_parameters()
            if params:
                item["parameters"] = params
            item["security"] = [{"deviceToken": []}] if op.auth else []
            if op.body is not None:
                item["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": self._schema_ref(op.body, components)}}}
            elif op.body_schema is not None:
                item["requestBody"] = op.body_schema
            for status, (text, model) in op.responses.items():
                response: dict[str, Any] = {"description": text}
                if model is not None:
                    response["content"] = {"application/json": {
                        "schema": self._schema_ref(model, components)}}
                item["responses"][str(status)] = response
            for status in op.errors:
                item["responses"][str(status)] = {
                    "description": ERROR_TEXT.get(status, "Error."),
                    "content": {"application/json": {"schema": error_ref}}}
            paths.setdefault(op.path, {})[op.method] = item
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version,
                     "description": self.description},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": components,
                "securitySchemes": {"deviceToken": {
                    "type": "http", "scheme": "bearer",
                    "description": "Device token from POST /pair (Authorization: Bearer stt_...)"}},
            },
        }
