"""The database breaker opens when the database does not answer, not because one request ran out its deadline.

On a busy machine a request can run out its own deadline while the database is alive; a ping sent then
decides. Real servers: the session's SecantusDB answers the ping; a socket that accepts connections and
never replies stands for a hung database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.errors import ExecutionTimeout, ServerSelectionTimeoutError

from oms.deadlines import CONFIRM_S, DatabaseBreaker


async def settled(breaker: DatabaseBreaker, limit: float = 10.0) -> None:
    """Wait until the breaker's confirming ping (if any) has ended."""
    began = time.monotonic()
    while breaker._probe is not None and not breaker._probe.done():
        assert time.monotonic() - began < limit, "the confirming ping never ended"
        await asyncio.sleep(0.02)


@pytest.fixture
async def hung_url() -> AsyncIterator[str]:
    """A server that accepts connections and never answers (a stopped or partitioned database)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=5000"
    for writer in held:
        writer.close()
    server.close()


async def test_a_request_timeout_on_a_live_database_leaves_the_breaker_closed(app: FastAPI) -> None:
    breaker = DatabaseBreaker(retry_s=1.0, probe_timeout_s=5.0)
    breaker.bind(lambda: app.state.mongo.admin.command("ping"))
    breaker.timed_out(ExecutionTimeout("operation would exceed time limit"))
    await settled(breaker)
    assert breaker.state == "closed"
    assert breaker.admit()


async def test_a_request_timeout_on_a_hung_database_opens_the_breaker(hung_url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(hung_url)
    try:
        breaker = DatabaseBreaker(retry_s=30.0, probe_timeout_s=5.0)
        breaker.bind(lambda: client.admin.command("ping"))
        began = time.monotonic()
        breaker.timed_out(ExecutionTimeout("operation would exceed time limit"))
        assert breaker.state == "closed"  # still admitted while the ping is out
        await settled(breaker)
        assert breaker.state == "open"
        assert not breaker.admit()
        assert time.monotonic() - began < CONFIRM_S + 2.0  # the ping waits CONFIRM_S, not probe_timeout_s
    finally:
        await client.close()


async def test_no_server_to_select_opens_the_breaker_at_once() -> None:
    breaker = DatabaseBreaker(retry_s=30.0)
    breaker.failed(ServerSelectionTimeoutError("connection refused"))
    assert breaker.state == "open"
    assert not breaker.admit()
