"""Talking to the API in tests: the shared password, logged-in actors, auth headers, problem+json checks."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "correct-horse-9"


def problem(reply: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem reply with `status`; return its body."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    assert body["request_id"] == reply.headers["x-request-id"]
    return body


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for an access token."""
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in through the API (it must succeed) and return the token reply."""
    reply = await client.post("/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens


class Actor:
    """A logged-in user for tests: its id, name, tokens and auth headers."""

    def __init__(self, user: dict[str, Any], tokens: dict[str, Any]) -> None:
        self.id: str = user["id"]
        self.username: str = user["username"]
        self.tokens = tokens
        self.headers = bearer(tokens["access_token"])
