"""Redis killed during a load run: no 5xx, every body correct, and caching back once Redis is."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import redis

from oms_bench.load import Check, Result, Samples, drive
from oms_bench.servers import App, Servers


@dataclass
class Outage:
    """The run's phases and what was seen after it."""

    phases: list[Result] = field(default_factory=list)
    killed_at: float = 0.0
    restarted_at: float = 0.0
    resumed_at: float = 0.0  # when the app stored a page in the restarted Redis (0: it did not)
    cached_pages_after: int = 0

    @property
    def failures(self) -> list[str]:
        """What makes the run fail: any 5xx, wrong body or missing reply."""
        whole = self.phases[-1]
        found = []
        if whole.status_5xx:
            found.append(f"{whole.status_5xx} responses with status 5xx")
        if whole.wrong:
            found.append(f"{whole.wrong} wrong response bodies")
        if whole.errors:
            found.append(f"{whole.errors} requests without a reply (socket error or timeout)")
        if not self.resumed_at:
            found.append("caching did not resume after Redis came back")
        return found


def body_check(expected: dict[str, tuple[int, bytes]]) -> Check:
    """A reply is correct when its status and JSON equal what MongoDB served for the path before the run
    (for a course page this includes its `id` being the requested course's)."""
    parsed = {path: json.loads(body) for path, (_, body) in expected.items()}

    def check(path: str, status: int, body: bytes) -> bool:
        if status != expected[path][0]:
            return False
        try:
            return bool(json.loads(body) == parsed[path])
        except ValueError:
            return False

    return check


def run(
    servers: Servers,
    app: App,
    expected: dict[str, tuple[int, bytes]],
    connections: int,
    seconds: float,
    kill_at: float,
    down_for: float,
) -> Outage:
    """Load `app` with every path of `expected` for `seconds`; kill its Redis at `kill_at` s, restart it
    on the same port `down_for` s later; report each phase."""
    outage = Outage()
    done: list[Samples] = []
    # The load runs in a thread and the kill/restart here: a server started from a short-lived thread would
    # get SIGTERM when that thread ends (devstack's PR_SET_PDEATHSIG follows the parent thread).
    loader = threading.Thread(
        target=lambda: done.append(
            drive(app.port, list(expected), connections, seconds, body_check(expected))
        ),
        daemon=True,
    )
    t0 = time.perf_counter()
    loader.start()
    time.sleep(kill_at)
    servers.kill_redis()
    outage.killed_at = time.perf_counter() - t0
    time.sleep(down_for)
    servers.start_redis()
    outage.restarted_at = time.perf_counter() - t0
    client = redis.Redis.from_url(servers.redis_url, socket_timeout=1)
    try:
        while loader.is_alive():  # caching is back when the app stores a page in the new Redis
            if not outage.resumed_at and next(client.scan_iter(match="oms:c:*", count=1000), None):
                outage.resumed_at = time.perf_counter() - t0
            loader.join(0.1)
        outage.cached_pages_after = sum(1 for _ in client.scan_iter(match="oms:c:*", count=1000))
    finally:
        client.close()
    if not done:
        raise RuntimeError("the load generator failed; see the messages above")
    samples, server = done[0], app.name
    back = outage.resumed_at or samples.seconds
    outage.phases = [
        samples.result("before the kill", server, 0, outage.killed_at),
        samples.result("Redis down", server, outage.killed_at, outage.restarted_at),
        samples.result("Redis back, cache not yet used", server, outage.restarted_at, back),
        *([samples.result("caching again", server, back)] if outage.resumed_at else []),
        samples.result("whole run", server),
    ]
    return outage
