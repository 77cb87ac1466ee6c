"""Deadlines for database work, and a breaker that keeps requests from piling up on a database that hangs.

PyMongo's client-side operation timeout (`pymongo.timeout()`, `timeoutMS`) bounds all the work of an
operation: server selection, connection checkout, the round trip, and the retries of retryable reads and
writes, which are retried for as long as the deadline allows. So each API request runs under one deadline
(`edge/deadlines.py`) instead of a socket timeout that had to be long enough for batch work, and each long
job gives every batch an explicit deadline of its own (`job_deadline`). The deadline lives in a context
variable: it covers every PyMongo call, and so every Beanie call, awaited in the task that set it and in
the tasks that task starts. Deadlines nest by shrinking: a batch inside a shorter deadline gets the shorter.

A database that hangs (a partition, a stalled primary: the socket stays open and nothing answers) would
still hold every new request for its whole deadline. After a request's database call fails for want of an
answer, `DatabaseBreaker` opens: for `retry_s` new requests run with the database refused — their first
PyMongo call fails at once, before server selection or any pool checkout — so replies served from
the cache still go out while everything that needs the database gets 503 at once. Then one ping probes the
database in the background; any command that succeeds (that ping, a readiness check) closes the breaker.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pymongo
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import ServerSelectionTimeoutError

log = logging.getLogger(__name__)

REFUSED: contextvars.ContextVar[bool] = contextvars.ContextVar("oms_database_refused", default=False)


def job_deadline(seconds: float) -> AbstractContextManager[None]:
    """The deadline of one batch of a long job: every PyMongo call inside it, retries included, ends within
    `seconds` (sooner inside a shorter deadline). Use it per batch, so a large job takes the time it needs
    while a hung database still ends each batch on time."""
    return pymongo.timeout(seconds)


class GuardedMongoClient(AsyncMongoClient[dict[str, Any]]):
    """PyMongo's async client, refusing operations in a task whose database is refused (see `refused`).

    Every operation (reads, writes, commands, getMore) selects its server through `_select_server` before
    it checks out a connection, so refusing there costs no pool checkout and no I/O. (PyMongo's public
    `server_selector` option cannot do this: it is ignored for a standalone server.) Selection itself
    waits at most serverSelectionTimeoutMS, within the operation's deadline.
    """

    async def _select_server(self, *args: Any, **kwargs: Any) -> Any:
        if REFUSED.get():
            raise ServerSelectionTimeoutError(
                "the database did not answer recently; requests skip it until a probe succeeds"
            )
        # Under a deadline PyMongo waits for a server as long as the deadline allows; a server that refuses
        # connections is known to be down within serverSelectionTimeoutMS, so wait no longer than that.
        with pymongo.timeout(self.options.server_selection_timeout):
            return await super()._select_server(*args, **kwargs)


@contextmanager
def refused() -> Iterator[None]:
    """Run the block with the database refused: its first PyMongo call raises ServerSelectionTimeoutError
    at once, touching no connection."""
    token = REFUSED.set(True)
    try:
        yield
    finally:
        REFUSED.reset(token)


class DatabaseBreaker:
    """Open after the database failed to answer a request; closed again by any command that succeeds."""

    def __init__(self, retry_s: float = 1.0, probe_timeout_s: float = 1.0) -> None:
        self.retry_s = retry_s
        self.probe_timeout_s = probe_timeout_s
        self.down = False
        self.refused = 0
        self._open_until = 0.0
        self._ping: Callable[[], Awaitable[Any]] | None = None
        self._probe: asyncio.Task[None] | None = None

    def bind(self, ping: Callable[[], Awaitable[Any]]) -> None:
        """How to probe the database (a `ping` command on the app's client)."""
        self._ping = ping

    @property
    def state(self) -> str:
        """`closed` (requests use the database), `open` (they skip it) or `probing`."""
        if not self.down:
            return "closed"
        return "probing" if self._probe is not None and not self._probe.done() else "open"

    def admit(self) -> bool:
        """Whether a request may use the database now; while open, starts a probe once `retry_s` passed."""
        if not self.down:
            return True
        self.refused += 1
        if time.monotonic() >= self._open_until and (self._probe is None or self._probe.done()):
            self._open_until = time.monotonic() + self.retry_s
            if self._ping is not None:  # a fresh context: the probe runs under no request's deadline
                self._probe = asyncio.get_running_loop().create_task(
                    self._run_probe(), name="oms-database-probe", context=contextvars.Context()
                )
        return False

    def failed(self, exc: BaseException) -> None:
        """A request's database call got no answer: skip the database for `retry_s`."""
        if not self.down:
            log.warning(
                "database not answering; requests skip it and a probe retries every %.1f s",
                self.retry_s,
                extra={"error": f"{type(exc).__name__}: {exc}"[:300]},
            )
        self.down = True
        self._open_until = time.monotonic() + self.retry_s

    def succeeded(self) -> None:
        """The database answered a command: requests use it again."""
        if self.down:
            self.down = False
            log.warning("database answering again", extra={"requests_refused": self.refused})
            self.refused = 0

    async def _run_probe(self) -> None:
        assert self._ping is not None
        try:
            with pymongo.timeout(self.probe_timeout_s):
                await self._ping()
        except Exception as exc:  # any failure keeps the breaker open; nothing awaits this task
            self.failed(exc)
        else:
            self.succeeded()


class BreakerListener(monitoring.CommandListener):
    """Closes the breaker when any command succeeds (PyMongo calls it from whichever task ran the command)."""

    def __init__(self, breaker: DatabaseBreaker) -> None:
        self.breaker = breaker

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Nothing to do before the reply."""

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """The database answered."""
        self.breaker.succeeded()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """A request's failure is judged where it is raised (the problem mapping), not here."""
