"""The reference: a bare FastAPI app with one endpoint, served exactly like PeerPear (uvicorn,
one process), so the ratio to it measures PeerPear's own per-request cost."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict[str, str]:
    return {"status": "ok"}
