"""Liveness and readiness probes (outside /api/v1, for load balancers)."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from peerpear.error_handlers import error_body
from peerpear.openapi import errors

router = APIRouter(tags=["health"])
logger = logging.getLogger("peerpear.health")

READY_TIMEOUT_S = 3.0


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready"]


@router.get("/health", response_model=HealthOut)
async def health() -> dict[str, str]:
    """The process is alive. Never touches the database."""
    return {"status": "ok"}


@router.get("/ready", responses={200: {"model": ReadyOut}, **errors(503)})
async def ready(request: Request) -> JSONResponse:
    """The database answers a trivial query; 503 otherwise (recovers by itself when it is back)."""
    engine = request.app.state.engine

    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), timeout=READY_TIMEOUT_S)
    except Exception as exc:  # any failure to reach the database means "not ready"
        logger.warning("readiness check failed: %s", exc.__class__.__name__)
        return JSONResponse(
            error_body("service_unavailable", "database unreachable"), status_code=503
        )
    return JSONResponse({"status": "ready"})
