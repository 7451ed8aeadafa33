"""A fake LLM provider on loopback that speaks the real REST protocols, so the real google-genai
and openai SDKs run end to end in tests (nothing reaches the internet).

One server answers both protocols:
- Gemini: ``POST /v1/models/{model}:generateContent`` and ``:batchEmbedContents`` (what
  ``client.aio.models.embed_content`` sends for a list of texts; ``:embedContent`` too), under
  ``/v1beta`` as well (google-genai 3 sends ``v1``, earlier versions ``v1beta``);
- OpenAI: ``POST /v1/chat/completions`` and ``POST /v1/embeddings``.
Point a provider at it with ``PEERPEAR_LLM_BASE_URL``: ``server.base_url`` for gemini,
``server.openai_base_url`` (``.../v1``) for openai; ``server.settings(provider)`` gives every
``llm_*`` setting. ``with FakeLLMServer() as server:`` starts it (on 127.0.0.1, a free port, in
a thread of its own) and stops it.

Scripting: each request takes the next step queued with ``server.script(...)``; when the queue is
empty, ``server.responder(recorded)`` decides when set (a function of the request: for tests
where several uses call at once, in an order the test does not fix), else ``server.default``
answers (a completion step, ``answer({})`` until set). Steps:

    server.script(
        status(429, retry_after="0.2"),         # an error in the protocol's own error shape
        status(500),
        slow(2.0, answer({"x": 1})),            # wait, then answer (beyond a client timeout)
        text("not json"),                       # the model's text, taken as it is
        answer({"summary": "..."}),             # the model's text: this value as JSON
    )
    server.default = answer({"summary": "fine"})

Embedding requests answer with deterministic vectors of each text (``fake_vector``) unless a
step says otherwise (an error step applies to whatever request comes next). Every request is
kept in ``server.requests`` (path, JSON body, headers, arrival time), and ``server.max_in_flight``
is the most requests it ever served at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PROMPT_TOKENS = 11
OUTPUT_TOKENS = 7
VECTOR_DIM = 8


@dataclass(frozen=True)
class Step:
    status: int = 200
    text: str | None = None  # the model's text for a completion
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    message: str = "scripted failure"


def answer(value: Any) -> Step:
    return Step(text=json.dumps(value))


def text(value: str) -> Step:
    return Step(text=value)


def status(code: int, *, retry_after: str | None = None, message: str = "") -> Step:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Step(status=code, headers=headers, message=message or f"scripted HTTP {code}")


def slow(seconds: float, then: Step) -> Step:
    return Step(then.status, then.text, then.headers, seconds, then.message)


def fake_vector(value: str) -> list[float]:
    """A deterministic, non-zero vector for a text (not normalized: the client does that)."""
    digest = hashlib.sha256(value.encode()).digest()
    return [(byte - 127.5) / 127.5 for byte in digest[:VECTOR_DIM]]


@dataclass
class Recorded:
    path: str
    body: Any
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival

    @property
    def raw(self) -> str:
        return json.dumps(self.body)


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.default: Step = answer({})
        self.responder: Callable[[Recorded], Step] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- scripting ---
    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def _next(self, recorded: Recorded) -> Step:
        with self._lock:
            if self._steps:
                return self._steps.popleft()
        return self.responder(recorded) if self.responder else self.default

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- the protocols ---
    async def _serve(self, request: Request, protocol: str, kind: str) -> Response:
        # Counted from arrival to answer (the server's loop is one thread: no lock needed).
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request, protocol, kind)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: Request, protocol: str, kind: str) -> Response:
        body = await request.json()
        recorded = Recorded(request.url.path, body, dict(request.headers), time.monotonic())
        self.requests.append(recorded)
        step = self._next(recorded)
        if step.delay_s:
            await asyncio.sleep(step.delay_s)
        if step.status != 200:
            return JSONResponse(_error(protocol, step), step.status, headers=step.headers)
        model = request.path_params.get("model") or body.get("model", "")
        if kind == "embed":
            return JSONResponse(_embeddings(protocol, body, model))
        return JSONResponse(_completion(protocol, step.text or "", model))

    async def gemini(self, request: Request) -> Response:
        target = request.path_params["target"]
        model, _, method = target.partition(":")
        request.path_params["model"] = model
        if method not in {"generateContent", "batchEmbedContents", "embedContent"}:
            return JSONResponse({"error": {"code": 404, "message": method}}, 404)
        kind = "complete" if method == "generateContent" else "embed"
        return await self._serve(request, "gemini", kind)

    async def chat(self, request: Request) -> Response:
        return await self._serve(request, "openai", "complete")

    async def embeddings(self, request: Request) -> Response:
        return await self._serve(request, "openai", "embed")

    # --- lifecycle ---
    def start(self) -> FakeLLMServer:
        app = Starlette(
            routes=[
                Route("/v1beta/models/{target}", self.gemini, methods=["POST"]),
                Route("/v1/models/{target}", self.gemini, methods=["POST"]),
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
            timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings(self, provider: str, **overrides: Any) -> dict[str, Any]:
        """``PEERPEAR_LLM_*`` settings (as ``Settings`` fields) pointing ``provider`` here, e.g.
        ``make_settings(url, **server.settings("openai"))`` then ``create_llm(settings, ...)``,
        or ``install_llm(app, create_llm(...))`` (tests/llm_double.py) for a started app."""
        return {
            "llm_provider": provider,
            "llm_model": "fake-model",
            "llm_embedding_model": "fake-embedder",
            "llm_api_key": "test-key",
            "llm_base_url": self.base_url if provider == "gemini" else self.openai_base_url,
            **overrides,
        }


def _error(protocol: str, step: Step) -> dict[str, Any]:
    if protocol == "gemini":
        names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                 503: "UNAVAILABLE"}  # fmt: skip
        return {
            "error": {
                "code": step.status,
                "message": step.message,
                "status": names.get(step.status, "UNKNOWN"),
            }
        }
    return {"error": {"message": step.message, "type": "scripted", "param": None, "code": None}}


def _completion(protocol: str, content: str, model: str) -> dict[str, Any]:
    if protocol == "gemini":
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": content}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": PROMPT_TOKENS,
                "candidatesTokenCount": OUTPUT_TOKENS,
                "totalTokenCount": PROMPT_TOKENS + OUTPUT_TOKENS,
            },
            "modelVersion": model,
        }
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": OUTPUT_TOKENS,
            "total_tokens": PROMPT_TOKENS + OUTPUT_TOKENS,
        },
    }


def embedded_texts(recorded: Recorded) -> list[str]:
    """The texts an embedding request asked for, in either protocol."""
    body = recorded.body
    if "requests" in body:  # gemini batchEmbedContents
        return [part["text"] for item in body["requests"] for part in item["content"]["parts"]]
    if "content" in body:  # gemini embedContent
        return [part["text"] for part in body["content"]["parts"]]
    given = body["input"]
    return [given] if isinstance(given, str) else list(given)


def _embeddings(protocol: str, body: Any, model: str) -> dict[str, Any]:
    texts = embedded_texts(Recorded("", body, {}, 0.0))
    if protocol == "gemini":
        return {"embeddings": [{"values": fake_vector(t)} for t in texts]}
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": fake_vector(t)}
            for i, t in enumerate(texts)
        ],
        "model": model,
        "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)},
    }
