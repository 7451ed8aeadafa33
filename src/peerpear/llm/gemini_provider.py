"""The ``gemini`` provider: Google's Gemini API through the google-genai SDK (async client).

Structured output asks for ``application/json`` with the output model's JSON schema
(``response_json_schema``); embeddings go through ``embed_content`` (the SDK sends one
``batchEmbedContents`` request for the list). ``PEERPEAR_LLM_BASE_URL``, when set, replaces
Google's endpoint (a proxy, or the loopback fake in the tests). The SDK's own retries are off
(one attempt per call): the client's retries are the only ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peerpear.config import Settings
from peerpear.llm.provider import (
    SDK_TIMEOUT_MARGIN_S,
    Completion,
    Embedded,
    InvalidOutput,
    Prompt,
    ProviderError,
    retry_after_seconds,
    status_error,
)
from peerpear.llm.transport_errors import transport_error

if TYPE_CHECKING:
    from google.genai import errors as genai_errors


class GeminiProvider:
    name = "gemini"

    def __init__(self, settings: Settings) -> None:
        from google import genai
        from google.genai import types

        self.model = settings.llm_model
        self.embedding_model = settings.llm_embedding_model
        options = types.HttpOptions(
            base_url=settings.llm_base_url or None,
            timeout=int((settings.llm_timeout_seconds + SDK_TIMEOUT_MARGIN_S) * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._client = genai.Client(api_key=settings.llm_api_key, http_options=options)

    async def complete(
        self, prompt: Prompt, schema: dict[str, Any], schema_name: str
    ) -> Completion:
        from google.genai import errors, types

        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_json_schema=schema,
        )
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=prompt.user, config=config
            )
        except errors.APIError as exc:
            raise self._api_error(exc, self.model) from exc
        except Exception as exc:
            unanswered = transport_error(exc)
            if unanswered is None:
                raise
            raise unanswered from exc
        usage = response.usage_metadata
        text = response.text
        if not text:
            finish = response.candidates[0].finish_reason if response.candidates else None
            raise InvalidOutput(f"the model returned no text (finish reason {finish})")
        return Completion(
            text=text,
            input_tokens=usage.prompt_token_count if usage else None,
            output_tokens=usage.candidates_token_count if usage else None,
        )

    async def embed(self, texts: list[str]) -> Embedded:
        from google.genai import errors, types

        contents: list[types.ContentUnion] = list(texts)
        try:
            response = await self._client.aio.models.embed_content(
                model=self.embedding_model,
                contents=contents,
                config=types.EmbedContentConfig(task_type="SEMANTIC_SIMILARITY"),
            )
        except errors.APIError as exc:
            raise self._api_error(exc, self.embedding_model) from exc
        except Exception as exc:
            unanswered = transport_error(exc)
            if unanswered is None:
                raise
            raise unanswered from exc
        rows = [list(item.values or []) for item in response.embeddings or []]
        if len(rows) != len(texts) or any(not row for row in rows):
            raise InvalidOutput(
                f"the provider returned {len(rows)} embeddings for {len(texts)} texts"
            )
        return Embedded(rows=rows)

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    @staticmethod
    def _api_error(exc: genai_errors.APIError, model: str) -> ProviderError:
        response: Any = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        wait = retry_after_seconds(headers) or _retry_info_delay(exc.details)
        return status_error(int(exc.code or 0), exc.message or "", model, wait)


def _retry_info_delay(details: Any) -> float | None:
    """Google's APIs state the wait in the error body (``google.rpc.RetryInfo``, e.g.
    ``"retryDelay": "17s"``) rather than in a Retry-After header."""
    error = details.get("error", details) if isinstance(details, dict) else None
    for item in (error or {}).get("details", []) if isinstance(error, dict) else []:
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(float(delay[:-1]), 0.0)
            except ValueError:
                return None
    return None
