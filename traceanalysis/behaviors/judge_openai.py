"""The ``openai:MODEL`` judge backend: any OpenAI-compatible chat-completions endpoint.

Asynchronous with bounded concurrency (a fixed pool of workers), temperature 0 and a fixed
seed, JSON-schema structured output. Retries are ours, not the client's
(``max_retries=0``): 429 waits for ``Retry-After`` (else the backoff), 5xx / 408 /
timeouts / connection errors / unreadable bodies retry with jittered exponential backoff,
other 4xx fail at once. A reply that arrives but is not a label (cut off by the token
limit, a refusal, not valid under the schema: :mod:`~traceanalysis.behaviors.judge_answer`)
fails at once. A call that ends without a label has status ``failed`` and the reason —
never a silent default.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import queue
import random
import threading
import time
from collections.abc import Sequence

from traceanalysis.behaviors.judge_answer import (
    JudgeAnswer,
    UnusableAnswer,
    check_finish,
    message_text,
    read_answer,
)
from traceanalysis.behaviors.judge_types import (
    JudgeConfig,
    JudgeRequest,
    JudgeResult,
    ResultCallback,
)
from traceanalysis.behaviors.prompts import JudgePrompt
from traceanalysis.errors import InputError

MAX_RETRY_AFTER_S = 600.0


class MalformedReply(ValueError):
    """An HTTP 200 body that is not a chat completion (retried like a server error)."""


def reply_message(body: bytes) -> tuple[dict[str, object], object]:
    """The first choice's ``message`` and its ``finish_reason``; MalformedReply otherwise."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedReply(f"body is not JSON ({exc})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedReply("body has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise MalformedReply("the choice has no message")
    return message, choices[0].get("finish_reason")


def answer_of(
    message: dict[str, object], finish_reason: object, schema: dict[str, object]
) -> tuple[JudgeAnswer, str]:
    """(JudgeAnswer, text) of a chat-completions message; raises UnusableAnswer."""
    complete = check_finish(finish_reason)
    text = message_text(message)
    return read_answer(text, schema, complete=complete), text


def retry_after_seconds(headers: object) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    ms = get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # unreadable header: fall back to our backoff
        return None
    return max(0.0, parsed.timestamp() - time.time())


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Jittered exponential backoff: ``min(cap, base * 2**(attempt-1))`` times U(0.5, 1)."""
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + 0.5 * rng.random())


class OpenAIJudge:
    """Calls an OpenAI-compatible endpoint; see the module docstring."""

    def __init__(self, config: JudgeConfig, prompt: JudgePrompt):
        self.config = config
        self.prompt = prompt
        self.model = config.target
        self.base_url = config.base_url or os.environ.get("OPENAI_BASE_URL")
        suffix = f"@{self.base_url}" if self.base_url else ""
        self.judge_id = f"openai:{self.model}{suffix}"
        self._rng = random.Random()
        self.calls = 0  # HTTP requests sent, retries included

    def describe(self) -> dict[str, object]:
        """Identity for the manifest."""
        return {"backend": "openai", "model": self.model, "base_url": self.base_url}

    def _api_key(self) -> str:
        key = self.config.api_key or os.environ.get("OPENAI_API_KEY")
        if key:
            return key
        if self.base_url:
            return "EMPTY"  # local servers (vllm serve) accept any key
        raise InputError("OPENAI_API_KEY is not set (needed for --judge openai:MODEL)")

    def _request_kwargs(self, req: JudgeRequest) -> dict[str, object]:
        kwargs: dict[str, object] = {
            "model": self.model,
            "messages": req.messages,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.structured and self.prompt.schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "behavior_label",
                    "schema": self.prompt.schema,
                    "strict": True,
                },
            }
        return kwargs

    async def _call(self, client: object, req: JudgeRequest) -> JudgeResult:
        import openai

        cfg = self.config
        error = ""
        for attempt in range(1, cfg.max_attempts + 1):
            delay = backoff_seconds(attempt, cfg.backoff_base, cfg.backoff_max, self._rng)
            self.calls += 1
            try:
                # client.post (the SDK's documented route for raw requests) skips the SDK's
                # per-call type transform and pydantic parsing: 3x less CPU per call, which
                # is what bounds throughput at high concurrency. Errors and status codes
                # are the SDK's own.
                body = await client.post(
                    "/chat/completions", body=self._request_kwargs(req), cast_to=bytes
                )  # type: ignore[attr-defined]
                message, finish_reason = reply_message(body)
            except openai.RateLimitError as exc:
                error = f"429 rate limited: {exc.message}"
                wait = retry_after_seconds(exc.response.headers)
                delay = min(wait, MAX_RETRY_AFTER_S) if wait is not None else delay
            except openai.APIStatusError as exc:
                error = f"HTTP {exc.status_code}: {exc.message}"
                if exc.status_code < 500 and exc.status_code not in (408, 409):
                    return JudgeResult("failed", None, "", error, attempt)
            except openai.APIConnectionError as exc:  # includes timeouts
                error = f"{type(exc).__name__}: {exc}"
            except (openai.APIError, MalformedReply) as exc:  # unreadable body: retried
                error = f"malformed response: {exc}"
            else:
                try:
                    answer, text = answer_of(message, finish_reason, self.prompt.schema)
                except UnusableAnswer as exc:
                    raw = message.get("content")
                    raw_text = raw if isinstance(raw, str) else json.dumps(raw, default=str)
                    return JudgeResult("failed", None, raw_text, f"unusable answer: {exc}", attempt)
                return JudgeResult("ok", answer, text, "", attempt)
            if attempt < cfg.max_attempts:
                await asyncio.sleep(delay)
        return JudgeResult(
            "failed",
            None,
            "",
            f"gave up after {cfg.max_attempts} attempts: {error}",
            cfg.max_attempts,
        )

    async def _run(self, requests: Sequence[JudgeRequest], on_result: ResultCallback) -> None:
        import openai

        client = openai.AsyncOpenAI(
            api_key=self._api_key(),
            base_url=self.base_url,
            max_retries=0,
            timeout=self.config.timeout,
        )
        queue = iter(requests)

        async def worker() -> None:
            for req in queue:  # one shared iterator: each request taken exactly once
                on_result(req, await self._call(client, req))

        try:
            n = max(1, min(self.config.concurrency, len(requests)))
            await asyncio.gather(*(worker() for _ in range(n)))
        finally:
            await client.close()

    def run(self, requests: Sequence[JudgeRequest], on_result: ResultCallback) -> None:
        """Make every call; ``on_result`` is called (in this thread) as each one finishes."""
        if not requests:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._run(requests, on_result))
            return
        # A loop already runs in this thread (e.g. Jupyter): run ours in a worker thread and
        # hand each result back here, where the cache connection lives.
        results: queue.Queue[tuple[JudgeRequest, JudgeResult] | BaseException | None] = (
            queue.Queue()
        )

        def work() -> None:
            try:
                asyncio.run(self._run(requests, lambda req, res: results.put((req, res))))
            except BaseException as exc:  # re-raised in the calling thread below
                results.put(exc)
            finally:
                results.put(None)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while (item := results.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            on_result(*item)
        worker.join()
