"""An OpenAI-compatible chat model behind a deadline: structured JSON out, bounded retries, never an error.

`LLMProvider.generate` returns a validated value or None (with the reason logged): a timeout, a transport
error, a 5xx or 429, malformed or ungrounded output all end in None within the deadline, and the caller
then uses the offline engine. Any OpenAI-compatible server works (OpenAI, Azure, vLLM, Ollama, llama.cpp).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI

from oms.config import Settings
from oms.edge.metrics import AI_LATENCY
from oms.services.ai.grounding import Rejected

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKOFF_S = 0.2
MAX_TOKENS = 800


class LLMProvider:
    """One configured model; `structured` falls back to plain JSON mode for servers without json_schema."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout_s: float, retries: int) -> None:
        self.client = AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0)
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.structured = True
        _ = self.client.chat.completions  # load the SDK's lazy modules now, not inside the first deadline

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMProvider | None:
        """The provider the settings name, or None when AI is not configured (offline engine only)."""
        if not (settings.ai_base_url and settings.ai_model):
            return None
        key = settings.ai_api_key.get_secret_value() if settings.ai_api_key else "unused"
        return cls(settings.ai_base_url, key, settings.ai_model, settings.ai_timeout_s, settings.ai_retries)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.client.close()

    async def _ask(
        self, messages: list[dict[str, str]], name: str, schema: dict[str, Any], timeout: float
    ) -> str | None:
        response_format: Any = (
            {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
            if self.structured
            else {"type": "json_object"}
        )
        completion = await self.client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]  # plain role/content dicts are what the API takes
            response_format=response_format,
            temperature=0.3,
            max_tokens=MAX_TOKENS,
            timeout=timeout,
        )
        if not completion.choices:
            return None
        return completion.choices[0].message.content

    async def generate(
        self,
        messages: list[dict[str, str]],
        name: str,
        schema: dict[str, Any],
        accept: Callable[[str | None], T],
        started: float | None = None,
    ) -> tuple[T | None, str]:
        """`accept(reply)` of the first usable reply before `timeout_s` has passed since `started` (the
        request's start, monotonic; now when None), or None; and what happened."""
        deadline = (started or time.monotonic()) + self.timeout_s
        reason = "no_attempt"
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline - time.monotonic()):
                for attempt in range(1 + self.retries):
                    try:
                        raw = await self._ask(messages, name, schema, max(0.05, deadline - time.monotonic()))
                        result, reason = accept(raw), "ok"
                        return result, reason
                    except Rejected as exc:
                        reason = exc.reason
                    except openai.BadRequestError as exc:
                        if not self.structured:
                            return None, f"bad_request_{exc.status_code}"
                        self.structured = False  # the server may not know json_schema: try plain JSON mode
                        reason = "json_schema_unsupported"
                    except openai.APIStatusError as exc:
                        reason = f"http_{exc.status_code}"
                        if exc.status_code < 500 and exc.status_code not in (408, 409, 429):
                            return None, reason
                    except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                        reason = type(exc).__name__
                    except Exception as exc:  # any other fault of the provider degrades advice, never the API
                        reason = f"error_{type(exc).__name__}"
                    log.info("ai provider attempt failed", extra={"attempt": attempt + 1, "reason": reason})
                    pause = min(BACKOFF_S * 2**attempt, deadline - time.monotonic())
                    if attempt < self.retries and pause > 0:
                        await asyncio.sleep(pause)
        except TimeoutError:
            reason = "timeout"
        finally:
            AI_LATENCY.labels(outcome="ok" if reason == "ok" else "failed").observe(
                time.monotonic() - (deadline - self.timeout_s)
            )
        return None, reason
