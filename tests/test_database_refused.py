"""A request refused while the database is not answering fails at once, without a pool checkout.

This guards `oms.deadlines.GuardedMongoClient`, which refuses inside PyMongo's server selection, against
changes in PyMongo.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pymongo import monitoring
from pymongo.errors import ServerSelectionTimeoutError

from oms.deadlines import GuardedMongoClient, refused
from tests.support.settings import Servers


class _Checkouts(monitoring.ConnectionPoolListener):
    """Counts connection checkouts; the other pool events are of no interest here."""

    started = 0

    def connection_check_out_started(self, event: monitoring.ConnectionCheckOutStartedEvent) -> None:
        self.started += 1

    def _ignore(self, event: Any) -> None:
        """Nothing to count."""

    pool_created = pool_ready = pool_cleared = pool_closed = _ignore
    connection_created = connection_ready = connection_closed = _ignore
    connection_check_out_failed = connection_checked_out = connection_checked_in = _ignore


async def test_a_refused_request_fails_at_once_without_a_pool_checkout(stack: Servers) -> None:
    checkouts = _Checkouts()
    client = GuardedMongoClient(stack["mongo"], timeoutMS=2000, event_listeners=[checkouts])
    try:
        await client.oms_refused.things.find_one({})
        before = checkouts.started
        start = time.monotonic()
        with refused(), pytest.raises(ServerSelectionTimeoutError) as raised:
            await client.oms_refused.things.find_one({})
        assert time.monotonic() - start < 0.05 and raised.value.timeout
        assert checkouts.started == before
        assert await client.oms_refused.things.find_one({}) is None  # outside the block: as usual
    finally:
        await client.close()
