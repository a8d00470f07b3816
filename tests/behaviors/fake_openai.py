"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions API.

Scriptable per request (in arrival order): ``("429", retry_after_s)``, ``("500",)``, ``("400",)``,
``("malformed_body",)`` (HTTP 200 with a body that is not JSON), ``("slow", seconds)``,
``("garbage",)`` (valid API body, unreadable answer), ``("tagged",)`` (answer as
``<count>N</count>`` free text), ``("maybe",)`` (``"present": "maybe"``), ``("truncated",)``
(half an answer whose text says "present: yes", ``finish_reason: "length"``),
``("parts",)`` (the correct answer as a list of text parts), ``("garbage_json",)``
(``{"present": tru``), ``("message", MESSAGE, FINISH_REASON)`` (any message object and
finish reason, verbatim) and ``("ok",)``; after the script the server answers correctly. The correct answer for behaviour B is the number of ``#B`` markers in the
judged response. Runs in a daemon thread (``with FakeOpenAI() as server``) or as a
process (``python fake_openai.py --latency 0.05 --port-file F``) that exits by itself
after ``--idle-exit`` seconds without requests.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a client opening 32 connections at once
    # overflows it, and the dropped handshakes stall or reset (a benchmark artefact).
    request_queue_size = 128


_BEHAVIOR = re.compile(r"Behaviour: .*\((\w+)\)")
_RESPONSE = re.compile(r"<response>\n(.*)\n</response>", re.DOTALL)


def correct_answer(body: dict) -> tuple[str, int]:
    """(behaviour, count of ``#behaviour`` markers) read from the request's user message."""
    user = body["messages"][-1]["content"]
    behavior = _BEHAVIOR.search(user).group(1)  # type: ignore[union-attr]
    response = _RESPONSE.search(user).group(1)  # type: ignore[union-attr]
    return behavior, len(re.findall(rf"#{behavior}\b", response))


def _message(kind: str, action: tuple, body: dict) -> tuple[dict, object]:
    """The reply's message and finish_reason for a scripted action (see the module doc)."""
    if kind == "message":
        return action[1], action[2]
    behavior, count = correct_answer(body)
    answer = {"justification": f"{count} markers", "present": count > 0, "count": count}
    content: object = json.dumps(answer)
    finish_reason = "stop"
    if kind == "garbage":
        content = "I cannot decide."
    elif kind == "tagged":
        content = f"The behaviour appears.\n<count>{count}</count>"
    elif kind == "maybe":
        content = json.dumps({**answer, "present": "maybe"})
    elif kind == "truncated":
        content = '{"justification": "The response says present: yes and count: 3 because'
        finish_reason = "length"
    elif kind == "parts":
        text = json.dumps(answer)
        content = [{"type": "text", "text": text[:10]}, {"type": "text", "text": text[10:]}]
    elif kind == "garbage_json":
        content = '{"justification": "x", "present": tru'
    return {"role": "assistant", "content": content}, finish_reason


class FakeOpenAI:
    """The server; ``requests`` lists every request body received (retries included)."""

    def __init__(self, script: list[tuple] | None = None, latency: float = 0.0, port: int = 0):
        self.script = list(script or [])
        self.latency = latency
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.last_request = time.monotonic()
        self.server = _Server(("127.0.0.1", port), self._handler())
        # A client that timed out closes its socket; the late reply's broken pipe is expected.
        self.server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL for the OpenAI client."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _next_action(self, body: dict) -> tuple:
        with self.lock:
            self.requests.append(body)
            self.last_request = time.monotonic()
            return self.script.pop(0) if self.script else ("ok",)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, payload: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                action = fake._next_action(body)
                if fake.latency:
                    time.sleep(fake.latency)
                kind = action[0]
                if kind == "429":
                    err = {"error": {"message": "rate limited", "type": "rate_limit"}}
                    self._send(429, json.dumps(err).encode(), {"Retry-After": str(action[1])})
                    return
                if kind == "400":
                    self._send(400, b'{"error": {"message": "bad request", "type": "invalid"}}')
                    return
                if kind == "500":
                    self._send(500, b'{"error": {"message": "boom", "type": "server_error"}}')
                    return
                if kind == "malformed_body":
                    self._send(200, b'{"id": "x", "choices": [ {"message": ')
                    return
                if kind == "slow":
                    time.sleep(action[1])
                message, finish_reason = _message(kind, action, body)
                reply = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": finish_reason,
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
                self._send(200, json.dumps(reply).encode())

        return Handler

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """Serve until idle for ``--idle-exit`` seconds; write the port to ``--port-file``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--idle-exit", type=float, default=60.0)
    parser.add_argument(
        "--script", default="[]", help='JSON list of actions, e.g. [["maybe"], ["truncated"]]'
    )
    args = parser.parse_args()
    script = [tuple(a) for a in json.loads(args.script)]
    with FakeOpenAI(script=script, latency=args.latency) as fake:
        Path(args.port_file).write_text(str(fake.server.server_address[1]))
        while time.monotonic() - fake.last_request < args.idle_exit:
            time.sleep(0.2)


if __name__ == "__main__":
    main()
