"""A loopback stand-in for the Anthropic Messages API, scripted turn by turn.

The real Claude Code client talks to it through ``ANTHROPIC_BASE_URL``. Each
request of the *main* conversation consumes the next scripted turn (a list of
content blocks); when the script runs out the model answers a final ``"done"``.
Side requests the client makes on its own (title generation, quota probes,
token counting) get a short plain reply and never consume the script, so tests
stay deterministic whatever housekeeping a client release adds.

Every request is recorded, and the helpers read back what the client sent:
the tool results (with the hook's reason on a block), the system prompt (with
the skill listing), the tool schemas.

    server = FakeModel([[bash("touch x")], [text("ok")]])
    server.start()      # or: with FakeModel(...) as server:
    ...                 # run the client against server.base_url
    server.tool_results()
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Block = dict[str, Any]
# A turn is a list of blocks, a single block, a bare string (one text block), or
# a callable that gets the request body and returns one of those: for scripts
# that must react to what the client sent (e.g. echo a tool result back).
Turn = Sequence[Block | str] | Block | str | Callable[[dict[str, Any]], Any]

FINAL_TEXT = "done"
SIDE_TEXT = "ok"


def text(value: str) -> Block:
    """A text content block."""
    return {"type": "text", "text": value}


def tool_use(name: str, input: Mapping[str, Any] | None = None, *, id: str | None = None) -> Block:
    """A tool_use content block; ``id`` is generated when omitted."""
    block: Block = {"type": "tool_use", "name": name, "input": dict(input or {})}
    if id is not None:
        block["id"] = id
    return block


def bash(command: str, description: str | None = None, **extra: Any) -> Block:
    """A call of the client's ``Bash`` tool."""
    payload: dict[str, Any] = {"command": command, **extra}
    if description is not None:
        payload["description"] = description
    return tool_use("Bash", payload)


def skill(name: str, args: str | None = None) -> Block:
    """A call of the client's ``Skill`` tool (plugin skills are ``plugin:skill``)."""
    payload: dict[str, Any] = {"skill": name}
    if args is not None:
        payload["args"] = args
    return tool_use("Skill", payload)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON when it parses, else the raw text
    kind: str  # "main", "side", "count_tokens" or "other"
    turn_index: int | None = None  # the scripted turn a main request consumed
    reply: list[Block] = field(default_factory=list)  # the content blocks answered

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", []) if isinstance(self.body, dict) else []

    @property
    def tools(self) -> list[dict[str, Any]]:
        return self.body.get("tools") or [] if isinstance(self.body, dict) else []

    @property
    def system_prompt(self) -> str:
        """The top-level ``system`` field only."""
        return _content_text(self.body.get("system") if isinstance(self.body, dict) else None)

    @property
    def system_text(self) -> str:
        """The system prompt plus any ``role: system`` messages.

        Client 2.1.3xx moved the environment block and the skill listing out of
        the top-level ``system`` field into a system-role message; both count.
        """
        parts = [self.system_prompt]
        parts += [_content_text(m.get("content")) for m in self.messages if m.get("role") == "system"]
        return "\n".join(p for p in parts if p)

    @property
    def text(self) -> str:
        """All text the request carries: system prompt plus every message."""
        parts = [self.system_prompt]
        for message in self.messages:
            parts.append(_content_text(message.get("content")))
        return "\n".join(p for p in parts if p)


@dataclass
class ToolResult:
    tool_use_id: str
    content: str
    is_error: bool
    # Text blocks the client sent in the same user message, after the results.
    # The Skill tool answers "Launching skill: NAME" and delivers the skill's
    # body here, not in the tool_result itself.
    attached: str = ""
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def full_text(self) -> str:
        return "\n".join(p for p in (self.content, self.attached) if p)

    def __getitem__(self, key: str) -> Any:
        # Lets tests treat a result as the dict the brief describes.
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool_use_id": self.tool_use_id,
            "content": self.content,
            "is_error": self.is_error,
            "attached": self.attached,
        }


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif not isinstance(block, dict):
            continue
        elif block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(_content_text(block.get("content")))
        elif block.get("type") == "tool_use":
            parts.append(json.dumps(block.get("input", {})))
    return "\n".join(parts)


def _normalise_turn(turn: Any) -> list[Block]:
    if isinstance(turn, (str, dict)):
        turn = [turn]
    blocks = []
    for block in turn:
        if isinstance(block, str):
            block = text(block)
        if block.get("type") not in ("text", "tool_use"):
            raise ValueError(f"unsupported scripted block: {block!r}")
        blocks.append(dict(block))
    return blocks


def is_main_request(body: Any) -> bool:
    """Whether a /v1/messages body belongs to the scripted conversation.

    The main loop always sends the tool schemas; the side calls some client
    releases make (a small-model call for a session title, a one-token quota
    probe) send none. A subagent started with the Agent tool also sends tools,
    so its requests consume scripted turns like the main loop's; pass another
    ``classify`` to FakeModel to tell them apart.
    """
    return isinstance(body, dict) and bool(body.get("tools"))


class FakeModel:
    """Threaded HTTP server on 127.0.0.1 that plays a scripted conversation."""

    def __init__(
        self,
        turns: Iterable[Turn] = (),
        *,
        final_text: str = FINAL_TEXT,
        side_text: str = SIDE_TEXT,
        classify: Callable[[Any], bool] = is_main_request,
    ) -> None:
        self.turns: list[Turn] = list(turns)
        self.final_text = final_text
        self.side_text = side_text
        self.classify = classify
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # scripting errors raised while serving
        self._next_turn = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._tool_ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeModel:
        handler = type("_BoundHandler", (_Handler,), {"model": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            # A short poll keeps stop() quick; shutdown waits for the next poll.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-model",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeModel is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- recorded requests -------------------------------------------------------------------

    def main_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.kind == "main"]

    def side_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.kind != "main"]

    @property
    def turns_consumed(self) -> int:
        return self._next_turn

    def first_main(self) -> RecordedRequest:
        main = self.main_requests()
        if not main:
            raise AssertionError(f"the client sent no main-conversation request; got {self.describe()}")
        return main[0]

    def system_text(self) -> str:
        """System prompt of the first main request (tool guidance, skill listing...)."""
        return self.first_main().system_text

    def tools(self) -> list[dict[str, Any]]:
        """Tool schemas the client offered in its first main request."""
        return self.first_main().tools

    def tool_names(self) -> list[str]:
        return [t.get("name", "") for t in self.tools()]

    def tool_schema(self, name: str) -> dict[str, Any]:
        for tool in self.tools():
            if tool.get("name") == name:
                return tool
        raise KeyError(f"tool {name!r} not offered; offered: {self.tool_names()}")

    def all_text(self) -> str:
        """Everything the main conversation sent, system prompt included.

        Some client releases list skills in the system prompt, others in a
        reminder inside the first user message or in the Skill tool's description;
        searching all of it keeps tests independent of where.
        """
        main = self.main_requests()
        if not main:
            return ""
        # The last request repeats the whole history; the first is kept too in
        # case the client trimmed or compacted the history in between.
        parts = [main[0].text] + ([main[-1].text] if len(main) > 1 else [])
        parts += [json.dumps(t) for t in main[0].tools]
        return "\n".join(parts)

    def skill_listed(self, name: str) -> bool:
        """Whether the client told the model that skill ``name`` is available.

        Plugin skills are listed as ``plugin:skill``, project and user skills by
        their bare name, each as a ``- NAME: description`` line.
        """
        return f"- {name}:" in self.all_text()

    def tool_results(self) -> list[ToolResult]:
        """Every tool_result the client sent back, in order, each once.

        Each request repeats the whole history, so results are collected across
        all main requests and de-duplicated by tool_use_id.
        """
        seen: dict[str, ToolResult] = {}
        for request in self.main_requests():
            for message in request.messages:
                content = message.get("content")
                if message.get("role") != "user" or not isinstance(content, list):
                    continue
                results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
                if not results:
                    continue
                attached = _content_text([b for b in content if isinstance(b, dict) and b.get("type") == "text"])
                for block in results:
                    tid = block.get("tool_use_id", "")
                    if tid not in seen:
                        seen[tid] = ToolResult(
                            tool_use_id=tid,
                            content=_content_text(block.get("content")),
                            is_error=bool(block.get("is_error", False)),
                            attached=attached,
                            raw=block,
                        )
        return list(seen.values())

    def tool_result_for(self, tool_use_id: str) -> ToolResult:
        for result in self.tool_results():
            if result.tool_use_id == tool_use_id:
                return result
        raise KeyError(f"no tool_result for {tool_use_id!r}; got {[r.tool_use_id for r in self.tool_results()]}")

    def tool_uses(self) -> list[Block]:
        """The tool_use blocks this server actually sent, ids filled in."""
        return [b for r in self.main_requests() for b in r.reply if b.get("type") == "tool_use"]

    def describe(self) -> str:
        return ", ".join(f"{r.method} {r.path} [{r.kind}] model={r.model}" for r in self.requests) or "no requests"

    # -- replies -------------------------------------------------------------------------------

    def _record(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> RecordedRequest:
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = raw.decode("utf-8", "replace")
        bare = path.split("?", 1)[0].rstrip("/")
        if method == "POST" and bare.endswith("/v1/messages/count_tokens"):
            kind = "count_tokens"
        elif method == "POST" and bare.endswith("/v1/messages"):
            kind = "main" if self.classify(body) else "side"
        else:
            kind = "other"
        request = RecordedRequest(method, path, dict(headers), body, kind)
        with self._lock:
            self.requests.append(request)
        return request

    def _reply_blocks(self, request: RecordedRequest) -> list[Block]:
        if request.kind != "main":
            return [text(self.side_text)]
        with self._lock:
            index = self._next_turn
            if index < len(self.turns):
                self._next_turn += 1
                turn = self.turns[index]
                request.turn_index = index
            else:
                turn = None
        if turn is None:
            return [text(self.final_text)]
        if callable(turn):
            turn = turn(request.body)
        blocks = _normalise_turn(turn)
        for block in blocks:
            if block["type"] == "tool_use" and not block.get("id"):
                block["id"] = f"toolu_fake{next(self._tool_ids):04d}"
        return blocks

    def _message(self, request: RecordedRequest, blocks: list[Block]) -> dict[str, Any]:
        stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
        return {
            "id": f"msg_fake{next(self._ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": request.model or "claude-fake",
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 10,
                "output_tokens": 5,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }


def sse_events(message: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """The Messages streaming events that spell out ``message``."""
    start = dict(message, content=[], stop_reason=None, stop_sequence=None)
    start["usage"] = dict(message["usage"], output_tokens=1)
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": block["text"]},
                },
            )
        else:
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}},
                },
            )
            # Split the arguments so the client's partial-JSON assembly is exercised.
            partial = json.dumps(block["input"])
            cut = len(partial) // 2
            for piece in (partial[:cut], partial[cut:]):
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client drops keep-alive connections when it exits; that is not news.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    model: FakeModel  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep pytest output clean; everything is in model.requests

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_fake{next(self.model._ids):04d}")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self.model._record("GET", self.path, self.headers, b"")
        self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "fake model"}})

    def do_HEAD(self) -> None:  # noqa: N802
        self.model._record("HEAD", self.path, self.headers, b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        request = self.model._record("POST", self.path, self.headers, self._read_body())
        if request.kind == "count_tokens":
            self._send_json(200, {"input_tokens": 10})
            return
        if request.kind == "other":
            self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "fake model"}})
            return
        try:
            blocks = self.model._reply_blocks(request)
        except Exception as exc:  # a broken script should fail the test, not hang the client
            self.model.errors.append(f"turn for request {len(self.model.requests)}: {exc!r}")
            self._send_json(500, {"type": "error", "error": {"type": "api_error", "message": repr(exc)}})
            return
        request.reply = blocks
        message = self.model._message(request, blocks)
        if isinstance(request.body, dict) and request.body.get("stream"):
            self._send_stream(message)
        else:
            self._send_json(200, message)

    def _send_stream(self, message: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("request-id", f"req_fake{next(self.model._ids):04d}")
        # Without a length the body ends when the connection closes.
        self.send_header("Connection", "close")
        self.end_headers()
        for event, data in sse_events(message):
            self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
        self.close_connection = True
