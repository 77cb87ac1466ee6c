"""A small keep-alive HTTP/1.1 client on asyncio streams, bound to a chosen loopback source address.

Each virtual user gets its own 127.x.y.z source address, so Nginx sees (and rate-limits) distinct clients
the way it would on the internet. Bodies are JSON; no compression is asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

TIMEOUT_S = 10.0


class HttpError(Exception):
    """The connection failed or the reply could not be read."""


class Connection:
    """One persistent connection to host:port from `local_ip`."""

    def __init__(self, host: str, port: int, local_ip: str | None = None) -> None:
        self.host, self.port, self.local_ip = host, port, local_ip
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            local = (self.local_ip, 0) if self.local_ip else None
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        return self._reader, self._writer

    async def close(self) -> None:
        """Close the socket (a later request opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read its reply: (status, body). Raises HttpError on any failure."""
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: oms-loadtest"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(self._exchange(raw), TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            stale = isinstance(exc, asyncio.IncompleteReadError | ConnectionError)
            if reused and stale and method in {"GET", "HEAD"}:
                return await self.request(method, path, body, headers)  # the server closed an idle connection
            raise HttpError(f"{method} {path}: {exc!r}") from exc

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        data = await self._chunked(reader) if chunked else await reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
