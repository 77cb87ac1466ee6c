"""Server processes a test owns itself (as opposed to the suite's shared ones)."""

from __future__ import annotations

from pathlib import Path

from oms.cli.devstack import Stack, free_port


class RedisProcess:
    """A redis-server of this test's own, which the test may stop and start again on the same port."""

    def __init__(self, root: Path) -> None:
        self.root, self.port, self.stack = root, free_port(), Stack()
        self.url = self.start()

    def start(self) -> str:
        """Start (again) on the same port and data directory; return its URL."""
        self.stack = Stack()
        return self.stack.start_redis(self.port, self.root / "redis", self.root / "redis.log")

    def stop(self) -> None:
        """Stop the server; `start()` brings it back."""
        self.stack.stop()


class MongoProcess:
    """A SecantusDB of this test's own (on disk), which the test may stop and start again on the same port."""

    def __init__(self, root: Path, database: str) -> None:
        self.root, self.database, self.port, self.stack = root, database, free_port(), Stack()

    def start(self) -> str:
        """Start (again) on the same port and data directory; return the URL of `database`."""
        self.stack = Stack()
        url = self.stack.start_mongo(self.port, self.root / "mongo", self.root / "mongo.log")
        return f"{url}/{self.database}"

    def stop(self) -> None:
        """Stop the server; `start()` brings it back."""
        self.stack.stop()
