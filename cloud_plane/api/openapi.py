"""The cloud's OpenAPI document as the API behaves: one error model and every request body.

Routes that read the raw request (login: JSON or form; node sync: codec bytes) name their
bodies here with ``openapi_extra``; ``install_openapi`` adds the models those bodies refer
to and gives every error response the one shape the error handlers send.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from sync_protocol import codec
from sync_protocol.messages import EnrollRequest, ExchangeRequest

REF = "#/components/schemas/{model}"
_BODY_MODELS: dict[str, type[BaseModel]] = {}


class ValidationErrorOut(BaseModel):
    """One field that did not validate (never the value that was sent)."""

    loc: list[str | int] = Field(description="Where: body/query/path, then the field path")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error: a message, or the list of fields that did not validate (422)."""

    detail: str | list[ValidationErrorOut]


class LoginFields(BaseModel):
    """Staff credentials, as JSON or as form fields."""

    username: str
    password: str


class RefreshFields(BaseModel):
    """A Cognito refresh token (from the login answer), as JSON or as a form field."""

    refresh_token: str


def ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to ``model``'s schema, which the document will then contain."""
    _BODY_MODELS[model.__name__] = model
    return {"$ref": REF.format(model=model.__name__)}


LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ref(LoginFields)},
            "application/x-www-form-urlencoded": {"schema": ref(LoginFields)},
        },
    }
}

REFRESH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ref(RefreshFields)},
            "application/x-www-form-urlencoded": {"schema": ref(RefreshFields)},
        },
    }
}


def sync_body(model: type[BaseModel]) -> dict[str, Any]:
    """A node sync body: ``model`` as JSON, zlib-compressed (``sync_protocol.codec``)."""
    return {
        "requestBody": {
            "required": True,
            "description": (
                f"{model.__name__} as JSON, zlib-compressed (sync_protocol.codec); "
                "the reply is the same format"
            ),
            "content": {codec.CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


ENROLL_BODY = sync_body(EnrollRequest)
EXCHANGE_BODY = sync_body(ExchangeRequest)


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the body models and the one error model."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = with_error_model(with_body_models(doc))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_body_models(doc: dict[str, Any]) -> dict[str, Any]:
    """Add the schemas of the models that ``ref`` pointed at (and the ones they use)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, model in _BODY_MODELS.items():
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        for sub_name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(sub_name, sub)
        schemas[name] = schema
    return doc


def with_error_model(doc: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx (and any other status: ``default``) answers ``ErrorOut``."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    error = ErrorOut.model_json_schema(ref_template=REF)
    schemas.update(error.pop("$defs", {}))
    schemas["ErrorOut"] = error
    content = {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status == "default" or int(status) >= 400:
                    response["content"] = content
            responses.setdefault(
                "default", {"description": "An error (the status says which)", "content": content}
            )
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc
