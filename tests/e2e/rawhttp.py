"""HTTP/1.1 over a bare socket, for requests no well-behaved client library would send
(malformed framing, floods, trickles, abrupt disconnects) and for reading exactly what came back.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self):
        return json.loads(self.body)


class Closed(Exception):
    """The server closed the connection before a whole response came."""


def request_bytes(method: str, path: str, body: bytes | dict | None = None,
                  api_key: str | None = None, headers: dict[str, str] | None = None,
                  keep_alive: bool = True) -> bytes:
    """A well-formed request with Host, Content-Length and (when given) the API key."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if api_key:
        lines.append(f"Authorization: Bearer {api_key}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if not keep_alive:
        lines.append("Connection: close")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Connection:
    """One TCP connection to the server, with a read buffer."""

    def __init__(self, port: int, timeout: float = 30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> bool:
        """Sends all of `data`; False when the server closed or reset the connection first."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise Closed(f"connection closed; {len(self.buf)} bytes unread: {self.buf[:200]!r}")
        self.buf += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _read_exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_head(self) -> Response:
        """The status line and headers of the next response."""
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        response = Response(int(status_line.split(" ")[1]))
        for line in header_lines:
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
        return response

    def read_chunk(self) -> bytes | None:
        """One chunk of a chunked body; None after the last (zero) chunk."""
        size = int(self._read_until(b"\r\n").split(b";")[0], 16)
        if size == 0:
            self._read_until(b"\r\n")
            return None
        data = self._read_exactly(size)
        self._read_exactly(2)
        return data

    def read_response(self) -> Response:
        """A whole response (Content-Length or chunked body)."""
        response = self.read_head()
        if response.headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while (chunk := self.read_chunk()) is not None:
                parts.append(chunk)
            response.body = b"".join(parts)
        else:
            response.body = self._read_exactly(int(response.headers.get("content-length", "0")))
        return response

    def read_events(self, limit: int | None = None) -> list[str]:
        """SSE events (without their 'data: ' prefix) from a chunked stream whose head was
        read: up to `limit` of them, or all to the end."""
        events: list[str] = []
        pending = b""
        while limit is None or len(events) < limit:
            chunk = self.read_chunk()
            if chunk is None:
                break
            pending += chunk
            while b"\n\n" in pending:
                event, pending = pending.split(b"\n\n", 1)
                assert event.startswith(b"data: "), event
                events.append(event[len(b"data: "):].decode())
        return events

    def exchange(self, data: bytes) -> Response:
        self.send(data)
        return self.read_response()

    def wait_closed(self, timeout: float) -> bool:
        """True when the server closes the connection within `timeout` (bytes it sends before
        are discarded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except ConnectionResetError:
                return True
            except (socket.timeout, TimeoutError):
                return False
        return False

    def reset(self) -> None:
        """Closes with a TCP RST (SO_LINGER 0), as a crashed client would."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()


def exchange(port: int, data: bytes, timeout: float = 30) -> Response:
    """One request on a fresh connection."""
    with Connection(port, timeout) as c:
        return c.exchange(data)
