"""Answers serialized straight from their pydantic model.

FastAPI turns a returned model into JSON by validating it against the route's
``response_model``, converting it to plain Python values and dumping those: three passes where
pydantic's serializer needs one. A hot read route returns ``json_response(model)`` instead and
keeps ``response_model=`` for the OpenAPI document (FastAPI passes a returned ``Response``
through unchanged). The bytes are the same JSON: pydantic's compact output.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


class ModelResponse(Response):
    media_type = "application/json"


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    return ModelResponse(model.__pydantic_serializer__.to_json(model), status_code=status_code)
