"""The call signatures of the factory fixtures, so tests that take `make_course` and friends are typed."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from fastapi import FastAPI

from tests.support.api import Actor


class MakeApp(Protocol):
    """`await make_app(history_limit=10)`: another started app with changed settings."""

    async def __call__(self, **overrides: Any) -> FastAPI: ...


class MakeStudent(Protocol):
    """`await make_student()`: a newly registered, logged-in student."""

    async def __call__(self, username: str | None = None) -> Actor: ...


class MakeCourse(Protocol):
    """`await make_course(sections=3, status="published", **fields)`: a course created by an admin."""

    async def __call__(
        self, sections: int = 3, status: str = "published", **fields: Any
    ) -> dict[str, Any]: ...


class MakeLlmApp(Protocol):
    """`await llm(**settings)`: an app whose AI provider is the stub, and a client for it."""

    async def __call__(self, **overrides: Any) -> tuple[FastAPI, httpx.AsyncClient]: ...
