"""The ``openai`` provider: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM) through the
openai SDK's async client.

Structured output uses chat completions with ``response_format`` ``json_schema`` (strict when
the schema allows it: llm/prompts.py), which Ollama and vLLM accept too; embeddings use
``/embeddings`` with float rows. ``PEERPEAR_LLM_BASE_URL`` names the endpoint (empty: OpenAI).
The SDK's retries are off (``max_retries=0``): the client's retries are the only ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peerpear.config import Settings
from peerpear.llm.prompts import strict_schema
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
    import openai

# Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
NO_KEY = "not-needed"


class OpenAIProvider:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        from openai import AsyncOpenAI

        self.model = settings.llm_model
        self.embedding_model = settings.llm_embedding_model
        self._client = AsyncOpenAI(
            api_key=settings.llm_api_key or NO_KEY,
            base_url=settings.llm_base_url or None,
            max_retries=0,
            timeout=settings.llm_timeout_seconds + SDK_TIMEOUT_MARGIN_S,
        )

    async def complete(
        self, prompt: Prompt, schema: dict[str, Any], schema_name: str
    ) -> Completion:
        import openai

        sent, strict = strict_schema(schema)
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.user},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "schema": sent, "strict": strict},
                },
            )
        except openai.APIStatusError as exc:
            raise _status_error(exc, self.model) from exc
        except openai.APIConnectionError as exc:  # includes APITimeoutError
            raise _unanswered(exc) from exc
        usage = response.usage
        message = response.choices[0].message if response.choices else None
        if message is not None and message.refusal:
            # The model declined on principle; asking again gets the same answer.
            raise ProviderError(f"the model refused: {message.refusal[:200]}", retryable=False)
        if message is None or not message.content:
            raise InvalidOutput("the model returned no content")
        return Completion(
            text=message.content,
            input_tokens=usage.prompt_tokens if usage else None,
            output_tokens=usage.completion_tokens if usage else None,
        )

    async def embed(self, texts: list[str]) -> Embedded:
        import openai

        try:
            response = await self._client.embeddings.create(
                model=self.embedding_model, input=list(texts), encoding_format="float"
            )
        except openai.APIStatusError as exc:
            raise _status_error(exc, self.embedding_model) from exc
        except openai.APIConnectionError as exc:
            raise _unanswered(exc) from exc
        items = sorted(response.data, key=lambda item: item.index)
        rows = [list(item.embedding) for item in items]
        if len(rows) != len(texts) or any(not row for row in rows):
            raise InvalidOutput(
                f"the provider returned {len(rows)} embeddings for {len(texts)} texts"
            )
        usage = response.usage
        return Embedded(rows=rows, input_tokens=usage.prompt_tokens if usage else None)

    async def aclose(self) -> None:
        await self._client.close()


def _status_error(exc: openai.APIStatusError, model: str) -> ProviderError:
    wait = retry_after_seconds(exc.response.headers)
    # The server's own words, without the SDK's "Error code: 400 - {...}" wrapping.
    body: Any = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message = body.get("message") if isinstance(body, dict) else None
    return status_error(exc.status_code, str(message or exc.message), model, wait)


def _unanswered(exc: openai.APIConnectionError) -> ProviderError:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("the provider did not answer in time", retryable=True)
    cause = exc.__cause__
    return (transport_error(cause) if cause is not None else None) or ProviderError(
        "could not reach the provider", retryable=True
    )
