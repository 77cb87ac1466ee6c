"""A local OpenAI-compatible chat server for tests: it answers each request with the next queued behaviour
(a reply, a status, a delay, raw bytes) and records what it was sent."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    content: str | None = None
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None
    refuse_json_schema: bool = False


def completion(content: str | None) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "stub",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


class StubLLM:
    """`stub.queue(Behaviour(...), ...)`; when the queue is empty, `default` answers."""

    def __init__(self) -> None:
        self.behaviours: deque[Behaviour] = deque()
        self.default = Behaviour(status=500)
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                stub.requests.append(body)
                behaviour = stub.behaviours.popleft() if stub.behaviours else stub.default
                if (
                    behaviour.refuse_json_schema
                    and body.get("response_format", {}).get("type") == "json_schema"
                ):
                    behaviour = Behaviour(
                        status=400, raw=b'{"error": {"message": "json_schema unsupported"}}'
                    )
                time.sleep(behaviour.delay)
                payload = behaviour.raw if behaviour.raw is not None else completion(behaviour.content)
                if behaviour.status != 200 and behaviour.raw is None:
                    payload = b'{"error": {"message": "stub failure", "type": "server_error"}}'
                try:
                    self.send_response(behaviour.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout): nothing to answer
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def queue(self, *behaviours: Behaviour) -> None:
        self.behaviours.extend(behaviours)

    def reply_json(self, value: Any, **kwargs: Any) -> Behaviour:
        return Behaviour(content=json.dumps(value, ensure_ascii=False), **kwargs)

    def start(self) -> StubLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
